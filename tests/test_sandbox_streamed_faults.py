"""The sandbox's streamed faults over real HTTP: a list that never ends and a slow drip."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from django_creatify.sandbox import Fault, Sandbox

from .sandbox_support import api_session


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True)
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def test_an_endless_list_streams_items_until_the_client_hangs_up(sandbox, api):
    sandbox.add_jobs(2, seed=1)
    sandbox.inject(Fault.endless())
    with api.get(f"{sandbox.url}/api/aurora/", stream=True, timeout=5) as response:
        assert response.status_code == 200
        assert "Content-Length" not in response.headers
        received = bytearray()
        for chunk in response.iter_content(64 * 1024):
            received += chunk
            if len(received) > 4 * 1024 * 1024:
                break
    assert received.startswith(b'[{"id": "')
    # Whole items, comma after comma, however much was read.
    items = json.loads(b"[" + received[1 : received.rindex(b"},") + 1] + b"]")
    assert len(items) > 50_000 and all(item["status"] == "done" for item in items)
    # The next request is served normally.
    assert len(api.get(f"{sandbox.url}/api/aurora/", timeout=5).json()) == 2


def test_a_slow_answer_is_the_real_one_dripped_piece_by_piece(sandbox, api):
    sandbox.add_jobs(2, seed=1)
    url = f"{sandbox.url}/api/aurora/"
    whole = api.get(url, timeout=5).content
    pieces = -(-len(whole) // 256)
    assert pieces > 3
    sandbox.inject(Fault.slow(0.02, chunk_bytes=256))
    started = time.monotonic()
    dripped = api.get(url, timeout=5)
    # The server sleeps between pieces: the answer cannot come sooner than that.
    assert time.monotonic() - started >= (pieces - 1) * 0.02
    assert dripped.content == whole
    assert "Content-Length" not in dripped.headers


def test_streamed_faults_can_be_queued_through_the_control_endpoint(sandbox, api):
    control = f"{sandbox.url}/_sandbox/faults"
    specs = [{"kind": "endless", "seconds": 0.5}, {"kind": "slow", "seconds": 1, "chunk_bytes": 8}]
    assert requests.post(control, json=specs, timeout=5).json() == {"queued": 2}
    listed = requests.get(control, timeout=5).json()
    assert [(spec["kind"], spec["seconds"]) for spec in listed] == [("endless", 0.5), ("slow", 1)]
    assert listed[1]["chunk_bytes"] == 8
    assert [Fault.from_spec(spec) for spec in listed] == [Fault.endless(0.5), Fault.slow(1, 8)]
    bad = requests.post(control, json={"kind": "slow", "chunk_bytes": 0}, timeout=5)
    assert bad.status_code == 400
