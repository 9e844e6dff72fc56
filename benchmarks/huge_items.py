"""How a sync's cost grows with one huge item: seconds and peak memory per item size.

    .venv/bin/python benchmarks/huge_items.py                # items of 10, 50 and 100 MB
    .venv/bin/python benchmarks/huge_items.py --sizes 1,4,16

Guards ``django_creatify/listing.py`` and ``cursor.py`` (``sync_benchmark.py`` guards
their common path). The listing holds three jobs; the middle one has one extra field, a
string of N MB, which only its ``raw`` payload keeps. A sandbox in this process serves the
listing as prebuilt bytes (``Fault.body``), so its memory is not measured; each sync runs
``sync_aurora_flows()`` in a fresh Python process on a fresh SQLite file, twice:

``skipped``  default ``SYNC_MAX_ITEM_BYTES`` (1 MiB): the item is walked to its end without
             being kept and skipped with its reason; the two other jobs are written.
``stored``   ``SYNC_MAX_ITEM_BYTES`` raised above the item: it is decoded and stored.

Peak RSS is the measured process's high-water mark (``VmHWM``); ``growth`` is that minus
the baseline (Django imported, database migrated). Linear cost shows as time and growth
rising like the size (x5, x10 from 10 MB), not like its square (x25, x100).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
from _common import Stopwatch, emit_result, peak_rss_mb, run_child

SCRIPT = Path(__file__).resolve()
MB = 1024 * 1024


def job(number: int, **extra: Any) -> dict[str, Any]:
    job_id = str(uuid.UUID(int=0xB16_0000 + number, version=4))
    return {
        "id": job_id,
        "created_at": "2026-11-20T08:00:00Z",
        "updated_at": "2026-11-20T08:01:00Z",
        "name": f"huge item benchmark {number}",
        "status": "done",
        "audio": f"https://cdn.example/{job_id}.mp3",
        "image": f"https://cdn.example/{job_id}.png",
        **extra,
    }


def listing(size_mb: int) -> bytes:
    items = [job(1), job(2, notes="x" * (size_mb * MB)), job(3)]
    return json.dumps(items).encode()


# == the measured process (one sync per process) ======================================


def worker(spec: dict[str, Any]) -> None:
    creatify = {
        "API_ID": _common.SANDBOX_API_ID,
        "API_KEY": _common.SANDBOX_API_KEY,
        "BASE_URL": spec["sandbox_url"],
        "SYNC_MAX_ITEM_BYTES": spec["max_item_bytes"],
    }
    _common.configure_django(spec["database"], creatify=creatify)
    from django.core.management import call_command

    from django_creatify.models import AuroraFlow
    from django_creatify.sync import sync_aurora_flows

    call_command("migrate", verbosity=0)
    baseline = peak_rss_mb()
    with Stopwatch() as clock:
        result = sync_aurora_flows()
    emit_result(
        {
            "seconds": clock.seconds,
            "baseline_rss_mb": round(baseline, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "created": result.created,
            "skipped": [str(item) for item in result.skipped_items],
            "rows": AuroraFlow.objects.count(),
        }
    )


# == the driver ========================================================================


def run(sizes: list[int]) -> list[dict[str, Any]]:
    from django_creatify.sandbox import Fault, Sandbox

    sandbox = Sandbox(api_id=_common.SANDBOX_API_ID, api_key=_common.SANDBOX_API_KEY)
    results = []
    with sandbox.serve() as server:
        for size in sizes:
            body = listing(size)
            for mode, limit in (("skipped", MB), ("stored", 2 * len(body))):
                sandbox.inject(Fault.body(200, body))
                with tempfile.TemporaryDirectory(prefix="creatify-huge-") as folder:
                    spec = {
                        "database": f"sqlite:///{Path(folder) / 'huge.sqlite3'}",
                        "sandbox_url": server.url,
                        "max_item_bytes": limit,
                    }
                    result = run_child(SCRIPT, spec, timeout=1800)
                result.update(size_mb=size, mode=mode, body_bytes=len(body))
                print(f"  {size:>4} MB {mode:<8} {describe(result)}", file=sys.stderr, flush=True)
                results.append(result)
    return results


def describe(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    return (
        f"{result['seconds']:7.2f} s  peak {result['peak_rss_mb']:7.1f} MB  "
        f"rows {result['rows']}  skipped {len(result['skipped'])}"
    )


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| item (MB) | mode | time (s) | peak RSS (MB) | growth (MB) | rows | skipped because |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['size_mb']} | {r['mode']} | error: {r['error'][:80]} |")
            continue
        growth = r["peak_rss_mb"] - r["baseline_rss_mb"]
        reason = r["skipped"][0].split(": ", 1)[-1] if r["skipped"] else "-"
        lines.append(
            f"| {r['size_mb']} | {r['mode']} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} "
            f"| {growth:.0f} | {r['rows']} | {reason} |"
        )
    lines += ["", "| mode | sizes | size ratio | time ratio | growth ratio |"]
    lines.append("| --- | --- | ---: | ---: | ---: |")
    for mode in ("skipped", "stored"):
        runs = [r for r in results if r["mode"] == mode and "error" not in r]
        for later in runs[1:]:
            first = runs[0]
            growths = [r["peak_rss_mb"] - r["baseline_rss_mb"] for r in (first, later)]
            time_ratio = later["seconds"] / first["seconds"] if first["seconds"] else None
            growth_ratio = growths[1] / growths[0] if growths[0] > 0 else None
            lines.append(
                f"| {mode} | {first['size_mb']} -> {later['size_mb']} MB "
                f"| x{later['size_mb'] / first['size_mb']:.1f} "
                f"| {_times(time_ratio)} | {_times(growth_ratio)} |"
            )
    return "\n".join(lines)


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"x{ratio:.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,50,100", help="item sizes in MB")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    results = run(sizes)
    print(table(results))
    print()
    for result in results:
        print(json.dumps({"kind": "huge_item", **result}))


if __name__ == "__main__":
    main()
