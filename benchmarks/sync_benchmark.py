"""How fast the mirror syncs, next to a naive integration and the database driver alone.

    .venv/bin/python benchmarks/sync_benchmark.py          # 1k, 10k, 100k; SQLite + PostgreSQL
    .venv/bin/python benchmarks/sync_benchmark.py --quick  # 1k and 10k: a few minutes
    .venv/bin/python benchmarks/sync_benchmark.py --sizes 1000,10000 --databases sqlite

PostgreSQL: ``--postgres-url`` (default ``postgres://postgres@127.0.0.1:5432/creatify_bench``);
that database is dropped, created, migrated and dropped again. SQLite: a file in a
temporary folder. The sandbox runs in its own process (``python -m django_creatify.sandbox``)
on loopback, with every job finished, so its memory is not ours and payloads change only
when the benchmark changes them (``PATCH /_sandbox/jobs/<id>``).

Every measured run is a fresh Python process: its peak RSS is that process's high-water
mark (``VmHWM``), Django and the app already imported (their share is ``baseline``).
Per database and N it measures:

``ours``   ``django_creatify.sync.sync_aurora_flows()``: a full sync of N new jobs, a
           resync with nothing changed, a resync after 10% of the jobs were renamed.
``naive``  one ``requests.get`` + ``json.loads``, then ``AuroraFlow.objects.update_or_create``
           per item (values from ``payloads.parse_flow``); into an empty table, then again
           over the same rows (not with ``--quick``). Only up to ``--naive-max`` jobs
           (10,000): at 100,000 it would run for several minutes and prove nothing more.
``floor``  one ``requests.get`` + ``json.loads`` of the same body, then the driver alone
           (sqlite3 / psycopg with its own cursor and prepared statements): one
           ``executemany`` of ``INSERT ... ON CONFLICT (id) DO UPDATE`` in one transaction,
           no ORM, no comparison; empty table, then again over the same rows.

Times are the median of ``--repeat`` runs (3) up to 10,000 jobs, one run above.

then, on the N rows the sync wrote, the DRF list (page of 100, staff user, Django's test
Client) in requests per second against a plain Django view returning
``list(AuroraFlow.objects.values()[:100])`` as JSON, and the admin changelist time.
Prints the Markdown tables, then one JSON line per case; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
from _common import (
    QueryCounter,
    SandboxProcess,
    Stopwatch,
    emit_result,
    peak_rss_mb,
    run_child,
)

SCRIPT = Path(__file__).resolve()
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/creatify_bench"
STAFF_USER = "bench-admin"
CHANGED_FRACTION = 0.10

# The speed and memory targets this benchmark checks.
FULL_VS_NAIVE_MIN = 20.0
FULL_VS_FLOOR_MAX = 2.0
UNCHANGED_VS_FULL_MIN = 5.0
PEAK_RSS_MAX_MB = 300.0
DRF_VS_FLOOR_MIN = 0.5
CHANGELIST_GROWTH_MAX = 1.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# == the measured process (one case per process) =====================================


def worker(spec: dict[str, Any]) -> None:
    creatify = {
        "API_ID": _common.SANDBOX_API_ID,
        "API_KEY": _common.SANDBOX_API_KEY,
        "BASE_URL": spec.get("sandbox_url") or "http://127.0.0.1:9",
    }
    _common.configure_django(spec["database"], creatify=creatify)
    # Import everything a case may touch before the baseline, so it is not in the peak.
    import requests  # noqa: F401
    from django.db import connection

    import django_creatify.client
    import django_creatify.sync  # noqa: F401

    connection.ensure_connection()
    case = spec["case"]
    if case == "prepare":
        emit_result(prepare())
        return
    if spec.get("truncate"):
        truncate()
    if spec.get("analyze") and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    baseline = peak_rss_mb()
    result = {"ours": run_ours, "naive": run_naive, "floor": run_floor, "web": run_web}[case](spec)
    result["baseline_rss_mb"] = round(baseline, 1)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    emit_result(result)


def prepare() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_superuser(STAFF_USER, "bench@example.com", "bench")
    version = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    return {"postgresql": version}


def truncate() -> None:
    from django.db import connection

    from django_creatify.models import AuroraFlow

    table = connection.ops.quote_name(AuroraFlow._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")


def run_ours(spec: dict[str, Any]) -> dict[str, Any]:
    from django_creatify.sync import sync_aurora_flows

    with CopyCounter() as copies, QueryCounter() as queries, Stopwatch() as clock:
        result = sync_aurora_flows()
    counts = result.as_dict()
    counts.pop("skipped_reasons", None)
    measured = _measured(clock, queries, items=spec["jobs"], sync_result=counts)
    # New rows go by COPY on PostgreSQL, which Django's execute wrappers do not see.
    measured["sql_queries"] += copies.statements
    measured["write_statements"] += copies.statements
    measured["rows_written"] += copies.rows
    return measured


class CopyCounter:
    """Counts the COPY statements (and their rows) of ``bulk.FlowWriter`` on PostgreSQL."""

    def __init__(self) -> None:
        self.statements = self.rows = 0

    def __enter__(self) -> CopyCounter:
        from django.db import connection

        from django_creatify import bulk

        self._original = original = bulk.FlowWriter.insert
        copying = connection.vendor == "postgresql"

        def insert(writer, rows):
            original(writer, rows)
            if copying and rows:
                self.statements += 1
                self.rows += len(rows)

        bulk.FlowWriter.insert = insert
        return self

    def __exit__(self, *exc_info: object) -> None:
        from django_creatify import bulk

        bulk.FlowWriter.insert = self._original


def _fetch_list(spec: dict[str, Any]) -> bytes:
    import requests

    with requests.Session() as session:
        session.trust_env = False
        response = session.get(
            spec["sandbox_url"] + "/api/aurora/",
            headers={"X-API-ID": _common.SANDBOX_API_ID, "X-API-KEY": _common.SANDBOX_API_KEY},
            timeout=600,
        )
        response.raise_for_status()
        return response.content


def run_naive(spec: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from django_creatify.models import AuroraFlow
    from django_creatify.payloads import parse_flow

    with QueryCounter() as queries, Stopwatch() as clock:
        items = json.loads(_fetch_list(spec))
        now = timezone.now()
        for item in items:
            flow = parse_flow(item)
            AuroraFlow.objects.update_or_create(
                id=flow.id, defaults={**flow.values, "raw": flow.raw, "synced_at": now}
            )
    return _measured(clock, queries, items=len(items))


def run_floor(spec: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone
    from django_creatify.bulk import WRITTEN_FIELDS

    from django_creatify.listing import item_digest
    from django_creatify.models import AuroraFlow
    from django_creatify.payloads import FIELDS

    meta = AuroraFlow._meta
    names = list(WRITTEN_FIELDS)
    assert names[1 : len(FIELDS) + 1] == list(FIELDS)
    assert names[len(FIELDS) + 1 :] == [
        "raw",
        "raw_digest",
        "synced_at",
        "editor_url_fetched_at",
        "missing_since",
    ]
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in names]
    postgres = connection.vendor == "postgresql"
    mark = "%s" if postgres else "?"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT ({columns[0]}) DO UPDATE SET "
        + ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
    )
    defaults = [default for _parser, default in FIELDS.values()]
    mirrored = list(FIELDS)
    media_job = mirrored.index("media_job")

    with Stopwatch() as clock:
        items = json.loads(_fetch_list(spec))
        fetched = time.perf_counter()
        now = timezone.now().isoformat()
        rows = []
        for item in items:
            values = [item.get(name) for name in mirrored]
            values = [d if v is None else v for v, d in zip(values, defaults, strict=True)]
            flow_id = item["id"]
            if not postgres:  # Django keeps UUIDs on SQLite as 32 hex digits
                flow_id = flow_id.replace("-", "")
                if values[media_job] is not None:
                    values[media_job] = values[media_job].replace("-", "")
            editor_fetched = now if item.get("editor_url") else None
            raw = json.dumps(item)
            digest = item_digest(raw.encode())
            rows.append((flow_id, *values, raw, digest, now, editor_fetched, None))
        built = time.perf_counter()
        driver = connection.connection  # the DB-API connection itself: no ORM from here
        if postgres:
            import psycopg

            # The driver as it comes: psycopg's own cursor (server-side binding, pipelined
            # executemany) and its default prepare threshold, where Django configures a
            # client-side binding cursor and never prepares.
            driver.prepare_threshold = 5
            with driver.transaction(), psycopg.Cursor(driver) as cursor:
                cursor.executemany(sql, rows)
                written = cursor.rowcount
        else:
            cursor = driver.cursor()
            cursor.execute("BEGIN")
            cursor.executemany(sql, rows)
            written = cursor.rowcount
            cursor.execute("COMMIT")
            cursor.close()
    return {
        "seconds": clock.seconds,
        "fetch_seconds": fetched - clock.started,
        "build_seconds": built - fetched,
        "items": len(items),
        "sql_queries": 1,  # one executemany (plus BEGIN/COMMIT)
        "write_statements": 1,
        "rows_written": written,
    }


def _measured(clock: Stopwatch, queries: QueryCounter, **extra: Any) -> dict[str, Any]:
    return {
        "seconds": clock.seconds,
        "sql_queries": queries.queries,
        "write_statements": queries.write_statements,
        "rows_written": queries.rows_written,
        **extra,
    }


def run_web(spec: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username=STAFF_USER)
    client = Client()
    client.force_login(user)
    seconds = spec["web_seconds"]
    expected = min(100, spec["jobs"])

    def check_drf(response) -> None:
        assert len(response.json()["results"]) == expected, response.content[:200]

    def check_floor(response) -> None:
        assert len(response.json()) == expected, response.content[:200]

    views = {
        "drf": ("/creatify/api/aurora/?page_size=100", check_drf),
        "floor": ("/bench/floor/", check_floor),
    }
    out: dict[str, Any] = {}
    for name, (path, check) in views.items():
        for _ in range(3):  # warm-up
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            check(response)
        with QueryCounter() as queries:
            client.get(path)
        out[name] = {"requests": 0, "seconds": 0.0, "sql_queries": queries.queries}
    # Interleaved rounds, so a burst of load from elsewhere hits both views alike.
    rounds = 4
    for _ in range(rounds):
        for name, (path, _check) in views.items():
            count, started = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - started) < seconds / rounds or count < 5:
                client.get(path)
                count += 1
            out[name]["requests"] += count
            out[name]["seconds"] += elapsed
    for figures in out.values():
        figures["requests_per_second"] = figures["requests"] / figures["seconds"]

    changelist = "/admin/django_creatify/auroraflow/"
    try:
        response = client.get(changelist)  # warm-up: templates, the content type cache
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        times = []
        for _ in range(spec.get("changelist_runs", 7)):
            with QueryCounter() as queries, Stopwatch() as clock:
                response = client.get(changelist)
                response.content  # noqa: B018 (rendered; the body is read)
            times.append(clock.seconds)
        out["changelist"] = {
            "median_ms": statistics.median(times) * 1000,
            "min_ms": min(times) * 1000,
            "sql_queries": queries.queries,
            "bytes": len(response.content),
        }
    except Exception as exc:
        out["changelist"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out


# == the orchestrating process =======================================================


@contextmanager
def scratch_database(kind: str, postgres_url: str):
    """A database URL that exists, is migrated, and is removed afterwards."""
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

    def case(self, sandbox: SandboxProcess, database: str, kind: str, n: int, **spec) -> dict:
        sandbox.clear_requests()
        full_spec = {"database": database, "sandbox_url": sandbox.url, "jobs": n, **spec}
        result = run_child(SCRIPT, full_spec)
        result.update(
            database=kind,
            jobs=n,
            impl=spec["case"],
            scenario=spec["scenario"],
            http_requests=sandbox.api_requests(),
        )
        if "seconds" in result:
            result["jobs_per_second"] = n / result["seconds"] if result["seconds"] else None
            log(
                f"  {kind} {n:>7,} {spec['case']:<5} {spec['scenario']:<9} "
                f"{result['seconds']:8.2f} s  rows {result.get('rows_written')}  "
                f"queries {result.get('sql_queries')}  peak {result.get('peak_rss_mb')} MB"
            )
        else:
            log(f"  {kind} {n:>7,} {spec['case']} {spec['scenario']}: {result.get('error')}")
        self.runs.append(result)
        return result

    def run_database(self, kind: str) -> None:
        args = self.args
        with scratch_database(kind, args.postgres_url) as database:
            prepared = run_child(SCRIPT, {"case": "prepare", "database": database})
            if "error" in prepared:
                raise SystemExit(f"{kind}: could not prepare the database: {prepared['error']}")
            self.postgres_version = prepared.get("postgresql") or self.postgres_version
            for n in args.sizes:
                log(f"{kind}, {n:,} jobs: starting the sandbox")
                with SandboxProcess(n, seed=1) as sandbox:
                    self.run_size(sandbox, database, kind, n)

    def run_size(self, sandbox: SandboxProcess, database: str, kind: str, n: int) -> None:
        args = self.args
        repeats = args.repeat if n <= 10_000 else 1
        case = self.case
        if n <= args.naive_max:
            case(sandbox, database, kind, n, case="naive", scenario="full", truncate=True)
            if not args.quick:
                case(sandbox, database, kind, n, case="naive", scenario="resync")
        for _ in range(repeats):
            case(sandbox, database, kind, n, case="floor", scenario="full", truncate=True)
            case(sandbox, database, kind, n, case="floor", scenario="resync")
        for _ in range(repeats):
            case(sandbox, database, kind, n, case="ours", scenario="full", truncate=True)
            case(sandbox, database, kind, n, case="ours", scenario="unchanged")
        for repeat in range(repeats):
            changed = sandbox.change(CHANGED_FRACTION, offset=repeat)
            result = case(sandbox, database, kind, n, case="ours", scenario="changed")
            result["remote_changed"] = changed
        web = run_child(
            SCRIPT,
            {
                "case": "web",
                "database": database,
                "jobs": n,
                "analyze": True,
                "web_seconds": args.web_seconds,
            },
        )
        web.update(database=kind, jobs=n)
        self.web.append(web)
        if "error" in web:
            log(f"  {kind} {n:>7,} web: {web['error']}")
        else:
            log(
                f"  {kind} {n:>7,} web: DRF {web['drf']['requests_per_second']:.0f} req/s, "
                f"floor {web['floor']['requests_per_second']:.0f} req/s, changelist "
                f"{web['changelist'].get('median_ms', float('nan')):.0f} ms"
            )

    # -- summary ---------------------------------------------------------------------

    def summary(self) -> list[dict[str, Any]]:
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for run in self.runs:
            groups[(run["database"], run["jobs"], run["impl"], run["scenario"])].append(run)
        cases = []
        for (database, n, impl, scenario), runs in groups.items():
            ok = [run for run in runs if "seconds" in run]
            case: dict[str, Any] = {
                "database": database,
                "jobs": n,
                "impl": impl,
                "scenario": scenario,
                "runs": len(runs),
            }
            if not ok:
                case["error"] = runs[0].get("error")
                cases.append(case)
                continue
            seconds = statistics.median(run["seconds"] for run in ok)
            last = ok[-1]
            case.update(
                seconds=round(seconds, 4),
                all_seconds=[round(run["seconds"], 4) for run in ok],
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
            if "sync_result" in last:
                case["sync_result"] = last["sync_result"]
            if "remote_changed" in last:
                case["remote_changed"] = last["remote_changed"]
            cases.append(case)
        by_key = {(c["database"], c["jobs"], c["impl"], c["scenario"]): c for c in cases}
        for case in cases:
            if case["impl"] != "ours" or "seconds" not in case:
                continue
            reference = "full" if case["scenario"] == "full" else "resync"
            for impl in ("naive", "floor"):
                other = by_key.get((case["database"], case["jobs"], impl, reference), {})
                if "seconds" in other:
                    if impl == "naive":
                        case["speedup_vs_naive"] = round(other["seconds"] / case["seconds"], 2)
                    else:
                        case["time_vs_floor"] = round(case["seconds"] / other["seconds"], 2)
        return cases

    def targets(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_key = {(c["database"], c["jobs"], c["impl"], c["scenario"]): c for c in cases}
        out = []

        def target(name: str, database: str, measured: str, met: bool | None) -> None:
            out.append({"target": name, "database": database, "measured": measured, "met": met})

        for database in self.args.databases:
            full = by_key.get((database, 10_000, "ours", "full"), {})
            unchanged = by_key.get((database, 10_000, "ours", "unchanged"), {})
            if "speedup_vs_naive" in full:
                value = full["speedup_vs_naive"]
                target(
                    "full sync 10k >= 20x faster than naive",
                    database,
                    f"{value:.1f}x",
                    value >= FULL_VS_NAIVE_MIN,
                )
            if "time_vs_floor" in full:
                value = full["time_vs_floor"]
                target(
                    "full sync 10k <= 2x the floor",
                    database,
                    f"{value:.2f}x",
                    value <= FULL_VS_FLOOR_MAX,
                )
            if "seconds" in unchanged and "seconds" in full:
                speed = full["seconds"] / unchanged["seconds"]
                rows = unchanged["rows_written"]
                target(
                    "resync 10k unchanged: 0 rows written, >= 5x faster than full",
                    database,
                    f"{rows} rows, {speed:.1f}x",
                    rows == 0 and speed >= UNCHANGED_VS_FULL_MIN,
                )
            big = [
                c
                for c in cases
                if c["database"] == database and c["jobs"] == 100_000 and c["impl"] == "ours"
            ]
            if big:
                completed = all("seconds" in c for c in big)
                peak = max((c.get("peak_rss_mb", 0) for c in big), default=0)
                target(
                    "100k: completes, peak RSS < 300 MB",
                    database,
                    f"{'completed' if completed else 'FAILED'}, peak {peak:.0f} MB",
                    completed and peak < PEAK_RSS_MAX_MB,
                )
            webs = sorted(
                (w for w in self.web if w["database"] == database and "drf" in w),
                key=lambda w: w["jobs"],
            )
            if webs:
                largest = webs[-1]
                ratio = (
                    largest["drf"]["requests_per_second"] / largest["floor"]["requests_per_second"]
                )
                target(
                    f"DRF list >= 1/2 the floor's req/s ({largest['jobs']:,} rows)",
                    database,
                    f"{ratio:.2f}",
                    ratio >= DRF_VS_FLOOR_MIN,
                )
                first, last = webs[0]["changelist"], largest["changelist"]
                if "median_ms" in first and "median_ms" in last and len(webs) > 1:
                    growth = last["median_ms"] / first["median_ms"]
                    target(
                        f"changelist at {largest['jobs']:,} rows <= 1.5x its time at "
                        f"{webs[0]['jobs']:,}",
                        database,
                        f"{growth:.2f}x ({first['median_ms']:.0f} -> {last['median_ms']:.0f} ms)",
                        growth <= CHANGELIST_GROWTH_MAX,
                    )
        return out


def fmt(value: Any, spec: str = "") -> str:
    if value is None or value == "":
        return "-"
    return format(value, spec) if spec else str(value)


def markdown(cases, web, targets, machine) -> str:
    scenario_names = {
        ("ours", "full"): "ours: full sync, N new",
        ("ours", "unchanged"): "ours: resync, nothing changed",
        ("ours", "changed"): "ours: resync, 10% changed",
        ("naive", "full"): "naive: full sync, N new",
        ("naive", "resync"): "naive: resync",
        ("floor", "full"): "floor: full sync, N new",
        ("floor", "resync"): "floor: resync",
    }
    order = list(scenario_names)
    lines = [
        f"Machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB RAM, "
        f"{machine['os']}; Python {machine['python']}, Django {machine['django']}, "
        f"SQLite {machine['sqlite']}, PostgreSQL {machine['postgresql'] or '-'}.",
        "",
        "| database | N | case | time (s) | jobs/s | HTTP req | SQL queries | rows written "
        "| peak RSS (MB) | speedup vs naive | time vs floor |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    cases = sorted(
        cases,
        key=lambda c: (c["database"], c["jobs"], order.index((c["impl"], c["scenario"]))),
    )
    for c in cases:
        name = scenario_names[(c["impl"], c["scenario"])]
        if "seconds" not in c:
            lines.append(
                f"| {c['database']} | {c['jobs']:,} | {name} | error: {c.get('error', '')[:80]} "
                "| | | | | | | |"
            )
            continue
        speedup = c.get("speedup_vs_naive")
        floor = c.get("time_vs_floor")
        lines.append(
            f"| {c['database']} | {c['jobs']:,} | {name} | {c['seconds']:.2f} "
            f"| {fmt(c['jobs_per_second'], ',')} | {c['http_requests']} | {c['sql_queries']:,} "
            f"| {c['rows_written']:,} | {c['peak_rss_mb']:.0f} "
            f"| {fmt(speedup and f'{speedup:.1f}x')} | {fmt(floor and f'{floor:.2f}x')} |"
        )
    lines += [
        "",
        "| database | rows | DRF list req/s | floor view req/s | DRF / floor | DRF queries "
        "| admin changelist (median ms) | changelist queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for w in sorted(web, key=lambda w: (w["database"], w["jobs"])):
        if "drf" not in w:
            lines.append(f"| {w['database']} | {w['jobs']:,} | error: {w.get('error', '')[:80]} |")
            continue
        drf, floor, cl = w["drf"], w["floor"], w["changelist"]
        changelist = f"{cl['median_ms']:.1f}" if "median_ms" in cl else cl.get("error", "")[:60]
        lines.append(
            f"| {w['database']} | {w['jobs']:,} | {drf['requests_per_second']:.0f} "
            f"| {floor['requests_per_second']:.0f} "
            f"| {drf['requests_per_second'] / floor['requests_per_second']:.2f} "
            f"| {drf['sql_queries']} | {changelist} | {fmt(cl.get('sql_queries'))} |"
        )
    lines += ["", "| target | database | measured | met |", "| --- | --- | --- | --- |"]
    for t in targets:
        met = {True: "yes", False: "**no**", None: "-"}[t["met"]]
        lines.append(f"| {t['target']} | {t['database']} | {t['measured']} | {met} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated job counts (default 1000,10000,100000)")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument(
        "--quick", action="store_true", help="1,000 and 10,000 jobs; naive full sync only"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per case up to 10,000 jobs")
    parser.add_argument("--naive-max", type=int, default=10_000, help="largest N for naive")
    parser.add_argument("--web-seconds", type=float, default=None, help="per req/s figure")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    default_sizes = "1000,10000" if args.quick else "1000,10000,100000"
    args.sizes = [int(size.replace("_", "")) for size in (args.sizes or default_sizes).split(",")]
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(args.databases) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    if args.web_seconds is None:
        args.web_seconds = 1.5 if args.quick else 3.0
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    started = time.perf_counter()
    runner = Runner(args)
    for kind in args.databases:
        runner.run_database(kind)
    cases = runner.summary()
    targets = runner.targets(cases)
    machine = _common.machine(runner.postgres_version)
    print(markdown(cases, runner.web, targets, machine))
    print()
    for case in cases:
        print(json.dumps({"kind": "sync", **case}))
    for web in runner.web:
        print(json.dumps({"kind": "web", **web}))
    for target in targets:
        print(json.dumps({"kind": "target", **target}))
    print(json.dumps({"kind": "machine", **machine, "command": " ".join(sys.argv)}))
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
