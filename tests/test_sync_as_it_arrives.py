"""A listing is read while it arrives: what the sync does when the body it was reading
begins again (a request retried mid-body), ends in a failure, or is not JSON."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.utils import timezone

from django_creatify import spool as spool_module
from django_creatify.client import CreatifyClient
from django_creatify.exceptions import PayloadError, TransportError
from django_creatify.models import AuroraFlow
from django_creatify.sync import apply_listings, sync_aurora_flows, sync_jobs

from .helpers import served, served_body, snapshot

pytestmark = pytest.mark.django_db


class FirstReadSeen:
    """Readers that say when they have been handed their first bytes."""

    def __init__(self, monkeypatch) -> None:
        self.event = threading.Event()
        original = spool_module.SpoolReader.read
        seen = self.event

        def read(reader, size=-1):
            data = original(reader, size)
            if data:
                seen.set()
            return data

        monkeypatch.setattr(spool_module.SpoolReader, "read", read)


class ResetMidBody(CreatifyClient):
    """The network part of a listing, played out: the first attempt sends half the body
    and is reset once the sync has begun reading it; the retry sends ``body`` whole."""

    def __init__(self, body: bytes, first_read: threading.Event, retry: bytes | None) -> None:
        super().__init__()
        self._body, self._first_read, self._retry = body, first_read, retry
        self.spools: list[spool_module.BodySpool] = []

    def fill_listing(self, spool, path, ids=None, ordering=None) -> None:
        self.spools.append(spool)
        try:
            with contextlib.suppress(ConnectionResetError):
                spool.fill(self._half_then_reset())
            if self._retry is None:
                raise TransportError("GET /api/aurora/: the connection was reset")
            spool.fill([self._retry])
        finally:
            spool.finish(complete=False)

    def _half_then_reset(self):
        yield self._body[: len(self._body) // 2]
        # Only once the sync has read part of this attempt: it must start over.
        assert self._first_read.wait(10), "the sync did not read the body as it arrived"
        raise ConnectionResetError("reset mid-body")


def test_a_body_that_begins_again_is_read_again_and_synced_whole(creatify_sandbox, monkeypatch):
    creatify_sandbox.add_jobs(40, seed=5)
    body = served_body(creatify_sandbox)
    client = ResetMidBody(body, FirstReadSeen(monkeypatch).event, retry=body)

    result = sync_aurora_flows(client=client)

    assert [spool.restarts for spool in client.spools] == [1]
    assert (result.created, result.unchanged, result.skipped) == (40, 0, 0)
    rows = {str(pk): raw for pk, raw in AuroraFlow.objects.values_list("pk", "raw")}
    assert rows == {item["id"]: item for item in served(creatify_sandbox)}


def test_a_body_read_in_part_before_its_fetch_failed_changes_no_row(creatify_sandbox, monkeypatch):
    creatify_sandbox.add_jobs(20, seed=6)
    sync_aurora_flows()
    for payload in creatify_sandbox.payloads()[:5]:
        creatify_sandbox.update_job(payload["id"], name="renamed")
    before = snapshot()
    client = ResetMidBody(served_body(creatify_sandbox), FirstReadSeen(monkeypatch).event, None)

    with pytest.raises(TransportError, match="the connection was reset"):
        sync_aurora_flows(client=client)
    assert snapshot() == before


def test_a_malformed_body_that_is_then_sent_again_whole_syncs(creatify_sandbox, monkeypatch):
    """The half that was read is not JSON on its own; the sync waits for the fetch's end
    before it calls the body malformed, and the body begun again is good."""
    creatify_sandbox.add_jobs(10, seed=7)
    body = served_body(creatify_sandbox)
    between_items = body.index(b"},{", len(body) // 4) + 2
    garbled = body[:between_items] + b"x" + body[between_items:]
    client = ResetMidBody(garbled, FirstReadSeen(monkeypatch).event, retry=body)

    assert sync_aurora_flows(client=client).created == 10


def test_a_body_malformed_to_its_end_fails_with_its_own_error(creatify_sandbox):
    creatify_sandbox.add_jobs(10, seed=8)
    body = served_body(creatify_sandbox)

    class Malformed(CreatifyClient):
        def fill_listing(self, spool, path, ids=None, ordering=None) -> None:
            try:
                spool.fill([body[:-1], b"x]"])
            finally:
                spool.finish(complete=False)

    with pytest.raises(PayloadError, match="not valid JSON"):
        sync_aurora_flows(client=Malformed())
    assert AuroraFlow.objects.count() == 0


def test_a_sync_asks_for_the_ordering_where_the_family_documents_one(creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(3, seed=9)
    creatify_sandbox.clear_requests()
    sync_aurora_flows(ordering="-created_at")
    sync_jobs("lipsyncs", ordering="-created_at")  # no ordering on Lipsync's list
    assert [(request.path, request.query) for request in creatify_sandbox.requests] == [
        ("/api/aurora/", {"ordering": "-created_at"}),
        ("/api/lipsyncs/", {}),
    ]
    assert AuroraFlow.objects.count() == len(jobs)


def test_listings_opened_by_the_caller_are_applied_and_recognised_after(creatify_sandbox):
    """``apply_listings``: bodies a caller fetched itself go through the same pipeline."""
    creatify_sandbox.add_jobs(12, seed=10)
    with CreatifyClient() as client:
        started = timezone.now()
        with client.open_aurora_listing() as body:
            first = apply_listings("aurora", [body], started=started)
        with client.open_aurora_listing() as body:
            again = apply_listings("aurora", [body], started=timezone.now())
    assert (first.created, first.unchanged) == (12, 0)
    assert (again.created, again.updated, again.unchanged, again.missing) == (0, 0, 12, 0)
