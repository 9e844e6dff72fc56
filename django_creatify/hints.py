"""Webhook hints: at most one pending event per job, re-read in batches of ids.

A webhook proves nothing (Creatify does not sign them), so the receiver only records
that a job may have changed; the job is re-read later through the authenticated API,
together with every other hinted job, 100 ids a GET. An event's life:

- ``hint_store.record_hint`` (the receiver): a job with a pending event gets that
  event's ``hints`` raised; any other job gets a new ``pending`` event, unless
  ``WEBHOOK_MAX_PENDING`` events are pending already, in which case nothing is stored.
- ``drain_pending`` (the ``process_webhook_hints`` task, ``creatify_webhooks
  --process-pending``): takes the pending events that exist when it starts, in chunks,
  re-reads their jobs with ``sync.sync_aurora_flows(ids=...)`` and marks each event
  ``refreshed`` (Creatify returned the job), ``unknown`` (it did not: nothing is
  written for it) or ``failed`` (with the error). A hint that arrives while its job is
  being read keeps the event pending, for the next drain.
- ``requeue`` (the admin's Reprocess, ``creatify_webhooks --replay-failed``): makes
  events pending again, one per job, for the next drain.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import sync
from .client import CreatifyClient, chunked
from .conf import creatify_settings
from .exceptions import CreatifyError, excerpt
from .models import WebhookEvent

logger = logging.getLogger(__name__)

Outcome = WebhookEvent.Outcome
#: Events claimed and re-read together: ten GETs of 100 ids, all in before any write.
DRAIN_CHUNK = 1000


def pending_events() -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(outcome=Outcome.PENDING)


def has_pending() -> bool:
    return pending_events().exists()


@dataclass
class Drained:
    """What one drain did: events marked per outcome, GETs made, the error that stopped it."""

    refreshed: int = 0
    unknown: int = 0
    failed: int = 0
    requests: int = 0
    error: CreatifyError | None = None

    @property
    def processed(self) -> int:
        return self.refreshed + self.unknown + self.failed

    def as_dict(self) -> dict:
        return {
            "refreshed": self.refreshed,
            "unknown": self.unknown,
            "failed": self.failed,
            "requests": self.requests,
            "error": None if self.error is None else str(self.error),
        }


def drain_pending(
    *,
    client: CreatifyClient | None = None,
    keep_transient_pending: bool = False,
    chunk: int = DRAIN_CHUNK,
) -> Drained:
    """Re-read the jobs of the events pending now, ``chunk`` events at a time.

    Costs ceil(jobs / 100) GETs (one pending event per job) and O(1) queries per chunk.
    Events that become pending while it runs are left to the next drain, so it ends.
    A ``CreatifyError`` stops it: the chunk being read is marked failed with the error,
    or, for a transient error with ``keep_transient_pending`` (the caller retries), stays pending
    with the error noted; later chunks stay pending.
    """
    drained = Drained()
    last = pending_events().order_by("-pk").values_list("pk", flat=True).first()
    after = 0
    while last is not None and after < last:
        rows = list(
            pending_events()
            .filter(pk__gt=after, pk__lte=last)
            .order_by("pk")
            .values_list("pk", "flow_id")[:chunk]
        )
        if not rows:
            break
        after = rows[-1][0]
        claim = uuid.uuid4().hex
        pending_events().filter(pk__in=[pk for pk, _ in rows]).update(claim=claim)
        # Only events still carrying this claim are marked: a hint since then cleared it.
        claimed = pending_events().filter(claim=claim)
        try:
            synced = sync.sync_aurora_flows(ids=[flow_id for _, flow_id in rows], client=client)
        except CreatifyError as exc:
            drained.error = exc
            error = excerpt(str(exc), 1000)
            if keep_transient_pending and exc.transient:
                claimed.update(error=error, claim="")
            else:
                drained.failed += claimed.update(
                    outcome=Outcome.FAILED, error=error, processed_at=timezone.now(), claim=""
                )
            logger.error("Re-reading %d webhook-hinted Creatify job(s) failed: %s", len(rows), exc)
            return drained
        drained.requests += synced.requests
        unknown = set(synced.not_found)
        done = {"outcome": Outcome.REFRESHED, "processed_at": timezone.now(), "error": ""}
        unknown_ids = [flow_id for _, flow_id in rows if str(flow_id) in unknown]
        if unknown_ids:
            drained.unknown += claimed.filter(flow_id__in=unknown_ids).update(
                **{**done, "outcome": Outcome.UNKNOWN, "claim": ""}
            )
        drained.refreshed += claimed.update(**done, claim="")
    if drained.processed:
        logger.info(
            "Webhook hints: %d job(s) refreshed, %d unknown to Creatify, in %d request(s)",
            drained.refreshed,
            drained.unknown,
            drained.requests,
        )
    return drained


@dataclass
class Requeued:
    """Jobs now pending because of a requeue (some may have been pending already), and
    jobs left as they were because ``WEBHOOK_MAX_PENDING`` was reached."""

    jobs: int = 0
    left: int = 0


def requeue(events: QuerySet[WebhookEvent]) -> Requeued:
    """Make ``events`` hints again, for the next drain: one pending event per job.

    For each job, its newest selected event becomes pending again, unless the job has a
    pending event already. Selected ``failed`` events that are not made pending are
    marked ``coalesced``: the job's pending event now stands for them. Stops adding
    pending events at ``WEBHOOK_MAX_PENDING``; the jobs past it are counted in ``left``.
    """
    newest: dict[uuid.UUID, int] = {}
    failed: list[tuple[int, uuid.UUID]] = []
    rows = (
        events.exclude(flow_id__isnull=True)
        .order_by("-received_at", "-pk")
        .values_list("pk", "flow_id", "outcome")
    )
    for pk, flow_id, outcome in rows.iterator(chunk_size=2000):
        newest.setdefault(flow_id, pk)
        if outcome == Outcome.FAILED:
            failed.append((pk, flow_id))
    result = Requeued()
    room = max(0, int(creatify_settings.WEBHOOK_MAX_PENDING) - pending_events().count())
    pending_jobs: set[uuid.UUID] = set()
    made_pending: set[int] = set()
    for ids in chunked(list(newest), DRAIN_CHUNK):
        already = _pending_among(ids)
        waiting = [newest[flow_id] for flow_id in ids if flow_id not in already]
        made = _make_pending(waiting[:room])
        room -= len(made)
        made_pending.update(made)
        now_pending = _pending_among(ids)
        pending_jobs |= now_pending
        result.jobs += len(now_pending)
        result.left += len(ids) - len(now_pending)
    fold = [pk for pk, flow_id in failed if flow_id in pending_jobs and pk not in made_pending]
    for part in chunked(fold, DRAIN_CHUNK):
        WebhookEvent.objects.filter(pk__in=part, outcome=Outcome.FAILED).update(
            outcome=Outcome.COALESCED, processed_at=timezone.now()
        )
    return result


def _pending_among(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(pending_events().filter(flow_id__in=ids).values_list("flow_id", flat=True))


def _make_pending(pks: list[int]) -> list[int]:
    """Turn these events pending; those whose job meanwhile got another pending event
    (a webhook arriving now) are skipped. Returns the pks made pending."""
    if not pks:
        return []
    values = {"outcome": Outcome.PENDING, "processed_at": None, "claim": ""}
    try:
        with transaction.atomic():
            WebhookEvent.objects.filter(pk__in=pks).update(**values)
        return pks
    except IntegrityError:
        pass
    made = []
    for pk in pks:
        try:
            with transaction.atomic():
                WebhookEvent.objects.filter(pk=pk).update(**values)
            made.append(pk)
        except IntegrityError:
            continue
    return made
