"""What a sync records beside the fields: rows marked missing and cleared again, digests
of rows written outside a listing, listings refused whole, and listings too large to keep
decoded, which are read a second time."""

from __future__ import annotations

import json
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from django_creatify.exceptions import PayloadError
from django_creatify.listing import JsonArrayBody, item_digest
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import apply_aurora_payloads, create_aurora_flow, sync_aurora_flows
from django_creatify.sync import pipeline as sync_module

from .helpers import expected_row, row_values, served, served_body, snapshot, split_array

pytestmark = pytest.mark.django_db


def listed_by_sync(sandbox, items: list[dict]):
    sandbox.inject(Fault.body(200, json.dumps(items).encode()))
    return sync_aurora_flows()


def listed_by_payloads(_sandbox, items: list[dict]):
    return apply_aurora_payloads(iter(items), complete_listing=True)


def missing_since() -> dict[str, object]:
    rows = AuroraFlow.objects.filter(missing_since__isnull=False)
    return {str(pk): when for pk, when in rows.values_list("pk", "missing_since")}


def without_missing(rows: dict) -> dict:
    # The digest too: a listing in other bytes (re-encoded here) stores their digest.
    return {pk: {**row, "missing_since": None, "raw_digest": ""} for pk, row in rows.items()}


# -- missing, in both directions -------------------------------------------------------


@contextmanager
def first_statement_time():
    """When the sync sent its first SQL statement: after it asked for the listing."""
    times: list[datetime] = []

    def record(execute, sql, params, many, context):
        if not times:
            times.append(timezone.now())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield times


@pytest.mark.parametrize("apply", [listed_by_sync, listed_by_payloads])
def test_a_listing_lacking_some_jobs_marks_exactly_those_until_they_are_listed_again(
    creatify_sandbox, apply
):
    creatify_sandbox.add_jobs(10, seed=4)
    assert sync_aurora_flows().created == 10
    listing = served(creatify_sandbox)
    # Half the mirror: as many as SYNC_MISSING_MAX_SHARE (0.5) lets a listing lack.
    first_gone = [listing[index]["id"] for index in (0, 3, 4, 7, 9)]
    before = snapshot()

    started = timezone.now()
    with first_statement_time() as statements_began:
        result = apply(creatify_sandbox, [job for job in listing if job["id"] not in first_gone])
    assert (result.missing, result.missing_withheld, result.written) == (5, 0, 0)
    marked = missing_since()
    assert sorted(marked) == sorted(first_gone)
    # Missing since the listing was asked for, before anything was written.
    assert all(started <= when <= statements_began[0] for when in marked.values())
    assert without_missing(snapshot()) == without_missing(before)

    # Two more gone: two of the five still present, not seven of ten. Only they are
    # marked; the first five keep the time they went.
    second_gone = [listing[1]["id"], listing[8]["id"]]
    gone = first_gone + second_gone
    result = apply(creatify_sandbox, [job for job in listing if job["id"] not in gone])
    assert (result.missing, result.missing_withheld, result.written) == (2, 0, 0)
    now_marked = missing_since()
    assert sorted(now_marked) == sorted(gone)
    assert {pk: now_marked[pk] for pk in first_gone} == marked

    result = apply(creatify_sandbox, listing)
    assert (result.missing, result.updated, result.created, result.unchanged) == (0, 7, 0, 3)
    assert missing_since() == {}
    rows = {row.id: row for row in AuroraFlow.objects.all()}
    for payload in listing:
        assert row_values(rows[uuid.UUID(payload["id"])]) == expected_row(payload)


# -- digests of rows written outside a listing -----------------------------------------


def test_a_job_written_from_a_create_answer_is_rewritten_when_it_changes(creatify_sandbox):
    flow = create_aurora_flow(
        audio="https://cdn.example/v.mp3", image="https://cdn.example/f.png", name="first"
    )
    job_id = str(flow.pk)
    # The answer to a create is decoded JSON, not a listed item: no digest of its bytes.
    assert AuroraFlow.objects.get().raw_digest == ""

    # Written again outside a listing, with a change: compared by content, not digest.
    changed = {**creatify_sandbox.job(job_id), "name": "second"}
    result = apply_aurora_payloads([changed])
    assert (result.updated, result.unchanged) == (1, 0)
    assert AuroraFlow.objects.get().name == "second"

    # Then listed with other bytes again: written, and now known by its digest.
    creatify_sandbox.update_job(job_id, name="renamed at Creatify")
    result = sync_aurora_flows()
    assert (result.updated, result.unchanged) == (1, 0)
    (payload,) = served(creatify_sandbox)
    row = AuroraFlow.objects.get()
    assert row_values(row) == expected_row(payload)
    assert len(row.raw_digest) == 32
    result = sync_aurora_flows()
    assert (result.written, result.unchanged) == (0, 1)


def test_a_row_whose_digest_is_not_of_the_listed_bytes_gets_theirs_and_nothing_else(
    creatify_sandbox, monkeypatch
):
    """A stored digest of other bytes (an earlier version's digest, a create's answer,
    Creatify re-encoding a payload) leaves the row unchanged but for its digest, and the
    next listing recognises the row without decoding it."""
    creatify_sandbox.add_jobs(6, seed=7)
    assert sync_aurora_flows().created == 6
    ids = list(AuroraFlow.objects.order_by("pk").values_list("pk", flat=True))
    AuroraFlow.objects.filter(pk__in=ids[:3]).update(raw_digest="0" * 32)
    AuroraFlow.objects.filter(pk__in=ids[3:4]).update(raw_digest="")
    before = snapshot()
    result = sync_aurora_flows()
    assert (result.unchanged, result.written, result.missing) == (6, 0, 0)
    after = snapshot()
    assert without_missing(after) == without_missing(before)
    listed = {item_digest(item) for item in split_array(served_body(creatify_sandbox))}
    assert {row["raw_digest"] for row in after.values()} == listed

    decoded: list = []
    original = json.JSONDecoder.raw_decode
    syncing = threading.current_thread()

    def counting(self, text, *args, **kwargs):
        if threading.current_thread() is syncing:  # not the sandbox's server thread
            decoded.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    assert sync_aurora_flows().unchanged == 6
    assert decoded == []


