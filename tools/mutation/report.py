"""Figures per module, the survivors, and the JSON report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

STATUSES = ("killed", "timeout", "survived", "error", "equivalent")


def figures(results: list[dict[str, Any]], modules: list[str]) -> dict[str, dict[str, Any]]:
    table = {}
    for module in [*modules, "total"]:
        rows = [r for r in results if module in ("total", r["module"])]
        counts = Counter(r["status"] for r in rows)
        caught = counts["killed"] + counts["timeout"]
        scored = caught + counts["survived"]
        table[module] = {
            "sampled": len(rows),
            "run": len(rows) - counts["equivalent"],
            **{status: counts[status] for status in STATUSES},
            "score": round(100 * caught / scored, 1) if scored else None,
        }
    return table


def format_table(table: dict[str, dict[str, Any]]) -> str:
    width = max(14, *(len(module) + 1 for module in table))
    head = f"{'module':<{width}}{'run':>5}{'killed':>8}{'timeout':>9}{'survived':>10}"
    head += f"{'error':>7}{'equiv':>7}{'score':>8}"
    lines = [head, "-" * len(head)]
    for module, row in table.items():
        score = "-" if row["score"] is None else f"{row['score']:.1f}%"
        lines.append(
            f"{module:<{width}}{row['run']:>5}{row['killed']:>8}{row['timeout']:>9}"
            f"{row['survived']:>10}{row['error']:>7}{row['equivalent']:>7}{score:>8}"
        )
    return "\n".join(lines)


def format_mutant(row: dict[str, Any], package: str) -> str:
    where = f"{package}/{row['module']}:{row['line']}"
    return (
        f"{where} [{row['id']}] {row['operator']} in {row['function']}\n"
        f"    - {row['original_line']}\n"
        f"    + {row['mutated_line']}"
    )


def write(path: Path, meta: dict[str, Any], table: dict, results: list[dict[str, Any]]) -> None:
    document = {**meta, "figures": table, "mutants": results}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
