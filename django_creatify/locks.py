"""Leases: single flight across worker processes and hosts, kept in the database.

The database is the one thing every worker shares, so a lock is a row per name with a
holder and an expiry. Acquiring is one INSERT, or, when an expired row is in the way,
one conditional UPDATE that only the first taker wins; releasing deletes the row only if
we still hold it. A worker killed mid-task blocks others at most until its lease expires.

Use leases outside transactions: a row written inside one is invisible to other workers
until it commits. Expiry uses each host's clock, so hosts are assumed to agree (NTP) to
well within a lease's length.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Lease

logger = logging.getLogger(__name__)


def now() -> datetime:
    """The lease clock; a module function so tests can move time instead of waiting."""
    return timezone.now()


def new_holder() -> str:
    """A token unique to this attempt that still says which host and process holds it."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire(name: str, ttl: float, *, holder: str | None = None) -> str | None:
    """Take lease ``name`` for ``ttl`` seconds: the holder token, or ``None`` if it is held."""
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
    logger.warning(
        "Lease %s expired at %s while held by %s (a worker that died?); taken over by %s",
        name,
        current["expires_at"].isoformat(),
        current["holder"],
        holder,
    )
    return holder


def release(name: str, holder: str) -> bool:
    """Give lease ``name`` back if ``holder`` still holds it; ``False`` if it was lost."""
    deleted, _ = Lease.objects.filter(name=name, holder=holder).delete()
    return bool(deleted)


def current_holder(name: str) -> Lease | None:
    """The unexpired lease ``name``, for messages about who holds it."""
    return Lease.objects.filter(name=name, expires_at__gt=now()).first()


@contextmanager
def single_flight(name: str, ttl: float) -> Iterator[str | None]:
    """``with single_flight(name, ttl) as holder:``: ``holder`` is ``None`` if another has it."""
    holder = acquire(name, ttl)
    try:
        yield holder
    finally:
        if holder is not None and not release(name, holder):
            logger.warning(
                "Lease %s ran out (%ss) before its work finished and another worker took it; "
                "raise the timeout if this repeats",
                name,
                ttl,
            )
