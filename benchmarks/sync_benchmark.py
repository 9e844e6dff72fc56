"""How fast the mirror syncs each job family, next to a naive integration, the database
driver alone and the mere download of the same list.

    .venv/bin/python benchmarks/sync_benchmark.py          # 1k, 10k, 100k; SQLite + PostgreSQL
    .venv/bin/python benchmarks/sync_benchmark.py --quick  # 1k and 10k
    .venv/bin/python benchmarks/sync_benchmark.py --families aurora,lipsyncs --sizes 10000

PostgreSQL: ``--postgres-url`` (default ``postgres://postgres@127.0.0.1:5432/creatify_bench``);
that database is dropped, created, migrated and dropped again. SQLite: a file in a
temporary folder. The sandbox runs in its own process (``python -m django_creatify.sandbox``)
on loopback, holding N jobs of the family measured and no other, every one finished, so
its memory is not ours and payloads change only when the benchmark changes them
(``PATCH /_sandbox/jobs/<id>``). One sandbox serves a family's N on every database.

Every measured run is a fresh Python process (``_sync_cases.py``): its peak RSS is that
process's high-water mark (``VmHWM``), Django and the app already imported (their share is
``baseline``). Per family, database and N it measures:

``ours``     ``django_creatify.sync.sync_jobs(family)``: a full sync of N new jobs, a resync
             with nothing changed, a resync after 10% of the jobs were renamed.
``naive``    one ``requests`` GET + ``json.loads``, then ``update_or_create`` per item
             (values from ``payloads.parse_job(family, item)``); into an empty table, then
             again over the same rows (not with ``--quick``). Only up to ``--naive-max``
             jobs (10,000): at 100,000 it would run for several minutes and prove nothing more.
``floor``    one GET + ``json.loads`` of the same body, then the driver alone (sqlite3 /
             psycopg with its own cursor and prepared statements): one ``executemany`` of
             ``INSERT ... ON CONFLICT (id) DO UPDATE`` in one transaction, no ORM, no
             comparison; empty table, then again over the same rows.
``download`` the same GET, with the client's headers, reading the whole body, and nothing
             else: what no sync of that body can beat. Run next to each unchanged resync.

Times are the median of ``--repeat`` runs (3) up to 10,000 jobs, ``--repeat-big`` (1)
above. ``--cases`` runs some of the cases only, and ``--merge`` takes the runs of an
earlier output into the medians: together they repeat the cases whose figures looked off
(a burst of load from elsewhere) without running everything again.

Then, on the N rows the sync wrote, the DRF list (page of 100, staff user, Django's test
Client) in requests per second against a plain Django view returning ``.values()[:100]``
as JSON, and the admin changelist time, for each family the site serves them for.
Prints the Markdown tables, a line per target (met or MISSED), then one JSON line per
case; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
import _sync_report as report
from _common import SandboxProcess, run_child

CASES_SCRIPT = Path(__file__).resolve().parent / "_sync_cases.py"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/creatify_bench"
CHANGED_FRACTION = 0.10
CASES = ("naive", "floor", "ours", "download", "web")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def scratch_database(kind: str, postgres_url: str):
    """A database URL that exists and is removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="creatify-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(postgres_url)
    name = parts.path.lstrip("/") or "creatify_bench"
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.runs: list[dict[str, Any]] = []
        self.web: list[dict[str, Any]] = []
        self.postgres_version: str | None = None

    def run(self) -> None:
        args = self.args
        with ExitStack() as stack:
            databases = {}
            for kind in args.databases:
                url = stack.enter_context(scratch_database(kind, args.postgres_url))
                prepared = run_child(CASES_SCRIPT, {"case": "prepare", "database": url})
                if "error" in prepared:
                    raise SystemExit(f"{kind}: could not prepare the database: {prepared['error']}")
                self.postgres_version = prepared.get("postgresql") or self.postgres_version
                databases[kind] = url
            for family in args.families:
                for n in args.sizes:
                    log(f"{family}, {n:,} jobs: starting the sandbox")
                    with SandboxProcess(n, family=family, seed=1) as sandbox:
                        for kind, url in databases.items():
                            self.run_size(sandbox, url, kind, n)

    def case(self, sandbox: SandboxProcess, database: str, kind: str, n: int, **spec) -> dict:
        sandbox.clear_requests()
        family = sandbox.family
        full_spec = {
            "database": database,
            "sandbox_url": sandbox.url,
            "family": family,
            "jobs": n,
            **spec,
        }
        result = run_child(CASES_SCRIPT, full_spec)
        result.update(
            family=family,
            database=kind,
            jobs=n,
            impl=spec["case"],
            scenario=spec["scenario"],
            http_requests=sandbox.api_requests(),
        )
        where = f"  {family:<11} {kind:<8} {n:>7,} {spec['case']:<8} {spec['scenario']:<9}"
        if "seconds" in result:
            log(
                f"{where} {result['seconds']:8.3f} s  rows {result.get('rows_written')}  "
                f"queries {result.get('sql_queries')}  peak {result.get('peak_rss_mb')} MB"
            )
        else:
            log(f"{where} {result.get('error')}")
        self.runs.append(result)
        return result

    def run_size(self, sandbox: SandboxProcess, database: str, kind: str, n: int) -> None:
        args = self.args
        repeats = args.repeat if n <= 10_000 else args.repeat_big
        cases = args.cases

        def case(impl: str, scenario: str, **spec) -> dict:
            return self.case(sandbox, database, kind, n, case=impl, scenario=scenario, **spec)

        if "naive" in cases and n <= args.naive_max:
            case("naive", "full", truncate=True)
            if not args.quick:
                case("naive", "resync")
        for _ in range(repeats if "floor" in cases else 0):
            case("floor", "full", truncate=True)
            case("floor", "resync")
        if "ours" in cases or "download" in cases:
            for _ in range(repeats):
                case("ours", "full", truncate=True)
                # Side by side, so that load from elsewhere weighs on both alike.
                case("ours", "unchanged")
                case("download", "body")
        elif "web" in cases:
            case("ours", "full", truncate=True)  # the rows the web case reads
        for _ in range(repeats if "ours" in cases else 0):
            changed = sandbox.change(CHANGED_FRACTION)
            case("ours", "changed")["remote_changed"] = changed
        if "web" in cases:
            self.measure_web(sandbox, database, kind, n)

    def measure_web(self, sandbox: SandboxProcess, database: str, kind: str, n: int) -> None:
        family = sandbox.family
        web = run_child(
            CASES_SCRIPT,
            {
                "case": "web",
                "database": database,
                "family": family,
                "jobs": n,
                "analyze": True,
                "web_seconds": self.args.web_seconds,
            },
        )
        web.update(family=family, database=kind, jobs=n)
        self.web.append(web)
        where = f"  {family:<11} {kind:<8} {n:>7,} web:"
        if "error" in web:
            log(f"{where} {web['error']}")
            return
        drf, floor, changelist = web["drf"], web.get("floor", {}), web["changelist"]
        if "requests_per_second" in drf:
            rates = (
                f"DRF {drf['requests_per_second']:.0f} req/s, "
                f"floor {floor['requests_per_second']:.0f} req/s"
            )
        else:
            rates = f"DRF {drf.get('absent') or drf.get('error')}"
        shown = changelist.get("median_ms")
        shown = f"{shown:.0f} ms" if shown else changelist.get("absent") or changelist.get("error")
        log(f"{where} {rates}, changelist {shown}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from django_creatify.families import FAMILIES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated job counts (default 1000,10000,100000)")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help=f"comma-separated families (default all: {','.join(FAMILIES)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 and 10,000 jobs; naive full sync only"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per case up to 10,000 jobs")
    parser.add_argument("--repeat-big", type=int, default=1, help="runs per case above 10,000")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help=f"comma-separated, of {','.join(CASES)} (default all; ours comes with download)",
    )
    parser.add_argument(
        "--merge",
        action="append",
        default=[],
        metavar="FILE",
        help="an earlier output of this script: its runs count with this run's in the medians",
    )
    parser.add_argument("--naive-max", type=int, default=10_000, help="largest N for naive")
    parser.add_argument("--web-seconds", type=float, default=None, help="per req/s figure")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args(argv)
    default_sizes = "1000,10000" if args.quick else "1000,10000,100000"
    args.sizes = [int(size.replace("_", "")) for size in (args.sizes or default_sizes).split(",")]
    args.databases = _names(parser, "databases", args.databases, ("sqlite", "postgres"))
    args.families = _names(parser, "families", args.families, tuple(FAMILIES))
    args.cases = _names(parser, "cases", args.cases, CASES)
    if args.web_seconds is None:
        args.web_seconds = 1.5 if args.quick else 3.0
    return args


