"""The garbage collector is held off during a sync and left as it was found."""

from __future__ import annotations

import gc
import threading

import pytest

from django_creatify.exceptions import PayloadError
from django_creatify.sandbox import Fault
from django_creatify.sync import pipeline, sync_aurora_flows
from django_creatify.sync.collector import collector_paused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_a_sync_holds_the_collector_off_and_switches_it_back_on(creatify_sandbox, monkeypatch):
    creatify_sandbox.add_jobs(5)
    states = []
    write = pipeline._write_scanned

    def watched(*args, **kwargs):
        states.append(gc.isenabled())
        return write(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_write_scanned", watched)
    assert sync_aurora_flows().created == 5
    assert (states, gc.isenabled()) == ([False], True)


def test_a_failed_sync_switches_it_back_on(creatify_sandbox):
    creatify_sandbox.inject(Fault.body(200, b'{"not": "a list"}'))
    with pytest.raises(PayloadError):
        sync_aurora_flows()
    assert gc.isenabled()


def test_a_host_that_keeps_the_collector_off_keeps_it_off():
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_syncs_switch_it_back_on_when_the_last_one_ends():
    first_in, second_out = threading.Event(), threading.Event()
    seen = []

    def first():
        with collector_paused():
            first_in.set()
            assert second_out.wait(10)
            seen.append(gc.isenabled())  # the other sync has ended: still off

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with collector_paused():
        pass
    second_out.set()
    thread.join()
    assert (seen, gc.isenabled()) == ([False], True)


def test_a_host_that_switched_it_off_between_syncs_keeps_it_off():
    with collector_paused():
        pass
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
