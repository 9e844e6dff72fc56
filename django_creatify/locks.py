"""Leases: single flight across worker processes and hosts, kept in the database.

The database is the one thing every worker shares, so a lock is a row per name with a
holder and an expiry. Acquiring is one INSERT, or, when an expired row is in the way,
one conditional UPDATE that only the first taker wins; releasing deletes the row only if
we still hold it.

A holder inside :func:`single_flight` renews its lease every ``ttl / 3`` seconds from a
thread of its own, so ``ttl`` does not bound how long the work may run: it bounds how long
a holder that died (SIGKILL, out of memory, a lost host) keeps others waiting. Two
renewals in a row can fail (a busy database) before a live holder's lease lapses.

Use leases outside transactions: a row written inside one is invisible to other workers
until it commits. Expiry uses each host's clock, so hosts are assumed to agree (NTP) to
well within a lease's length.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, Error, IntegrityError, connections, transaction
from django.utils import timezone

from .models import Lease

logger = logging.getLogger(__name__)

# Renew after a third of the ttl, so two failed renewals still leave the lease held.
RENEWALS_PER_TTL = 3
# After a failed renewal (SQLite's "table is locked", a dropped connection), try again
# this soon rather than a whole interval later: the lease is closer to lapsing each time.
RENEW_RETRY_SECONDS = 1.0
# How long leaving single_flight waits for a renewal that is mid-query.
RENEWER_STOP_TIMEOUT = 10.0


def now() -> datetime:
    """The lease clock; a module function so tests can move time instead of waiting."""
    return timezone.now()


def new_holder() -> str:
    """A token unique to this attempt that still says which host and process holds it."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire(
    name: str, ttl: float, *, holder: str | None = None, lapse_expected: bool = False
) -> str | None:
    """Take lease ``name`` for ``ttl`` seconds: the holder token, or ``None`` if it is held.

    ``lapse_expected``: the lease is a mark that its holder may never release (it ends by
    expiring), so taking it over is routine, not a sign of a dead worker.
    """
    holder = holder or new_holder()
    start = now()
    expires_at = start + timedelta(seconds=ttl)
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, acquired_at=start, expires_at=expires_at)
        return holder
    except IntegrityError:
        pass
    current = Lease.objects.filter(name=name).values("holder", "expires_at").first()
    if current is None or current["expires_at"] > start:
        # Released between our INSERT and read, or held: either way someone else is on it.
        return None
    # Compare-and-swap on the expired row: of two workers taking over, one UPDATE matches.
    taken = Lease.objects.filter(
        name=name, holder=current["holder"], expires_at=current["expires_at"]
    ).update(holder=holder, acquired_at=start, expires_at=expires_at)
    if not taken:
        return None
    logger.log(
        logging.DEBUG if lapse_expected else logging.WARNING,
        "Lease %s expired at %s while held by %s (a worker that died?); taken over by %s",
        name,
        current["expires_at"].isoformat(),
        current["holder"],
        holder,
    )
    return holder


def renew(name: str, holder: str, ttl: float) -> bool:
    """Extend lease ``name`` to ``ttl`` seconds from now; ``False`` if ``holder`` lost it."""
    expires_at = now() + timedelta(seconds=ttl)
    return bool(Lease.objects.filter(name=name, holder=holder).update(expires_at=expires_at))


def release(name: str, holder: str) -> bool:
    """Give lease ``name`` back if ``holder`` still holds it; ``False`` if it was lost."""
    deleted, _ = Lease.objects.filter(name=name, holder=holder).delete()
    return bool(deleted)


def current_holder(name: str) -> Lease | None:
    """The unexpired lease ``name``, for messages about who holds it."""
    return Lease.objects.filter(name=name, expires_at__gt=now()).first()


def describe(name: str) -> str:
    """Who holds lease ``name`` and when it ends: ``host:pid:token, lease ends 10:01:05 UTC``.

    For "already running" messages; a live holder's lease end moves on as it renews.
    """
    lease = current_holder(name)
    if lease is None:
        # Released or expired between the failed acquire and this read.
        return "finishing just now"
    ends = lease.expires_at
    if timezone.is_aware(ends):
        return f"{lease.holder}, lease ends {ends.astimezone(UTC):%H:%M:%S} UTC"
    return f"{lease.holder}, lease ends {ends:%H:%M:%S}"


class Renewer:
    """Renews one held lease every ``every`` seconds in a daemon thread until stopped.

    The thread has its own database connection (Django's are per thread), closed when
    it stops, so renewals commit at once whatever the holder's connection is doing. A
    failed renewal is logged and retried; it never reaches the holder's work. A renewal
    that finds the lease taken over logs that and stops: the lease cannot be won back.
    """

    def __init__(
        self, name: str, holder: str, ttl: float, *, every: float | None = None, using: str = ""
    ) -> None:
        self.name, self.holder, self.ttl = name, holder, float(ttl)
        self.every = float(every) if every is not None else self.ttl / RENEWALS_PER_TTL
        self.using = using or DEFAULT_DB_ALIAS
        self.renewals = 0
        self.lost = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-renewer:{name}", daemon=True)

    def start(self) -> Renewer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(RENEWER_STOP_TIMEOUT)

    def _run(self) -> None:
        wait = self.every
        failures = 0
        try:
            while not self._stopping.wait(wait):
                try:
                    kept = renew(self.name, self.holder, self.ttl)
                except Error as exc:
                    failures += 1
                    wait = min(self.every, RENEW_RETRY_SECONDS)
                    self._log_failure(failures, exc, wait)
                    # A broken connection is replaced by a fresh one on the next attempt.
                    self._close_connection()
                    continue
                if not kept:
                    self._log_lost()
                    return
                if failures:
                    logger.info(
                        "Lease %s renewed again after %d failed attempt(s)", self.name, failures
                    )
                failures = 0
                wait = self.every
                self.renewals += 1
        finally:
            self._close_connection()

    def _log_failure(self, failures: int, exc: Error, wait: float) -> None:
        # One warning per run of failures; the retries after it only at debug level.
        level = logging.WARNING if failures == 1 else logging.DEBUG
        logger.log(
            level,
            "Could not renew lease %s held by %s (attempt %d): %s; retrying in %.1fs",
            self.name,
            self.holder,
            failures,
            exc,
            wait,
        )

    def _log_lost(self) -> None:
        if self._stopping.is_set():
            return  # released while this renewal ran: nothing was lost
        self.lost = True
        logger.warning(
            "Lease %s was lost by %s: it lapsed and another holder took it over, so this "
            "work may now overlap with theirs (renewals failed, or this process stalled "
            "for over %ss)",
            self.name,
            self.holder,
            self.ttl,
        )

    def _close_connection(self) -> None:
        try:
            connections[self.using].close()
        except Error:
            logger.debug("Closing the lease renewer's connection failed", exc_info=True)


@contextmanager
def single_flight(
    name: str, ttl: float, *, renew_every: float | None = None
) -> Iterator[str | None]:
    """``with single_flight(name, ttl) as holder:``: ``holder`` is ``None`` if another has it.

    While the block runs the lease is renewed (every ``renew_every`` seconds, default
    ``ttl / 3``), and it is released when the block ends, however it ends.
    """
    holder = acquire(name, ttl)
    if holder is None:
        yield None
        return
    renewer = Renewer(name, holder, ttl, every=renew_every).start()
    try:
        yield holder
    finally:
        renewer.stop()
        if not release(name, holder) and not renewer.lost:
            logger.warning(
                "Lease %s lapsed before its work finished and another holder took it over "
                "(renewals failed, or this process stalled for over %ss)",
                name,
                ttl,
            )
