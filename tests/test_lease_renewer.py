"""The lease renewer's schedule, logging and connection handling, driven step by step.

The renewer's loop runs in the test's thread against a scripted stop event, so each wait it
asks for is recorded and no test waits for real time to pass.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import pytest
from django.db import OperationalError

from django_creatify import locks


class ScriptedStop:
    """Stands in for the renewer's stop event: records every wait it is asked for and
    answers "stopped" once ``waits`` of them have passed."""

    def __init__(self, waits: int) -> None:
        self.remaining = waits
        self.asked: list[float] = []

    def wait(self, timeout: float) -> bool:
        self.asked.append(timeout)
        self.remaining -= 1
        return self.remaining < 0

    def is_set(self) -> bool:
        return False

    def set(self) -> None:
        self.remaining = -1


class CountingConnection:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def renewer_connection(monkeypatch):
    connection = CountingConnection()
    monkeypatch.setattr(locks, "connections", {"default": connection})
    return connection


def scripted_renew(monkeypatch, outcomes):
    """``locks.renew`` answering ``outcomes`` in turn: True/False, or an exception to raise."""
    outcomes = list(outcomes)
    calls = []

    def renew(name, holder, ttl):
        calls.append((name, holder, ttl))
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(locks, "renew", renew)
    return calls


def run(renewer: locks.Renewer, waits: int) -> ScriptedStop:
    stop = ScriptedStop(waits)
    renewer._stopping = stop
    renewer._run()
    return stop


def test_by_default_a_lease_is_renewed_every_third_of_its_ttl(monkeypatch, renewer_connection):
    calls = scripted_renew(monkeypatch, [True, True])
    renewer = locks.Renewer("job", "me:1:a", 30)
    stop = run(renewer, waits=2)
    assert stop.asked == [10.0, 10.0, 10.0]
    assert calls == [("job", "me:1:a", 30.0)] * 2
    assert renewer.renewals == 2 and renewer.lost is False


def test_failed_renewals_are_retried_sooner_each_run_of_failures_warned_once(
    monkeypatch, renewer_connection, caplog
):
    locked = OperationalError("database table is locked")
    scripted_renew(monkeypatch, [locked, locked, True, locked, True])
    renewer = locks.Renewer("job", "me:1:a", 60, every=5)
    with caplog.at_level(logging.DEBUG, logger="django_creatify.locks"):
        stop = run(renewer, waits=5)

    # A failure is retried after RENEW_RETRY_SECONDS; a success goes back to the interval.
    assert stop.asked == [5.0, 1.0, 1.0, 5.0, 1.0, 5.0]
    assert renewer.renewals == 2 and renewer.lost is False
    logged = [(r.levelno, r.getMessage()) for r in caplog.records]
    failure = "Could not renew lease job held by me:1:a (attempt {}): database table is locked"
    assert logged == [
        (logging.WARNING, failure.format(1) + "; retrying in 1.0s"),
        (logging.DEBUG, failure.format(2) + "; retrying in 1.0s"),
        (logging.INFO, "Lease job renewed again after 2 failed attempt(s)"),
        (logging.WARNING, failure.format(1) + "; retrying in 1.0s"),
        (logging.INFO, "Lease job renewed again after 1 failed attempt(s)"),
    ]
    # A failed attempt's connection is dropped for a fresh one, and the last one closed.
    assert renewer_connection.closed == 3 + 1


def test_a_retry_is_never_later_than_the_renewal_interval(monkeypatch, renewer_connection):
    scripted_renew(monkeypatch, [OperationalError("gone"), True])
    stop = run(locks.Renewer("job", "me:1:a", 1, every=0.25), waits=2)
    assert stop.asked == [0.25, 0.25, 0.25]


def test_a_renewer_that_finds_its_lease_lost_stops_and_says_so(
    monkeypatch, renewer_connection, caplog
):
    calls = scripted_renew(monkeypatch, [True, False, True])
    renewer = locks.Renewer("job", "me:1:a", 60, every=5)
    with caplog.at_level(logging.WARNING, logger="django_creatify.locks"):
        run(renewer, waits=10)
    assert len(calls) == 2  # nothing after the loss
    assert renewer.lost is True and renewer.renewals == 1
    assert "Lease job was lost by me:1:a" in caplog.text
    assert renewer_connection.closed == 1


def test_stopping_waits_for_a_renewal_in_progress(monkeypatch):
    entered = threading.Event()
    renewer = locks.Renewer("job", "me:1:a", 60, every=0.001)

    def renewal_that_ends_when_asked_to_stop(name, holder, ttl):
        entered.set()
        return renewer._stopping.wait(5)  # a slow query, done once stop() is called

    monkeypatch.setattr(locks, "renew", renewal_that_ends_when_asked_to_stop)
    monkeypatch.setattr(locks, "connections", {"default": CountingConnection()})
    renewer.start()
    assert entered.wait(5)
    renewer.stop()
    # stop() returned only after the renewal it interrupted was counted and the thread ended.
    assert renewer.renewals == 1
    assert not renewer._thread.is_alive()
    assert renewer.lost is False


EXITING_HOLDER = """
import django
django.setup()
from django_creatify import locks
locks.Renewer("job", "me:1:a", 3600).start()
print("leaving")
"""


def test_a_renewer_never_keeps_its_process_alive():
    # A process whose main thread ends while a lease is held (sys.exit from a signal
    # handler, a crash outside the block) must exit, not wait out the renewal interval.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    finished = subprocess.run(
        [sys.executable, "-c", EXITING_HOLDER],
        cwd=os.path.dirname(os.path.dirname(__file__)),
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (finished.returncode, finished.stdout) == (0, "leaving\n"), finished.stderr


@pytest.mark.django_db
def test_no_renewal_outlives_its_single_flight_block(monkeypatch):
    renewed = threading.Event()

    def renew(name, holder, ttl):
        renewed.set()
        return True

    monkeypatch.setattr(locks, "renew", renew)
    with locks.single_flight("job", 60, renew_every=0.001) as holder:
        assert holder is not None
        assert renewed.wait(5)
    renewers = [t for t in threading.enumerate() if t.name == "lease-renewer:job"]
    assert renewers == []
    assert locks.current_holder("job") is None
