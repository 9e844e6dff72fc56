"""The properties behind the figures of ``benchmarks/sync_benchmark.py``, kept cheaply.

Not timed: counts of SQL statements and changed rows, and Python's own allocations
(tracemalloc), on a few hundred to a few thousand sandbox jobs. ``test_sync.py`` already
holds the full sync's queries per batch and a one-batch unchanged resync; these add the
resyncs over several batches and the memory bound of reading the list.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import override_settings

from django_creatify import spool as spool_module
from django_creatify.client import CreatifyClient
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import SyncResult, sync_aurora_flows
from django_creatify.sync import pipeline as sync_module

from .awkward_jobs import AWKWARD_NAMES, add_awkward_jobs

pytestmark = pytest.mark.django_db

BATCH = 50
LISTING_JOBS = 3000
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


class Counted:
    """Statements sent, writing statements, and rows the database says they changed."""

    def __init__(self) -> None:
        self.queries = 0
        self.writes = 0
        self.rows = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        result = execute(sql, params, many, context)
        if WRITE.match(sql):
            self.writes += 1
            self.rows += max(context["cursor"].rowcount or 0, 0)
        return result


def counted_sync() -> tuple[SyncResult, Counted]:
    counted = Counted()
    with connection.execute_wrapper(counted):
        result = sync_aurora_flows()
    return result, counted


def rename_every(sandbox, payloads: list[dict], step: int, tag: str) -> int:
    changed = payloads[::step]
    for number, payload in enumerate(changed):
        sandbox.update_job(payload["id"], name=f"{tag} {number}")
    return len(changed)


def test_resync_costs_queries_per_batch_of_changed_items_only(creatify_sandbox):
    """Resyncs (nothing changed, 10% changed, all changed) of 1, 2 and 4 batches of jobs.

    An unchanged item is recognised by the digest of its bytes, read for every row in one
    query; only changed items are decoded and written, a batch of them per transaction.
    """
    unchanged, changed, rows_changed = {}, {}, {}
    with override_settings(CREATIFY={**settings.CREATIFY, "SYNC_BATCH_SIZE": BATCH}):
        for batches in (1, 2, 4):
            AuroraFlow.objects.all().delete()
            creatify_sandbox.reset()
            creatify_sandbox.add_jobs(batches * BATCH, seed=batches)
            payloads = creatify_sandbox.payloads()
            assert sync_aurora_flows().created == batches * BATCH

            result, counted = counted_sync()
            assert (result.unchanged, result.written) == (batches * BATCH, 0)
            assert (counted.writes, counted.rows) == (0, 0), "an unchanged resync wrote"
            unchanged[batches] = counted.queries

            # Every 10th job renamed: 5, 10 and 20 changed items, one batch of writes each.
            renamed = rename_every(creatify_sandbox, payloads, 10, "renamed")
            result, counted = counted_sync()
            assert (result.updated, result.created) == (renamed, 0)
            assert counted.rows == renamed, "rows written must be exactly the changed ones"
            changed[batches] = counted.queries
            rows_changed[batches] = counted.rows

            # What was just written compares equal next time: no row is rewritten forever.
            result, counted = counted_sync()
            assert (result.written, counted.writes, counted.rows) == (0, 0, 0)

        # Every item of the 4 batches changed: 4 batches of writes.
        renamed = rename_every(creatify_sandbox, payloads, 1, "all renamed")
        result, counted = counted_sync()
        assert result.updated == renamed == 4 * BATCH
        assert counted.rows == 4 * BATCH
        all_changed = counted.queries

    assert unchanged[1] == unchanged[2] == unchanged[4] <= 2, unchanged
    assert changed[1] == changed[2] == changed[4], changed
    per_batch = changed[4] - unchanged[4]
    assert 0 < per_batch <= 6, f"{per_batch} statements per batch of {BATCH}"
    assert all_changed == unchanged[4] + 4 * per_batch, (all_changed, per_batch)
    assert rows_changed == {1: 5, 2: 10, 4: 20}


# -- memory: the list is never held whole ------------------------------------------------


def traced_peak(action: Callable[[], Any]) -> tuple[Any, int]:
    """What ``action`` returns, and the peak of Python allocations while it ran."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        value = action()
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    return value, peak


