"""The races the concurrency soak (``test_concurrency_soak.py``) found, each pinned down
deterministically: a job created while a full sync runs, and two syncs writing the same new
jobs at once on PostgreSQL (one creation announced, no deadlock)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from django_creatify import sync
from django_creatify.models import AuroraFlow
from django_creatify.signals import aurora_status_changed

from ..helpers import served
from .concurrency_support import chain_problems


@pytest.fixture
def postgresql(transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two transactions at once need PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def announced():
    """Every ``aurora_status_changed``, as (flow id, previous, status), from any thread."""
    calls: list[tuple[str, str | None, str]] = []

    def receiver(sender, flow, previous_status, status, **kwargs):
        calls.append((str(flow.pk), previous_status, status))

    aurora_status_changed.connect(receiver)
    yield calls
    aurora_status_changed.disconnect(receiver)


def concurrently(*writes: Callable[[], object]) -> None:
    """Run each write in a thread of its own (so a connection and transaction of its own),
    all of them past their read of existing rows before any of them inserts."""
    barrier = threading.Barrier(len(writes), timeout=10)
    errors: list[BaseException] = []
    table = AuroraFlow._meta.db_table

    def run(write: Callable[[], object]) -> None:
        held = False

        def hold_first_insert(execute, sql, params, many, context):
            nonlocal held
            if not held and sql.lstrip().upper().startswith("INSERT") and table in sql:
                held = True
                barrier.wait()
            return execute(sql, params, many, context)

        try:
            with connections["default"].execute_wrapper(hold_first_insert):
                write()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors


@pytest.mark.django_db
def test_a_job_created_while_a_full_sync_runs_is_not_marked_missing(creatify_sandbox):
    creatify_sandbox.add_jobs(3, status="done")
    listing = served(creatify_sandbox)
    newcomer = creatify_sandbox.add_job(status="pending")

    def listing_then_a_create():
        yield from listing
        # The API mirrors a job created after the listing was fetched, while the full sync
        # is still writing it. Before the fix, the sync then marked the new job missing.
        sync.record_created_flow(newcomer)

    result = sync.apply_aurora_payloads(listing_then_a_create(), complete_listing=True)
    assert result.missing == 0
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()


def test_two_syncs_creating_one_job_at_once_announce_its_creation_once(
    postgresql, creatify_sandbox, announced
):
    job_id = creatify_sandbox.add_job(status="pending", outcome="done")["id"]
    pending = creatify_sandbox.job(job_id)
    creatify_sandbox.advance(15)
    running = creatify_sandbox.job(job_id)
    assert running["status"] == "running"

    concurrently(
        lambda: sync.apply_aurora_payloads([pending]),
        lambda: sync.apply_aurora_payloads([running]),
    )

    # Before the fix both announced a creation: (None, pending) and (None, running).
    edges = [(previous, status) for flow_id, previous, status in announced if flow_id == job_id]
    assert chain_problems(job_id, edges, "running") == []
    assert AuroraFlow.objects.get(pk=job_id).raw == running


@pytest.fixture
def slow_inserts(postgresql):
    """Each new mirror row takes 0.3 s to insert, so two batches' inserts interleave."""
    from django.db import connection

    table = connection.ops.quote_name(AuroraFlow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION creatify_test_slow_insert() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER creatify_test_slow_insert BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION creatify_test_slow_insert()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER creatify_test_slow_insert ON {table}")
            cursor.execute("DROP FUNCTION creatify_test_slow_insert()")


def test_two_syncs_inserting_the_same_new_jobs_in_opposite_orders_do_not_deadlock(
    slow_inserts, creatify_sandbox, announced
):
    first, second = creatify_sandbox.add_jobs(2, status="done")

    # Before the fix each inserted its first row, then waited for the other's: PostgreSQL
    # found the deadlock and failed one of them. Now both insert in key order.
    concurrently(
        lambda: sync.apply_aurora_payloads([first, second]),
        lambda: sync.apply_aurora_payloads([second, first]),
    )

    assert sorted(announced) == sorted((job["id"], None, "done") for job in (first, second))
    assert AuroraFlow.objects.count() == 2
