"""On PostgreSQL with psycopg 3 a sync sends new rows with COPY, not an INSERT per batch,
and keeps one COPY open across consecutive batches of new rows."""

from __future__ import annotations

import re
import threading
import uuid
from contextlib import nullcontext

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test import override_settings

from django_creatify.models import AuroraFlow
from django_creatify.signals import job_status_changed
from django_creatify.sync import sync_aurora_flows
from django_creatify.sync.bulk import InsertStream

from .helpers import captured_statements, expected_row, row_values, served

pytestmark = pytest.mark.django_db

INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)


def test_new_rows_reach_postgresql_by_copy(creatify_sandbox):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; other databases get an INSERT per batch")
    pytest.importorskip("psycopg")
    creatify_sandbox.add_jobs(5, status="done")
    with captured_statements() as statements:
        assert sync_aurora_flows().created == 5
    # Django's execute wrappers never see a COPY: an INSERT here is the slower path.
    assert [sql for sql, _ in statements if INSERT.match(sql)] == []
    assert AuroraFlow.objects.count() == 5


@pytest.fixture
def streams(monkeypatch) -> list[InsertStream]:
    """Every COPY stream a sync opens, to see how many rows each took."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; other databases get an INSERT per batch")
    opened: list[InsertStream] = []
    original = InsertStream.__enter__

    def entered(stream):
        opened.append(stream)
        return original(stream)

    monkeypatch.setattr(InsertStream, "__enter__", entered)
    return opened


def test_new_rows_of_consecutive_batches_go_in_one_copy(creatify_sandbox, streams):
    """The database stores one batch's rows while the next is parsed: one COPY, one
    commit, for every batch of only new rows."""
    creatify_sandbox.add_jobs(10, status="done")
    with override_settings(CREATIFY={**settings.CREATIFY, "SYNC_BATCH_SIZE": 4}):
        assert sync_aurora_flows().created == 10
    assert [stream.rows for stream in streams] == [10]
    rows = {row.id: row for row in AuroraFlow.objects.all()}
    for payload in served(creatify_sandbox):
        assert row_values(rows[uuid.UUID(payload["id"])]) == expected_row(payload)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_callers_transaction", [False, True])
def test_a_row_another_writer_inserts_under_an_open_copy_is_compared_not_inserted_twice(
    creatify_sandbox, streams, monkeypatch, in_callers_transaction
):
    """Another writer (a refresh by id, on its own connection) inserts a job after this
    sync read the mirror and opened its COPY: the COPY meets that row, is rolled back
    whole (to its savepoint, inside a caller's transaction), and its batches are written
    again one by one, reading every row. Each job's creation is announced once."""
    jobs = creatify_sandbox.add_jobs(10, status="done")
    raced = jobs[4]["id"]
    errors: list[BaseException] = []

    def other_writer():
        try:
            assert sync_aurora_flows(ids=[raced]).created == 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    original = InsertStream.write

    def write(stream, rows):
        if len(streams) == 1 and stream.rows == 0:  # the sync's COPY, before its first row
            writer = threading.Thread(target=other_writer)
            writer.start()
            writer.join()
        original(stream, rows)

    monkeypatch.setattr(InsertStream, "write", write)
    created: list[str] = []

    def receiver(sender, job, previous_status, **kwargs):
        if previous_status is None:
            created.append(str(job.pk))

    job_status_changed.connect(receiver, sender=AuroraFlow)
    try:
        with (
            override_settings(CREATIFY={**settings.CREATIFY, "SYNC_BATCH_SIZE": 4}),
            transaction.atomic() if in_callers_transaction else nullcontext(),
        ):
            result = sync_aurora_flows()
    finally:
        job_status_changed.disconnect(receiver, sender=AuroraFlow)

    assert errors == []
    assert (result.created, result.unchanged, result.updated) == (9, 1, 0)
    assert sorted(created) == sorted(job["id"] for job in jobs)
    rows = {row.id: row for row in AuroraFlow.objects.all()}
    assert len(rows) == 10
    for payload in served(creatify_sandbox):
        assert row_values(rows[uuid.UUID(payload["id"])]) == expected_row(payload)


def test_a_failure_while_the_copy_is_open_leaves_none_of_its_rows(
    creatify_sandbox, streams, monkeypatch
):
    """The rows of every batch a COPY took so far go with it: the next sync repairs."""
    creatify_sandbox.add_jobs(10, status="done")
    original = InsertStream.write

    def write(stream, rows):
        if stream.rows:  # the second batch
            raise DatabaseError("injected: connection lost mid-COPY")
        original(stream, rows)

    monkeypatch.setattr(InsertStream, "write", write)
    with override_settings(CREATIFY={**settings.CREATIFY, "SYNC_BATCH_SIZE": 4}):
        with pytest.raises(DatabaseError, match="injected"):
            sync_aurora_flows()
        assert not AuroraFlow.objects.exists()
        monkeypatch.setattr(InsertStream, "write", original)
        assert sync_aurora_flows().created == 10
    assert [stream.rows for stream in streams] == [4, 10]
