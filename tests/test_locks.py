"""locks.py: database leases that give single flight across processes and hosts."""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from django_creatify import locks
from django_creatify.models import Lease

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


def test_single_flight_warns_when_the_lease_ran_out_under_it(clock, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="django_creatify.locks"),
        locks.single_flight("job", 10) as holder,
    ):
        assert holder is not None
        clock.advance(11)
        assert locks.acquire("job", 10) is not None  # another worker takes over
    assert "ran out" in caplog.text


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
