"""sync.py over real HTTP (the sandbox on loopback) into a real database."""

import json
import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.signals import aurora_status_changed
from django_creatify.sync import (
    apply_aurora_payloads,
    refresh_active_aurora_flows,
    sync_aurora_flows,
)

from .helpers import (
    captured_statements,
    expected_row,
    row_values,
    served,
    served_items,
    snapshot,
)

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.IGNORECASE)


def test_full_sync_mirrors_every_field_then_updates_only_changed_rows(creatify_sandbox):
    creatify_sandbox.add_jobs(250, seed=7)
    result = sync_aurora_flows()
    assert (result.created, result.updated, result.unchanged, result.skipped) == (250, 0, 0, 0)
    assert result.requests == 1

    payloads = served(creatify_sandbox)
    rows = {row.id: row for row in AuroraFlow.objects.all()}
    assert len(rows) == len(payloads) == 250
    for payload in payloads:
        assert row_values(rows[uuid.UUID(payload["id"])]) == expected_row(payload)

    changed = [payload["id"] for payload in payloads[::25]]
    for flow_id in changed:
        creatify_sandbox.update_job(flow_id, name=f"renamed {flow_id[:8]}")
    before = snapshot()
    with captured_statements() as statements:
        result = sync_aurora_flows()

    assert (result.created, result.updated, result.unchanged, result.skipped) == (0, 10, 240, 0)
    written = [(sql, rows) for sql, rows in statements if WRITE.match(sql)]
    assert written and all(sql.lstrip().upper().startswith("UPDATE") for sql, _ in written)
    # Each UPDATE row's last parameter is its primary key.
    updated_ids = [str(uuid.UUID(str(row[-1]))) for _, rows in written for row in rows]
    assert sorted(updated_ids) == sorted(changed)
    after = snapshot()
    for flow_id in changed:
        assert after[uuid.UUID(flow_id)]["name"] == f"renamed {flow_id[:8]}"
    unchanged = {pk: row for pk, row in before.items() if str(pk) not in changed}
    assert {pk: after[pk] for pk in unchanged} == unchanged


def count_queries_of_a_first_sync(sandbox, jobs):
    AuroraFlow.objects.all().delete()
    sandbox.reset()
    sandbox.add_jobs(jobs)
    with CaptureQueriesContext(connection) as captured:
        result = sync_aurora_flows()
    assert result.created == jobs
    return len(captured)


def test_queries_grow_with_batches_not_items(creatify_sandbox):
    with override_settings(CREATIFY={**_creatify(), "SYNC_BATCH_SIZE": 500}):
        q500, q1000, q2000 = (
            count_queries_of_a_first_sync(creatify_sandbox, n) for n in (500, 1000, 2000)
        )
    per_batch = q1000 - q500
    assert q2000 - q1000 == 2 * per_batch  # two more batches, twice the extra queries
    assert per_batch < 25  # a batch of 500 items costs a handful of statements, not 500


def test_resync_with_nothing_changed_writes_nothing(creatify_sandbox):
    creatify_sandbox.add_jobs(120)
    sync_aurora_flows()
    with captured_statements() as statements:
        result = sync_aurora_flows()
    assert (result.unchanged, result.written) == (120, 0)
    assert [sql for sql, _ in statements if WRITE.match(sql)] == []


def test_odd_items_sync_or_are_skipped_and_counted(creatify_sandbox, caplog):
    job_id = str(uuid.uuid4())
    odd = {
        "id": job_id,
        "created_at": "2026-11-20T08:00:00Z",
        "updated_at": "2026-11-20T08:01:00Z",
        "status": "archived",
        "credits_used": "7.5",
        "progress": "45",
        "brand_new_field": {"kept": True},
        "audio": "https://cdn.example/a.mp3",
        "image": "https://cdn.example/i.png",
    }
    no_id = {key: value for key, value in odd.items() if key != "id"}
    creatify_sandbox.inject(Fault.body(200, json.dumps([odd, no_id]).encode()))

    result = sync_aurora_flows()

    assert (result.created, result.skipped) == (1, 1)
    assert [str(item) for item in result.skipped_items] == ["item 1: no id"]
    row = AuroraFlow.objects.get()
    assert (row.status, row.credits_used, row.progress) == ("archived", 7.5, 45.0)
    assert row.progress_percent == 45.0
    assert row.raw["brand_new_field"] == {"kept": True}
    assert "skipped item 1: no id" in caplog.text