@pytest.fixture
def big_listing(creatify_sandbox, monkeypatch) -> tuple[bytes, int]:
    """The list body of 3,000 jobs exactly as the sandbox serves it, queued to be served
    again as prebuilt bytes, and what ``json.loads`` of it allocates.

    The sandbox runs in this process: serving prebuilt bytes (``Fault.body``) keeps its
    own allocations out of the peaks measured, which are then the client's and the sync's.
    A few awkward jobs among them (the longest names, emoji, other alphabets) make the list
    as costly to decode whole as such a listing is.
    """
    creatify_sandbox.add_jobs(LISTING_JOBS - len(AWKWARD_NAMES), seed=11)
    add_awkward_jobs(creatify_sandbox)
    body = served_body(creatify_sandbox)
    _, materialised = traced_peak(lambda: json.loads(body))
    # Spool to disk past 64 kB instead of 8 MB, and keep 64 kB of decoded items instead of
    # 16 MB, as a listing of 100,000 jobs would.
    monkeypatch.setattr(spool_module, "SPOOL_MEMORY_BYTES", 64 * 1024)
    monkeypatch.setattr(sync_module, "KEEP_DECODED_BYTES", 64 * 1024)
    creatify_sandbox.inject(Fault.body(200, body))
    return body, materialised


def served_body(sandbox) -> bytes:
    response = requests.get(
        f"{sandbox.url}/api/aurora/",
        headers={"X-API-ID": sandbox.api_id, "X-API-KEY": sandbox.api_key},
        timeout=30,
    )
    response.raise_for_status()
    return response.content


def test_full_sync_never_holds_the_body_or_the_list_whole(big_listing):
    body, materialised = big_listing
    with override_settings(CREATIFY={**settings.CREATIFY, "SYNC_BATCH_SIZE": 100}):
        result, peak = traced_peak(sync_aurora_flows)
    assert result.created == LISTING_JOBS
    assert peak < len(body), f"sync peaked at {peak:,} B for a {len(body):,} B body"
    assert peak < materialised / 5, f"sync peaked at {peak:,} B; the list is {materialised:,} B"


def test_iter_aurora_yields_items_one_by_one_from_the_stream(big_listing, creatify_sandbox):
    """``CreatifyClient.iter_aurora()``: a generator of item dicts parsed incrementally
    from the spooled response; neither the body nor the list is held whole."""
    body, materialised = big_listing
    expected_ids = [item["id"] for item in json.loads(body)]

    def first_items() -> list[dict]:
        with CreatifyClient() as client:
            items = client.iter_aurora()
            assert isinstance(items, Iterator) and not isinstance(items, list | tuple)
            return [next(items) for _ in range(3)]

    firsts, peak = traced_peak(first_items)
    assert [item["id"] for item in firsts] == expected_ids[:3]
    assert peak < len(body) / 3, f"three items cost {peak:,} B of a {len(body):,} B body"

    def walk() -> list[str]:
        with CreatifyClient() as client:
            return [item["id"] for item in client.iter_aurora()]

    creatify_sandbox.inject(Fault.body(200, body))
    ids, peak = traced_peak(walk)
    assert ids == expected_ids
    # The ids kept by walk() are part of the peak; the items themselves must not be.
    assert peak < len(body) / 3, f"iterating peaked at {peak:,} B for a {len(body):,} B body"
    assert peak < materialised / 10, f"iterating peaked at {peak:,} B; the list {materialised:,}"


def test_an_unchanged_resync_decodes_no_item(creatify_sandbox, monkeypatch):
    """Unchanged items are recognised by the digest of their bytes; only changed ones are
    decoded, and each of those once.

    The spy is the standard library's decoder itself: ``json.loads``, ``JSONDecoder.decode``
    and the app's own decoders all end in ``JSONDecoder.raw_decode``, so an item decoded by
    any path is seen.
    """
    creatify_sandbox.add_jobs(120, seed=5)
    assert sync_aurora_flows().created == 120
    decoded: list[Any] = []
    original = json.JSONDecoder.raw_decode
    syncing = threading.current_thread()

    def counting(self, text, *args, **kwargs):
        value, end = original(self, text, *args, **kwargs)
        if threading.current_thread() is syncing:  # not the sandbox's server thread
            decoded.append(value)
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    assert sync_aurora_flows().unchanged == 120
    assert decoded == []

    rename_every(creatify_sandbox, creatify_sandbox.payloads(), 12, "renamed")
    assert sync_aurora_flows().updated == 10
    # The changed rows' stored payloads are decoded too, when the database hands them
    # over for comparison; they still carry the old names.
    names = sorted(
        value["name"]
        for value in decoded
        if isinstance(value, dict) and str(value.get("name")).startswith("renamed ")
    )
    assert names == [f"renamed {number}" for number in range(10)]
    assert len(decoded) <= 20
