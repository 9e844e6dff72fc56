"""locks.py: database leases that give single flight across processes and hosts."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from django_creatify import locks, tasks
from django_creatify.models import AuroraFlow, Lease
from django_creatify.sandbox import Fault

from .helpers import poll_until

pytestmark = pytest.mark.django_db

SQLITE_RACE = (
    "the test database is shared-cache in-memory SQLite, where a second writer fails with "
    "'table is locked' instead of waiting; the race runs on PostgreSQL (DATABASE_URL)"
)


@pytest.fixture
def clock(monkeypatch):
    """The lease clock, moved by hand: ``clock.advance(seconds)``."""

    class Clock:
        current = timezone.now()

        def advance(self, seconds):
            self.current += timedelta(seconds=seconds)

    fake = Clock()
    monkeypatch.setattr(locks, "now", lambda: fake.current)
    return fake


def test_a_held_lease_cannot_be_taken_until_released():
    first = locks.acquire("job", 60)
    assert first is not None
    assert locks.acquire("job", 60) is None
    assert locks.acquire("other-job", 60) is not None

    assert locks.release("job", first) is True
    second = locks.acquire("job", 60)
    assert second is not None and second != first


def test_only_the_holder_can_release():
    holder = locks.acquire("job", 60)
    assert locks.release("job", "someone-else") is False
    assert locks.acquire("job", 60) is None
    assert locks.release("job", holder) is True
    assert not Lease.objects.exists()


def test_holder_names_host_and_process():
    holder = locks.acquire("job", 60)
    host, pid, _token = holder.rsplit(":", 2)
    assert host and int(pid) > 0
    lease = locks.current_holder("job")
    assert lease.holder == holder
    assert str(lease).startswith(f"job held by {holder} until ")


def test_an_expired_lease_is_taken_over_and_the_dead_holder_cannot_release_it(clock, caplog):
    dead = locks.acquire("job", 60, holder="worker-that-died:123:abc")
    clock.advance(59)
    assert locks.acquire("job", 60) is None

    clock.advance(1)
    with caplog.at_level(logging.WARNING, logger="django_creatify.locks"):
        alive = locks.acquire("job", 60)
    assert alive is not None
    assert "worker-that-died:123:abc" in caplog.text and "taken over" in caplog.text
    assert locks.release("job", dead) is False
    assert locks.current_holder("job").holder == alive


def test_single_flight_releases_on_error_and_reports_who_holds_it():
    with pytest.raises(RuntimeError), locks.single_flight("job", 60) as holder:
        assert holder is not None
        with locks.single_flight("job", 60) as second:
            assert second is None
        raise RuntimeError("boom")
    assert not Lease.objects.filter(name="job").exists()


def test_single_flight_warns_when_the_lease_lapsed_under_it(clock, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="django_creatify.locks"),
        locks.single_flight("job", 10) as holder,
    ):
        assert holder is not None
        clock.advance(11)
        assert locks.acquire("job", 10) is not None  # another worker takes over
    assert "lapsed before its work finished" in caplog.text


# -- renewal ---------------------------------------------------------------------------
# The renewer is a thread with its own connection, so these tests commit their rows.


def unlocked(read, timeout=5.0):
    """``read()``, retried while shared-cache in-memory SQLite says 'table is locked'.

    There a connection fails instead of waiting while another thread's connection (the
    renewer's) writes; a file database or PostgreSQL waits. The renewer retries the same way.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise


def expiry(name="job"):
    rows = Lease.objects.filter(name=name).values_list("expires_at", flat=True)
    return unlocked(rows.first)


def renewed_until(clock, ttl, name="job"):
    """Whether the lease was renewed at the lease clock's current time."""
    return expiry(name) == clock.current + timedelta(seconds=ttl)