def test_an_older_payload_never_overwrites_a_newer_row(creatify_sandbox):
    (job,) = creatify_sandbox.add_jobs(1)
    sync_aurora_flows()
    older = {**served(creatify_sandbox)[0], "name": "from the past"}
    older["updated_at"] = "2000-01-01T00:00:00Z"
    creatify_sandbox.inject(Fault.body(200, json.dumps([older]).encode()))
    result = sync_aurora_flows()
    assert (result.stale, result.updated) == (1, 0)
    assert AuroraFlow.objects.get().name == job["name"]


def test_duplicate_ids_in_one_listing_keep_the_newest(creatify_sandbox):
    flow_id = str(uuid.uuid4())
    base = {"id": flow_id, "status": "running", "audio": "", "image": ""}
    items = [
        {**base, "name": "new", "updated_at": "2026-11-20T10:00:00Z"},
        {**base, "name": "old", "updated_at": "2026-11-20T09:00:00Z"},
    ]
    result = apply_aurora_payloads(items)
    assert (result.created, result.unchanged) == (1, 1)
    assert AuroraFlow.objects.get().name == "new"


def test_rows_missing_from_a_full_listing_are_marked_not_deleted(creatify_sandbox):
    creatify_sandbox.add_jobs(3)
    sync_aurora_flows()
    listing = served(creatify_sandbox)
    gone = uuid.UUID(listing[0]["id"])

    creatify_sandbox.inject(Fault.body(200, json.dumps(listing[1:]).encode()))
    assert sync_aurora_flows().missing == 1
    assert AuroraFlow.objects.get(pk=gone).missing_since is not None
    assert AuroraFlow.objects.filter(missing_since__isnull=True).count() == 2

    # A filtered fetch that lacks a row says nothing about it.
    sync_aurora_flows(ids=[listing[1]["id"]])
    assert AuroraFlow.objects.filter(missing_since__isnull=False).count() == 1

    result = sync_aurora_flows()  # it is listed again
    assert (result.updated, result.missing) == (1, 0)
    assert AuroraFlow.objects.get(pk=gone).missing_since is None
    assert AuroraFlow.objects.count() == 3


def test_a_listed_job_is_not_missing_whether_unchanged_changed_or_unreadable(creatify_sandbox):
    creatify_sandbox.add_jobs(3)
    sync_aurora_flows()
    listing = served(creatify_sandbox)
    # The sandbox's own bytes for the first (recognised), a new name for the second
    # (decoded and written), a field of the wrong type for the third (skipped).
    body = b"[" + served_items(creatify_sandbox)[0] + b","
    body += json.dumps({**listing[1], "name": "renamed"}).encode() + b","
    body += json.dumps({**listing[2], "duration": {"not": "a number"}}).encode() + b"]"
    creatify_sandbox.inject(Fault.body(200, body))
    result = sync_aurora_flows()
    assert (result.unchanged, result.updated, result.skipped, result.missing) == (1, 1, 1, 0)
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()


def test_status_transitions_are_announced_once_after_commit(
    creatify_sandbox, django_capture_on_commit_callbacks
):
    heard = []

    def receiver(sender, flow, previous_status, status, **kwargs):
        heard.append((str(flow.pk), previous_status, status))

    aurora_status_changed.connect(receiver)
    try:
        (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.2)
        with django_capture_on_commit_callbacks(execute=True):
            sync_aurora_flows()
        assert heard == [(job["id"], None, "running")]

        creatify_sandbox.update_job(job["id"], progress=0.6)  # progress only: no transition
        with django_capture_on_commit_callbacks(execute=True):
            assert sync_aurora_flows().updated == 1
        assert len(heard) == 1

        creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            sync_aurora_flows()
            assert heard == [(job["id"], None, "running")]  # nothing before the commit
        assert len(callbacks) == 1
        assert heard[1:] == [(job["id"], "running", "done")]

        with django_capture_on_commit_callbacks(execute=True):
            sync_aurora_flows()
        assert len(heard) == 2
    finally:
        aurora_status_changed.disconnect(receiver)


def test_a_failing_receiver_does_not_break_the_sync(
    creatify_sandbox, django_capture_on_commit_callbacks, caplog
):
    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    aurora_status_changed.connect(broken)
    try:
        creatify_sandbox.add_jobs(2)
        with django_capture_on_commit_callbacks(execute=True):
            assert sync_aurora_flows().created == 2
    finally:
        aurora_status_changed.disconnect(broken)
    assert "receiver" in caplog.text and AuroraFlow.objects.count() == 2