def _names(parser: argparse.ArgumentParser, what: str, value: str, known: tuple) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = set(names) - set(known)
    if unknown:
        parser.error(f"unknown {what}: {', '.join(sorted(unknown))} (known: {', '.join(known)})")
    return names


def main(argv: list[str] | None = None) -> None:
    from django_creatify.families import FAMILIES

    args = parse_args(argv)
    started = time.perf_counter()
    runner = Runner(args)
    runner.run()
    runs, web, postgres_version = runner.runs, runner.web, runner.postgres_version
    for path in args.merge:
        earlier = report.load(Path(path))
        runs, web = earlier["runs"] + runs, earlier["web"] + web
        postgres_version = postgres_version or earlier["postgresql"]
    cases = report.summary(runs)
    combined = report.combine_web(web)
    families = [name for name in FAMILIES if any(c["family"] == name for c in cases)]
    databases = [
        kind for kind in ("sqlite", "postgres") if any(c["database"] == kind for c in cases)
    ]
    found = report.targets(cases, combined, families, databases)
    machine = _common.machine(postgres_version)
    labels = {name: FAMILIES[name].label for name in families}
    print(report.markdown(cases, combined, found, machine, labels))
    print()
    for case in cases:
        print(json.dumps({"kind": "sync", **case}))
    for measured in web:  # each measurement, so that a later --merge counts them all
        print(json.dumps({"kind": "web", **measured}))
    for target in found:
        print(json.dumps({"kind": "target", **target}))
    print(json.dumps({"kind": "machine", **machine, "command": " ".join(sys.argv)}))
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
