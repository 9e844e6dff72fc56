"""A sync over real HTTP (the sandbox on loopback) into a real database, fed what should
not stop it: one bad item is skipped, and a giant, endless or slow body ends the sync with
a clear error, its spool file gone and no row changed."""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from django_creatify import spool
from django_creatify.client import CreatifyClient
from django_creatify.exceptions import PayloadError, TransportError
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows

from .helpers import served_body, snapshot

pytestmark = pytest.mark.django_db

ITEM_LIMIT = 8192


def job(number: int, **changes) -> dict:
    return {
        "id": str(uuid.UUID(int=0x5EED0000 + number, version=4)),
        "created_at": "2026-11-20T08:00:00Z",
        "updated_at": "2026-11-20T08:01:00Z",
        "name": f"job {number}",
        "status": "done",
        "audio": "https://cdn.example/a.mp3",
        "image": "https://cdn.example/i.png",
        **changes,
    }


def with_field(item: dict, raw_value: bytes) -> bytes:
    """``item`` as JSON with one more field whose value is ``raw_value``, as given."""
    return json.dumps(item).encode()[:-1] + b', "extra": ' + raw_value + b"}"


BAD_VALUES = {
    "long-integer": (b"7" * 5000, "an integer of more than 4,300 digits"),
    "deep": (b"[" * 2000 + b"]" * 2000, "nested deeper than 64 levels"),
    "too-large": (
        b'"' + b"a" * ITEM_LIMIT + b'"',
        "{size:,} bytes, larger than CREATIFY['SYNC_MAX_ITEM_BYTES'] (8,192)",
    ),
}


def creatify(**overrides):
    return override_settings(CREATIFY={**settings.CREATIFY, **overrides})


def listing(*items: bytes) -> bytes:
    return b"[" + b",".join(items) + b"]"


@pytest.mark.parametrize("kind", list(BAD_VALUES))
def test_one_unreadable_item_is_skipped_with_its_reason_and_the_others_are_written(
    creatify_sandbox, kind
):
    raw_value, reason = BAD_VALUES[kind]
    bad = with_field(job(2), raw_value)
    body = listing(json.dumps(job(1)).encode(), bad, json.dumps(job(3)).encode())
    creatify_sandbox.inject(Fault.body(200, body))

    with creatify(SYNC_MAX_ITEM_BYTES=ITEM_LIMIT):
        result = sync_aurora_flows()

    assert (result.created, result.skipped) == (2, 1)
    reason = reason.format(size=len(bad))
    assert [str(item) for item in result.skipped_items] == [f"item 1 ({job(2)['id']}): {reason}"]
    names = dict(AuroraFlow.objects.values_list("id", "name"))
    assert names == {uuid.UUID(job(1)["id"]): "job 1", uuid.UUID(job(3)["id"]): "job 3"}


@pytest.mark.parametrize("kind", list(BAD_VALUES))
def test_a_job_whose_item_is_skipped_is_still_listed_so_not_missing(creatify_sandbox, kind):
    jobs = [json.dumps(job(number)).encode() for number in (1, 2, 3)]
    creatify_sandbox.inject(Fault.body(200, listing(*jobs)))
    assert sync_aurora_flows().created == 3
    before = snapshot()

    bad = with_field(job(2, name="renamed"), BAD_VALUES[kind][0])
    creatify_sandbox.inject(Fault.body(200, listing(jobs[0], bad, jobs[2])))
    with creatify(SYNC_MAX_ITEM_BYTES=ITEM_LIMIT):
        result = sync_aurora_flows()

    assert (result.unchanged, result.skipped, result.missing) == (2, 1, 0)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        listing(json.dumps(job(1, name="renamed")).encode(), json.dumps(job(2)).encode())[:-9],
        b"[]junk",
        listing(json.dumps(job(1, name="renamed")).encode()) + b"junk",
        json.dumps(job(1, name="renamed")).encode() + b" " + json.dumps(job(2)).encode(),
        b"[" + json.dumps(job(1, name="renamed")).encode() + b" " + json.dumps(job(2)).encode(),
        listing(json.dumps(job(2)).encode(), with_field(job(3), b"[" * 2000 + b"}" * 2000)),
    ],
    ids=["truncated", "junk", "junk-after-items", "no-array", "no-comma", "unpaired-brackets"],
)
def test_a_body_that_is_not_json_fails_whole_and_changes_no_row(creatify_sandbox, body):
    creatify_sandbox.inject(Fault.body(200, listing(json.dumps(job(1)).encode())))
    sync_aurora_flows()
    before = snapshot()
    creatify_sandbox.inject(Fault.body(200, body))
    with pytest.raises(PayloadError):
        sync_aurora_flows()
    assert snapshot() == before