@pytest.mark.django_db(transaction=True)
def test_a_live_holder_keeps_its_lease_however_long_it_runs(clock):
    with locks.single_flight("job", 60, renew_every=0.01) as holder:
        for _ in range(4):  # 200 s on the lease clock: more than three ttls
            clock.advance(50)
            poll_until(lambda: renewed_until(clock, 60), 30, "a renewal")
            assert unlocked(lambda: locks.acquire("job", 60)) is None
        assert unlocked(lambda: locks.current_holder("job")).holder == holder
    assert not Lease.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_renewal_is_logged_and_retried(clock, monkeypatch, caplog):
    failures = [OperationalError("database table is locked")] * 2
    real_renew = locks.renew

    def renew_after_two_failures(*args):
        if failures:
            raise failures.pop()
        return real_renew(*args)

    monkeypatch.setattr(locks, "renew", renew_after_two_failures)
    with (
        caplog.at_level(logging.INFO, logger="django_creatify.locks"),
        locks.single_flight("job", 60, renew_every=0.01) as holder,
    ):
        clock.advance(50)
        poll_until(lambda: renewed_until(clock, 60), 30, "a renewal after two failures")
        clock.advance(50)
        assert unlocked(lambda: locks.acquire("job", 60)) is None
        assert holder is not None
    injected = f"Could not renew lease job held by {holder} (attempt %d): database table is locked;"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # On shared-cache SQLite a later renewal can also meet the main thread's write for real
    # ("... locked: django_creatify_lease"); only the injected streak is counted here.
    assert [w for w in warnings if w.startswith(injected % 1) or w.startswith(injected % 2)] == [
        f"{injected % 1} retrying in 0.0s"
    ]
    assert "Lease job renewed again after 2 failed attempt(s)" in caplog.text
    assert not Lease.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_holder_that_cannot_renew_loses_the_lease_after_its_ttl_and_says_so(
    clock, monkeypatch, caplog
):
    attempts = []

    def unreachable_database(*args):
        attempts.append(args)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(locks, "renew", unreachable_database)
    work_done = False
    with (
        caplog.at_level(logging.WARNING, logger="django_creatify.locks"),
        locks.single_flight("job", 60, renew_every=0.01) as holder,
    ):
        poll_until(lambda: len(attempts) >= 3, 30, "renewal attempts")
        clock.advance(59)
        assert locks.acquire("job", 60) is None
        clock.advance(1)
        successor = locks.acquire("job", 60)
        assert successor is not None
        work_done = True  # the failures never reached the work
    assert work_done
    assert f"while held by {holder} (a worker that died?); taken over by {successor}" in (
        caplog.text
    )
    assert "lapsed before its work finished" in caplog.text
    assert locks.current_holder("job").holder == successor  # not released by the loser


@pytest.mark.django_db(transaction=True)
def test_a_stalled_holder_finds_its_lease_taken_over_and_stops_renewing(clock, monkeypatch, caplog):
    stalled, resume = threading.Event(), threading.Event()
    calls = []
    real_renew = locks.renew

    def renew_after_a_stall(*args):
        calls.append(args)
        if len(calls) == 1:
            stalled.set()
            resume.wait(10)  # this process is frozen (a VM pause, a swap storm)
        return real_renew(*args)

    monkeypatch.setattr(locks, "renew", renew_after_a_stall)
    with (
        caplog.at_level(logging.WARNING, logger="django_creatify.locks"),
        locks.single_flight("job", 60, renew_every=0.01) as holder,
    ):
        assert stalled.wait(5)
        clock.advance(61)
        successor = locks.acquire("job", 60)
        assert successor is not None
        resume.set()
        poll_until(lambda: f"Lease job was lost by {holder}" in caplog.text, 30, "the loss")
        assert len(calls) == 1  # no renewal after the loss
        assert locks.current_holder("job").holder == successor
    lost = [r for r in caplog.records if holder in r.getMessage() and "lost" in r.getMessage()]
    assert len(lost) == 1  # said once, not again on release
    assert "lapsed before its work finished" not in caplog.text
    assert locks.current_holder("job").holder == successor


