"""The report of ``sync_benchmark.py``: medians per case, the targets, the Markdown."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

# The speed and memory targets this benchmark checks.
TARGET_JOBS = 10_000
BIG_JOBS = 100_000
FULL_VS_NAIVE_MIN = 20.0
FULL_VS_FLOOR_MAX = 2.0
UNCHANGED_VS_DOWNLOAD_MAX = 1.5
PEAK_RSS_MAX_MB = 300.0
DRF_VS_FLOOR_MIN = 0.5
CHANGELIST_GROWTH_MAX = 1.5

CASE_NAMES = {
    ("ours", "full"): "ours: full sync, N new",
    ("ours", "unchanged"): "ours: resync, nothing changed",
    ("ours", "changed"): "ours: resync, 10% changed",
    ("naive", "full"): "naive: full sync, N new",
    ("naive", "resync"): "naive: resync",
    ("floor", "full"): "floor: full sync, N new",
    ("floor", "resync"): "floor: resync",
    ("download", "body"): "download: the list body only",
}
# What each of our cases is held against: (naive's, the floor's) scenario.
REFERENCES = {"full": ("full", "full"), "unchanged": ("resync", "resync")}
REFERENCES["changed"] = REFERENCES["unchanged"]


def key(case: dict[str, Any]) -> tuple:
    return (case["family"], case["database"], case["jobs"], case["impl"], case["scenario"])


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One case per (family, database, N, impl, scenario): the median of its runs."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for run in runs:
        groups[key(run)].append(run)
    cases = []
    for (family, database, n, impl, scenario), group in groups.items():
        ok = [run for run in group if "seconds" in run]
        case: dict[str, Any] = {
            "family": family,
            "database": database,
            "jobs": n,
            "impl": impl,
            "scenario": scenario,
            "runs": len(group),
        }
        cases.append(case)
        if not ok:
            case["error"] = group[0].get("error")
            continue
        seconds = statistics.median(run["seconds"] for run in ok)
        last = ok[-1]
        case.update(
            seconds=round(seconds, 6),
            all_seconds=[round(run["seconds"], 6) for run in ok],
            jobs_per_second=round(n / seconds) if seconds else None,
            http_requests=last["http_requests"],
            sql_queries=last["sql_queries"],
            rows_written=last["rows_written"],
            peak_rss_mb=max(run["peak_rss_mb"] for run in ok),
            baseline_rss_mb=last["baseline_rss_mb"],
        )
        for phase in ("fetch_seconds", "build_seconds"):
            if phase in last:
                case[phase] = round(statistics.median(run[phase] for run in ok), 4)
        for extra in ("sync_result", "remote_changed", "body_bytes"):
            if extra in last:
                case[extra] = last[extra]
    by_key = {key(c): c for c in cases}
    for case in cases:
        if case["impl"] != "ours" or "seconds" not in case:
            continue
        family, database, n = case["family"], case["database"], case["jobs"]
        naive, floor = REFERENCES[case["scenario"]]
        other = by_key.get((family, database, n, "naive", naive), {})
        if "seconds" in other:
            case["speedup_vs_naive"] = round(other["seconds"] / case["seconds"], 2)
        other = by_key.get((family, database, n, "floor", floor), {})
        if "seconds" in other:
            case["time_vs_floor"] = round(case["seconds"] / other["seconds"], 2)
        other = by_key.get((family, database, n, "download", "body"), {})
        if "seconds" in other:
            case["time_vs_download"] = round(case["seconds"] / other["seconds"], 2)
    return cases


def load(path: Path) -> dict[str, Any]:
    """The runs and web measurements of an earlier output, to be counted again."""
    runs: list[dict[str, Any]] = []
    web: list[dict[str, Any]] = []
    postgresql = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        kind = entry.pop("kind", None)
        if kind == "web":
            web.append(entry)
        elif kind == "machine":
            postgresql = entry.get("postgresql")
        elif kind == "sync":
            # A case keeps every run's time; the rest is the same for each run (peak: the max).
            times = entry.pop("all_seconds", None) or [None]
            for name in ("runs", "jobs_per_second", "speedup_vs_naive"):
                entry.pop(name, None)
            for name in ("time_vs_floor", "time_vs_download"):
                entry.pop(name, None)
            for seconds in times:
                run = dict(entry)
                if seconds is None:
                    run.pop("seconds", None)
                else:
                    run["seconds"] = seconds
                runs.append(run)
    return {"runs": runs, "web": web, "postgresql": postgresql}


def combine_web(web: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per family, database and N: the median of its measurements."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for entry in web:
        groups[(entry["family"], entry["database"], entry["jobs"])].append(entry)
    combined = []
    for group in groups.values():
        entry = dict(group[-1])
        entry["measurements"] = len(group)
        rated = [w for w in group if "requests_per_second" in w.get("drf", {})]
        if rated:
            for view in ("drf", "floor"):
                rates = [w[view]["requests_per_second"] for w in rated]
                entry[view] = {**rated[-1][view], "requests_per_second": statistics.median(rates)}
        timed = [w for w in group if "median_ms" in w.get("changelist", {})]
        if timed:
            entry["changelist"] = {
                **timed[-1]["changelist"],
                "median_ms": statistics.median(w["changelist"]["median_ms"] for w in timed),
                "min_ms": min(w["changelist"]["min_ms"] for w in timed),
            }
        combined.append(entry)
    return combined


def targets(cases: list[dict], web: list[dict], families: list[str], databases: list[str]):
    """Each target per family and database, where this run measured what it needs."""
    by_key = {key(c): c for c in cases}
    out: list[dict[str, Any]] = []

    def target(family: str, database: str, name: str, measured: str, met: bool) -> None:
        out.append(
            {
                "family": family,
                "database": database,
                "target": name,
                "measured": measured,
                "met": met,
            }
        )

    for family in families:
        for database in databases:
            mine = [c for c in cases if c["family"] == family and c["database"] == database]
            full = by_key.get((family, database, TARGET_JOBS, "ours", "full"), {})
            if "speedup_vs_naive" in full:
                value = full["speedup_vs_naive"]
                name = f"full sync of {TARGET_JOBS:,} >= {FULL_VS_NAIVE_MIN:.0f}x naive"
                target(family, database, name, f"{value:.1f}x", value >= FULL_VS_NAIVE_MIN)
            if "time_vs_floor" in full:
                value = full["time_vs_floor"]
                name = f"full sync of {TARGET_JOBS:,} <= {FULL_VS_FLOOR_MAX:g}x the floor"
                target(family, database, name, f"{value:.2f}x", value <= FULL_VS_FLOOR_MAX)
            sizes = sorted({c["jobs"] for c in mine if c["jobs"] >= TARGET_JOBS})
            for n in sizes:
                unchanged = by_key.get((family, database, n, "ours", "unchanged"), {})
                download = by_key.get((family, database, n, "download", "body"), {})
                if "time_vs_download" not in unchanged:
                    continue
                ratio, rows = unchanged["time_vs_download"], unchanged["rows_written"]
                target(
                    family,
                    database,
                    f"unchanged resync of {n:,}: 0 rows written, "
                    f"<= {UNCHANGED_VS_DOWNLOAD_MAX:g}x the download",
                    f"{rows} rows, {ratio:.2f}x ({unchanged['seconds']:.3f} s vs "
                    f"{download['seconds']:.3f} s)",
                    rows == 0 and ratio <= UNCHANGED_VS_DOWNLOAD_MAX,
                )
            big = [c for c in mine if c["jobs"] == BIG_JOBS and c["impl"] == "ours"]
            if big:
                completed = all("seconds" in c for c in big)
                peak = max((c.get("peak_rss_mb", 0) for c in big), default=0)
                target(
                    family,
                    database,
                    f"{BIG_JOBS:,} jobs: completes, peak RSS < {PEAK_RSS_MAX_MB:.0f} MB",
                    f"{'completed' if completed else 'FAILED'}, peak {peak:.0f} MB",
                    completed and peak < PEAK_RSS_MAX_MB,
                )
            web_targets(family, database, web, target)
    return out


def web_targets(family: str, database: str, web: list[dict], target) -> None:
    webs = sorted(
        (w for w in web if w["family"] == family and w["database"] == database),
        key=lambda w: w["jobs"],
    )
    timed = [w for w in webs if "requests_per_second" in w.get("drf", {})]
    if timed:
        largest = timed[-1]
        ratio = largest["drf"]["requests_per_second"] / largest["floor"]["requests_per_second"]
        target(
            family,
            database,
            f"DRF list >= 1/2 the floor's req/s ({largest['jobs']:,} rows)",
            f"{ratio:.2f}",
            ratio >= DRF_VS_FLOOR_MIN,
        )
    timed = [w for w in webs if "median_ms" in w.get("changelist", {})]
    if len(timed) > 1:
        first, last = timed[0], timed[-1]
        growth = last["changelist"]["median_ms"] / first["changelist"]["median_ms"]
        target(
            family,
            database,
            f"changelist at {last['jobs']:,} rows <= {CHANGELIST_GROWTH_MAX:g}x its time at "
            f"{first['jobs']:,}",
            f"{growth:.2f}x ({first['changelist']['median_ms']:.0f} -> "
            f"{last['changelist']['median_ms']:.0f} ms)",
            growth <= CHANGELIST_GROWTH_MAX,
        )


def fmt(value: Any, spec: str = "") -> str:
    if value is None or value == "":
        return "-"
    return format(value, spec) if spec else str(value)


def ratio(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}x"


def sync_table(cases: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| database | N | case | time (s) | jobs/s | HTTP req | SQL queries | rows written "
        "| peak RSS (MB) | speedup vs naive | time vs floor | time vs download |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = list(CASE_NAMES)
    for c in sorted(cases, key=lambda c: (c["database"], c["jobs"], order.index(key(c)[3:]))):
        name = CASE_NAMES[(c["impl"], c["scenario"])]
        if "seconds" not in c:
            error = (c.get("error") or "")[:80].replace("|", "/")
            lines.append(
                f"| {c['database']} | {c['jobs']:,} | {name} | error: {error} | | | | | | | | |"
            )
            continue
        lines.append(
            f"| {c['database']} | {c['jobs']:,} | {name} | {c['seconds']:.3f} "
            f"| {fmt(c['jobs_per_second'], ',')} | {c['http_requests']} | {c['sql_queries']:,} "
            f"| {c['rows_written']:,} | {c['peak_rss_mb']:.0f} "
            f"| {ratio(c.get('speedup_vs_naive'), 1)} | {ratio(c.get('time_vs_floor'), 2)} "
            f"| {ratio(c.get('time_vs_download'), 2)} |"
        )
    return lines


def web_table(web: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| family | database | rows | DRF list req/s | floor view req/s | DRF / floor "
        "| DRF queries | admin changelist (median ms) | changelist queries |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for w in sorted(web, key=lambda w: (w["family"], w["database"], w["jobs"])):
        head = f"| {w['family']} | {w['database']} | {w['jobs']:,} "
        if "error" in w:
            lines.append(head + f"| error: {w['error'][:80]} | | | | | | |")
            continue
        drf, floor, cl = w["drf"], w.get("floor", {}), w["changelist"]
        if "requests_per_second" in drf:
            rates = (
                f"| {drf['requests_per_second']:.0f} | {floor['requests_per_second']:.0f} "
                f"| {drf['requests_per_second'] / floor['requests_per_second']:.2f} "
                f"| {drf['sql_queries']} "
            )
        else:
            rates = f"| {_note(drf)} | | | "
        changelist = f"{cl['median_ms']:.1f}" if "median_ms" in cl else _note(cl)
        lines.append(head + rates + f"| {changelist} | {fmt(cl.get('sql_queries'))} |")
    return lines


def _note(figures: dict[str, Any]) -> str:
    if "absent" in figures:
        return f"absent ({figures['absent']})"
    return f"error: {figures.get('error', '')[:60]}"


def target_table(found: list[dict[str, Any]]) -> list[str]:
    lines = ["| family | target | database | measured | met |", "| --- | --- | --- | --- | --- |"]
    for t in found:
        met = "yes" if t["met"] else "**no**"
        lines.append(
            f"| {t['family']} | {t['target']} | {t['database']} | {t['measured']} | {met} |"
        )
    return lines


def target_lines(found: list[dict[str, Any]]) -> list[str]:
    return [
        f"{'met   ' if t['met'] else 'MISSED'} {t['family']} / {t['database']}: "
        f"{t['target']}: {t['measured']}"
        for t in found
    ]


def markdown(cases, web, found, machine, families: dict[str, str]) -> str:
    """``families``: name -> label, in the order to print them."""
    lines = [
        f"Machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB RAM, "
        f"{machine['os']}; Python {machine['python']}, Django {machine['django']}, "
        f"SQLite {machine['sqlite']}, PostgreSQL {machine['postgresql'] or '-'}.",
    ]
    for name, label in families.items():
        mine = [c for c in cases if c["family"] == name]
        if mine:
            lines += ["", f"### {label} (`/api/{name}/`)", "", *sync_table(mine)]
    if web:
        lines += ["", "### DRF list and admin changelist", "", *web_table(web)]
    lines += ["", "### Targets", "", *target_table(found), "", *target_lines(found)]
    return "\n".join(lines)
