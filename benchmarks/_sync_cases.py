"""The measured side of ``sync_benchmark.py``: one case per fresh process.

``python benchmarks/_sync_cases.py --worker SPEC`` runs the case SPEC (JSON) names and
prints its figures as one ``RESULT`` line (``_common.run_child`` reads it). SPEC holds
``case``, ``database`` (a URL), ``family``, ``jobs``, ``sandbox_url`` and, per case,
``truncate`` (empty the family's table first), ``analyze`` and ``web_seconds``. With
``"profile": PATH`` the case runs under cProfile and its stats are written to PATH: run a
case by hand that way to see where its time goes.

Django and the app are imported and the database connected before the baseline, so
the peak RSS of a case is its own plus that baseline.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
from _common import QueryCounter, Stopwatch, emit_result, peak_rss_mb

SCRIPT = Path(__file__).resolve()
STAFF_USER = "bench-admin"


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
    from django_creatify.families import get_family

    connection.ensure_connection()
    case = spec["case"]
    if case == "prepare":
        emit_result(prepare())
        return
    family = get_family(spec["family"])
    if spec.get("truncate"):
        truncate(family)
    if spec.get("analyze") and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    baseline = peak_rss_mb()
    run = CASES[case]
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(run, family, spec)
        profiler.dump_stats(spec["profile"])
    else:
        result = run(family, spec)
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


def truncate(family) -> None:
    from django.db import connection

    table = connection.ops.quote_name(family.model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")


def run_ours(family, spec: dict[str, Any]) -> dict[str, Any]:
    from django_creatify.sync import sync_jobs

    with CopyCounter() as copies, QueryCounter() as queries, Stopwatch() as clock:
        result = sync_jobs(family)
    counts = result.as_dict()
    counts.pop("skipped_reasons", None)
    measured = _measured(clock, queries, items=spec["jobs"], sync_result=counts)
    # New rows go by COPY on PostgreSQL, which Django's execute wrappers do not see.
    measured["sql_queries"] += copies.statements
    measured["write_statements"] += copies.statements
    measured["rows_written"] += copies.rows
    return measured


class CopyCounter:
    """Counts the COPY statements on PostgreSQL (``InsertStream``: one per batch written
    alone, one per run of batches of new rows) and the rows they send."""

    def __init__(self) -> None:
        self.statements = self.rows = 0

    def __enter__(self) -> CopyCounter:
        from django_creatify.sync.bulk import InsertStream

        self._originals = enter, write = InsertStream.__enter__, InsertStream.write

        def entered(stream):
            self.statements += 1
            return enter(stream)

        def written(stream, rows):
            write(stream, rows)
            self.rows += len(rows)

        InsertStream.__enter__, InsertStream.write = entered, written
        return self

    def __exit__(self, *exc_info: object) -> None:
        from django_creatify.sync.bulk import InsertStream

        InsertStream.__enter__, InsertStream.write = self._originals


def _client_headers() -> dict[str, str]:
    """The headers the sync's client sends (credentials, User-Agent, Accept)."""
    from django_creatify.client import CreatifyClient

    with CreatifyClient() as client:
        return dict(client.session.headers)


def _download(family, spec: dict[str, Any], headers: dict[str, str]) -> bytes:
    import requests

    with requests.Session() as session:
        session.headers.update(headers)
        response = session.get(spec["sandbox_url"] + family.path, timeout=600)
        response.raise_for_status()
        return response.content


def run_download(family, spec: dict[str, Any]) -> dict[str, Any]:
    """The list body merely downloaded: what no sync of that body can beat."""
    headers = _client_headers()
    with Stopwatch() as clock:
        body = _download(family, spec, headers)
    return {
        "seconds": clock.seconds,
        "items": spec["jobs"],
        "body_bytes": len(body),
        "sql_queries": 0,
        "write_statements": 0,
        "rows_written": 0,
    }


def run_naive(family, spec: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from django_creatify.payloads import parse_job

    headers = _client_headers()
    manager = family.model.objects
    with QueryCounter() as queries, Stopwatch() as clock:
        items = json.loads(_download(family, spec, headers))
        now = timezone.now()
        for item in items:
            job = parse_job(family, item)
            manager.update_or_create(
                id=job.id, defaults={**job.values, "raw": job.raw, "synced_at": now}
            )
    return _measured(clock, queries, items=len(items))


def run_floor(family, spec: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection, models
    from django.utils import timezone

    from django_creatify.listing import item_digest
    from django_creatify.sync.bulk import MirrorTable

    names = list(MirrorTable(family, "default").fields)
    mirrored = list(family.mirrored_fields)
    # The rows below are built in this order.
    bookkeeping = ["raw", "raw_digest", "synced_at", "editor_url_fetched_at", "missing_since"]
    assert names == ["id", *mirrored, *bookkeeping], names
    meta = family.model._meta
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in names]
    postgres = connection.vendor == "postgresql"
    mark = "%s" if postgres else "?"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT ({columns[0]}) DO UPDATE SET "
        + ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
    )
    defaults = [default for _parser, default in family.fields.values()]
    # Only what the driver cannot take as sent: UUIDs on SQLite (Django keeps them as 32
    # hex digits there) and nested JSON documents, which go as text.
    uuids, documents = [], []
    for position, name in enumerate(mirrored):
        field = meta.get_field(name)
        if isinstance(field, models.UUIDField) and not postgres:
            uuids.append(position)
        elif isinstance(field, models.JSONField):
            documents.append(position)
    fetches_editor_url = "editor_url" in family.mirrored_fields
    headers = _client_headers()

    with Stopwatch() as clock:
        items = json.loads(_download(family, spec, headers))
        fetched = time.perf_counter()
        now = timezone.now().isoformat()
        rows = []
        for item in items:
            values = [item.get(name) for name in mirrored]
            values = [d if v is None else v for v, d in zip(values, defaults, strict=True)]
            job_id = item["id"]
            if not postgres:
                job_id = job_id.replace("-", "")
            for position in uuids:
                if values[position] is not None:
                    values[position] = values[position].replace("-", "")
            for position in documents:
                if values[position] is not None:
                    values[position] = json.dumps(values[position])
            editor_fetched = now if fetches_editor_url and item.get("editor_url") else None
            raw = json.dumps(item)
            digest = item_digest(raw.encode())
            rows.append((job_id, *values, raw, digest, now, editor_fetched, None))
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


def run_web(family, spec: dict[str, Any]) -> dict[str, Any]:
    from _sync_web import measure_web

    return measure_web(family, spec, STAFF_USER)


CASES = {
    "ours": run_ours,
    "naive": run_naive,
    "floor": run_floor,
    "download": run_download,
    "web": run_web,
}

if __name__ == "__main__":
    if sys.argv[1:2] != ["--worker"] or len(sys.argv) != 3:
        raise SystemExit("usage: _sync_cases.py --worker SPEC (run by sync_benchmark.py)")
    worker(json.loads(sys.argv[2]))