def test_refresh_active_rereads_only_unfinished_jobs(creatify_sandbox):
    active = creatify_sandbox.add_jobs(3, status="running", progress=0.1)
    creatify_sandbox.add_jobs(2, status="done")
    sync_aurora_flows()
    for job in active:
        creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
    creatify_sandbox.requests.clear()

    result = refresh_active_aurora_flows()

    (request,) = [r for r in creatify_sandbox.requests if r.path == "/api/aurora/"]
    assert sorted(request.query["ids"].split(",")) == sorted(job["id"] for job in active)
    assert result.updated == 3
    assert AuroraFlow.objects.active().count() == 0


def test_refresh_active_with_nothing_active_sends_nothing(creatify_sandbox):
    creatify_sandbox.add_jobs(2, status="done")
    sync_aurora_flows()
    creatify_sandbox.requests.clear()
    assert refresh_active_aurora_flows().requests == 0
    assert creatify_sandbox.requests == []


def test_editor_url_receipt_time_is_kept_until_the_url_changes(creatify_sandbox):
    (job,) = creatify_sandbox.add_jobs(1, status="done", editor_url="https://app.example/e/1")
    sync_aurora_flows()
    first = AuroraFlow.objects.get().editor_url_fetched_at
    assert first is not None
    AuroraFlow.objects.update(editor_url_fetched_at=first - timedelta(hours=1))

    creatify_sandbox.update_job(job["id"], name="renamed")
    sync_aurora_flows()
    assert AuroraFlow.objects.get().editor_url_fetched_at == first - timedelta(hours=1)

    creatify_sandbox.update_job(job["id"], editor_url="https://app.example/e/2")
    sync_aurora_flows()
    assert AuroraFlow.objects.get().editor_url_fetched_at > first - timedelta(minutes=1)
    assert AuroraFlow.objects.get().editor_url_fetched_at <= timezone.now()


def _creatify():
    from django.conf import settings

    return dict(settings.CREATIFY)


@pytest.mark.django_db(transaction=True)
def test_a_row_another_writer_inserts_under_a_batch_is_compared_not_inserted_twice(
    creatify_sandbox,
):
    """Rows that do not exist cannot be locked: another writer (here a refresh by id, in
    another thread on its own connection) may insert one after this sync read the mirror
    and before its batch inserts. The insert then really conflicts (fewer rows inserted on
    SQLite, a unique violation from COPY on PostgreSQL); the batch is rolled back and done
    again reading every row, so that row is compared instead of inserted twice."""
    changed, raced, _new = creatify_sandbox.add_jobs(3)
    sync_aurora_flows(ids=[changed["id"]])
    # A changed row makes the batch read before it inserts: the other writer goes first.
    creatify_sandbox.update_job(changed["id"], name="renamed")
    errors: list[BaseException] = []

    def other_writer():
        try:
            assert sync_aurora_flows(ids=[raced["id"]]).created == 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    batch_statements: list[str] = []

    def race(execute, sql, params, many, context):
        if connection.in_atomic_block:
            if not batch_statements:
                writer = threading.Thread(target=other_writer)
                writer.start()
                writer.join()
            batch_statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(race):
        result = sync_aurora_flows()

    assert errors == []
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    # Read, conflicting insert, rolled back; then read again before the writes.
    reads = [sql for sql in batch_statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2
    rows = {row.id: row for row in AuroraFlow.objects.all()}
    assert len(rows) == 3
    for payload in served(creatify_sandbox):
        assert row_values(rows[uuid.UUID(payload["id"])]) == expected_row(payload)
    assert rows[uuid.UUID(changed["id"])].name == "renamed"


def test_an_ids_sync_names_the_ids_creatify_does_not_know_and_writes_nothing_for_them(
    creatify_sandbox,
):
    known = creatify_sandbox.add_jobs(150, seed=3)
    sync_aurora_flows(ids=[job["id"] for job in known[:50]])  # mirrored and unchanged
    unknown = [str(uuid.uuid4()) for _ in range(80)]
    wanted = unknown[:40] + [job["id"] for job in known] + unknown[40:]
    with captured_statements() as statements:
        result = sync_aurora_flows(ids=wanted)
    assert result.not_found == unknown and result.requests == 3  # 230 ids, 100 a request
    assert (result.created, result.unchanged) == (100, 50)
    assert not AuroraFlow.objects.filter(pk__in=unknown).exists()
    written = str([rows for sql, rows in statements if WRITE.match(sql)])
    assert not [i for i in unknown if i in written or uuid.UUID(i).hex in written]
    assert sync_aurora_flows().not_found == []