@pytest.mark.django_db(transaction=True)
def test_a_full_sync_running_past_its_lease_ttl_keeps_the_lease(creatify_sandbox, settings):
    # Long enough that a loaded CI machine stalling the renewer thread for a few tenths of
    # a second does not let the lease lapse (that is the other tests' subject).
    ttl = 1.0
    settings.CREATIFY = {**settings.CREATIFY, "SYNC_LOCK_TIMEOUT": ttl}
    creatify_sandbox.add_jobs(300, seed=2)
    creatify_sandbox.inject(Fault.latency(8 * ttl))  # the GET alone outlasts the ttl
    results = []

    def sync_on_another_worker():
        try:
            results.append(tasks.sync_aurora_flows.apply().get())
        finally:
            connection.close()

    worker = threading.Thread(target=sync_on_another_worker)
    worker.start()
    try:
        poll_until(lambda: creatify_sandbox.requests, 30, "the sync's GET")
        lease = unlocked(lambda: locks.current_holder(tasks.FULL_SYNC_LEASE))
        assert lease is not None
        held_past = lease.acquired_at + timedelta(seconds=4 * ttl)

        def still_held_past_ttl():
            current = unlocked(lambda: locks.current_holder(tasks.FULL_SYNC_LEASE))
            assert current is not None and current.holder == lease.holder
            assert unlocked(lambda: locks.acquire(tasks.FULL_SYNC_LEASE, 60)) is None
            return locks.now() > held_past

        poll_until(still_held_past_ttl, 30, "the lease held past four ttls")
    finally:
        worker.join(30)
    assert results and results[0]["created"] == 300
    assert AuroraFlow.objects.count() == 300
    assert not Lease.objects.exists()


HOLDER_PROCESS = """
import sys, threading
import django
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()
from django_creatify import locks
with locks.single_flight("killed-holder", float(sys.argv[2]), renew_every=0.2):
    threading.Event().wait()
"""


@pytest.mark.services
def test_a_killed_holder_process_keeps_its_lease_while_alive_and_loses_it_within_its_ttl(
    database,
):
    ttl = 1.5
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER_PROCESS, database, str(ttl)],
        cwd=os.path.dirname(os.path.dirname(__file__)),
        env=env,
    )
    try:
        poll_until(lambda: locks.current_holder("killed-holder"), 30, "the holder process")
        lease = locks.current_holder("killed-holder")
        assert f":{process.pid}:" in lease.holder
        # Alive: held well past its ttl, and nobody else gets it meanwhile.
        held_past = lease.acquired_at + timedelta(seconds=3 * ttl)
        poll_until(lambda: expiry("killed-holder") > held_past, 30, "renewals")
        assert locks.acquire("killed-holder", ttl) is None
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    last_expiry = expiry("killed-holder")
    killed_at = time.monotonic()
    poll_until(lambda: locks.acquire("killed-holder", 60), ttl + 5, "the takeover")
    assert time.monotonic() - killed_at <= ttl + 1.0
    assert locks.now() >= last_expiry


@pytest.mark.django_db(transaction=True)
def test_concurrent_acquirers_get_exactly_one_lease():
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_RACE)
    rounds, contenders = 20, 6
    for round_number in range(rounds):
        barrier = threading.Barrier(contenders)
        won: list[str] = []

        def contend(name=f"race-{round_number}", barrier=barrier, won=won):
            try:
                barrier.wait()
                holder = locks.acquire(name, 60)
                if holder is not None:
                    won.append(holder)
            finally:
                connection.close()

        threads = [threading.Thread(target=contend) for _ in range(contenders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1, won


@pytest.mark.django_db(transaction=True)
def test_concurrent_takeovers_of_an_expired_lease_get_exactly_one(clock):
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_RACE)
    contenders = 6
    for round_number in range(10):
        name = f"expired-{round_number}"
        locks.acquire(name, 1, holder="dead:1:x")
        clock.advance(2)
        barrier = threading.Barrier(contenders)
        won: list[str] = []

        def contend(name=name, barrier=barrier, won=won):
            try:
                barrier.wait()
                holder = locks.acquire(name, 60)
                if holder is not None:
                    won.append(holder)
            finally:
                connection.close()

        threads = [threading.Thread(target=contend) for _ in range(contenders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1, won


def test_taking_over_a_lease_meant_to_lapse_is_no_warning(clock, caplog):
    # The hint drain's and the refresh coalescing's leases end by expiring, not by release.
    first = locks.acquire("mark", 5, lapse_expected=True)
    clock.advance(6)
    with caplog.at_level(logging.DEBUG, logger="django_creatify.locks"):
        second = locks.acquire("mark", 5, lapse_expected=True)
    assert second not in (None, first)
    (record,) = [r for r in caplog.records if "taken over" in r.getMessage()]
    assert record.levelno == logging.DEBUG