# -- the whole body is bounded in size and time -------------------------------------------


@pytest.fixture
def open_spools(tmp_path, monkeypatch):
    """Spool bodies past 1 kB to files in ``tmp_path``; returns what lists those open by
    this process (a temporary file has no name once made, but its descriptor shows it)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see open files")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(spool, "SPOOL_MEMORY_BYTES", 1024)

    def listed() -> list[str]:
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(tmp_path)):
                found.append(target)
        return found

    return listed


@pytest.fixture
def synced_once(creatify_sandbox):
    """Twenty rows mirrored, five of them renamed since at the sandbox; the rows."""
    creatify_sandbox.add_jobs(20, seed=3)
    sync_aurora_flows()
    for payload in creatify_sandbox.payloads()[:5]:
        creatify_sandbox.update_job(payload["id"], name="renamed")
    return snapshot()


def test_the_spool_of_an_open_listing_is_on_disk_and_gone_after(creatify_sandbox, open_spools):
    creatify_sandbox.add_jobs(20, seed=3)
    with CreatifyClient() as client, client.open_aurora_listing() as body:
        assert len(open_spools()) == 1
        assert len(list(body.scan())) == 20
    assert open_spools() == []


def test_a_body_larger_than_the_limit_fails_and_changes_no_row(
    creatify_sandbox, synced_once, open_spools
):
    served = len(served_body(creatify_sandbox))
    with creatify(SYNC_MAX_BODY_BYTES=served - 1), pytest.raises(PayloadError) as error:
        sync_aurora_flows()
    assert f"larger than {served - 1:,} bytes" in str(error.value)
    assert "CREATIFY['SYNC_MAX_BODY_BYTES']" in str(error.value)
    assert snapshot() == synced_once
    assert open_spools() == []
    with creatify(SYNC_MAX_BODY_BYTES=served):
        assert sync_aurora_flows().updated == 5


def test_an_endless_body_ends_at_the_size_limit(creatify_sandbox, synced_once, open_spools):
    creatify_sandbox.clear_requests()
    creatify_sandbox.inject(Fault.endless())
    with creatify(SYNC_MAX_BODY_BYTES=4 * 1024 * 1024), pytest.raises(PayloadError) as error:
        sync_aurora_flows()
    assert "larger than 4,194,304 bytes" in str(error.value)
    assert len(creatify_sandbox.requests) == 1  # not retried
    assert snapshot() == synced_once
    assert open_spools() == []


@pytest.mark.parametrize(
    "fault",
    [Fault.endless(pause=0.01), Fault.slow(0.05, chunk_bytes=64), Fault.slow(60, chunk_bytes=64)],
    ids=["endless", "slow-drip", "stalled"],
)
def test_a_body_still_arriving_at_the_deadline_fails_and_changes_no_row(
    creatify_sandbox, synced_once, open_spools, fault
):
    creatify_sandbox.clear_requests()
    creatify_sandbox.inject(fault)
    started = time.monotonic()
    with creatify(SYNC_DEADLINE=0.3, TIMEOUT=(5, 10)), pytest.raises(TransportError) as error:
        sync_aurora_flows()
    # One read may wait 10 s, far longer than the deadline: the deadline cuts it short.
    assert time.monotonic() - started < 5
    assert "still arriving after 0.3 s" in str(error.value)
    assert "CREATIFY['SYNC_DEADLINE']" in str(error.value)
    assert len(creatify_sandbox.requests) == 1  # not retried
    assert snapshot() == synced_once
    assert open_spools() == []


def test_the_deadline_bounds_each_request_not_a_refresh_of_many(creatify_sandbox):
    """A refresh of 250 ids sends three requests; each answers within the deadline,
    all three together do not, and the refresh succeeds."""
    ids = [payload["id"] for payload in creatify_sandbox.add_jobs(250, seed=4)]
    creatify_sandbox.inject(*[Fault.latency(0.4)] * 3)
    with creatify(SYNC_DEADLINE=0.8, TIMEOUT=(5, 10)):
        result = sync_aurora_flows(ids=ids)
    assert (result.created, result.requests) == (250, 3)


def test_iterating_a_listing_leaves_an_unreadable_item_out(creatify_sandbox, caplog):
    bad = with_field(job(2), BAD_VALUES["deep"][0])
    body = listing(json.dumps(job(1)).encode(), bad, json.dumps(job(3)).encode())
    creatify_sandbox.inject(Fault.body(200, body))
    with CreatifyClient() as client:
        ids = [item["id"] for item in client.iter_aurora()]
    assert ids == [job(1)["id"], job(3)["id"]]
    assert "nested deeper than 64 levels" in caplog.text