# -- listings refused whole ------------------------------------------------------------


@pytest.fixture
def ten_synced(creatify_sandbox) -> list[bytes]:
    creatify_sandbox.add_jobs(10, seed=6)
    assert sync_aurora_flows().created == 10
    return split_array(served_body(creatify_sandbox))


@pytest.mark.parametrize("tail", [b"junk", b" x", b"]", b",", b"[]", b"{}"])
def test_anything_after_an_empty_list_refuses_it_and_marks_nothing(
    creatify_sandbox, ten_synced, tail
):
    before = snapshot()
    creatify_sandbox.inject(Fault.body(200, b"[]" + tail))
    with pytest.raises(PayloadError, match="more after the closing"):
        sync_aurora_flows()
    assert snapshot() == before


@pytest.mark.parametrize("tail", [b" x", b"junk", b"\n]", b",{}"])
def test_anything_after_a_list_refuses_it_with_no_row_changed(creatify_sandbox, ten_synced, tail):
    """The listing lacks one job and renames another: without the check of its end, the
    rename would be written and the lacking job marked missing."""
    renamed = {**json.loads(ten_synced[1]), "name": "renamed"}
    items = [ten_synced[0], json.dumps(renamed).encode(), *ten_synced[3:]]
    before = snapshot()
    creatify_sandbox.inject(Fault.body(200, b"[" + b",".join(items) + b"]" + tail))
    with pytest.raises(PayloadError, match="more after the closing"):
        sync_aurora_flows()
    assert snapshot() == before

    # The same listing without the tail is taken, as a check that it would have been.
    creatify_sandbox.inject(Fault.body(200, b"[" + b",".join(items) + b"]"))
    result = sync_aurora_flows()
    assert (result.updated, result.missing) == (1, 1)


# -- listings too large to keep decoded ------------------------------------------------


@pytest.fixture
def reads_again(monkeypatch) -> list[int]:
    """Keep only a few items decoded, as past 16 MB; record each item read again."""
    monkeypatch.setattr(sync_module, "KEEP_DECODED_BYTES", 3000)
    offsets: list[int] = []
    read = JsonArrayBody.read

    def recorded(self, offset, length, index=-1):
        offsets.append(offset)
        return read(self, offset, length, index)

    monkeypatch.setattr(JsonArrayBody, "read", recorded)
    return offsets


def assert_rows_equal_served(sandbox) -> None:
    listing = served(sandbox)
    rows = {row.id: row for row in AuroraFlow.objects.all()}
    assert len(rows) == len(listing)
    for payload in listing:
        assert row_values(rows[uuid.UUID(payload["id"])]) == expected_row(payload)


@pytest.mark.parametrize("by_ids", [False, True], ids=["full-listing", "two-ids-listings"])
def test_items_past_the_kept_bytes_are_read_again_and_all_written_exactly(
    creatify_sandbox, reads_again, by_ids
):
    jobs = creatify_sandbox.add_jobs(130, seed=8)
    ids = [job["id"] for job in jobs] if by_ids else None
    with override_settings(CREATIFY={**settings.CREATIFY, "SYNC_BATCH_SIZE": 7}):
        result = sync_aurora_flows(ids=ids)
        assert result.created == 130
        # Some items were kept decoded, the others read again, in several batches.
        assert 7 < len(reads_again) < 130
        assert_rows_equal_served(creatify_sandbox)

        # Changed items among unchanged ones, again partly past the kept bytes.
        for job in jobs[::4]:
            creatify_sandbox.update_job(job["id"], name=f"renamed {job['id'][:8]}")
        reads_again.clear()
        result = sync_aurora_flows(ids=ids)
        assert (result.updated, result.unchanged, result.created) == (33, 97, 0)
        assert 0 < len(reads_again) < 33
        assert_rows_equal_served(creatify_sandbox)


def test_items_are_kept_decoded_up_to_exactly_the_kept_bytes_and_unreadable_ones_are_free(
    creatify_sandbox, reads_again, monkeypatch, settings
):
    creatify_sandbox.add_jobs(3, seed=9)
    items = split_array(served_body(creatify_sandbox))
    limit = max(len(item) for item in items) + 100
    huge = json.loads(items[0])
    huge = {**huge, "id": str(uuid.uuid4()), "name": "x" * limit}
    parts = [json.dumps(huge).encode(), *items]
    offsets = [1 + sum(len(part) + 1 for part in parts[:at]) for at in range(len(parts))]
    # The unreadable item costs nothing; the first two jobs fill the kept bytes exactly.
    monkeypatch.setattr(sync_module, "KEEP_DECODED_BYTES", len(items[0]) + len(items[1]))
    settings.CREATIFY = {**settings.CREATIFY, "SYNC_MAX_ITEM_BYTES": limit}
    creatify_sandbox.inject(Fault.body(200, b"[" + b",".join(parts) + b"]"))

    result = sync_aurora_flows()
    assert (result.created, result.skipped) == (3, 1)
    assert reads_again == [offsets[3]]
