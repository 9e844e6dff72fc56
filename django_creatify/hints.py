"""Webhook hints: at most one pending event per job, re-read in batches of ids.

A webhook proves nothing (Creatify does not sign them), so the receiver only records
that a job may have changed; the job is re-read later through the authenticated API,
together with every other hinted job, 100 ids a GET. An event's life:

- ``hint_store.record_hint`` (the receiver): a job with a pending event gets that
  event's ``hints`` raised; any other job gets a new ``pending`` event, unless
  ``WEBHOOK_MAX_PENDING`` events are pending already, in which case nothing is stored.
- ``drain_pending`` (the ``process_webhook_hints`` task, ``creatify_webhooks
  --process-pending``): takes the pending events that exist when it starts, in chunks,
  re-reads their jobs, each from its family (:func:`refresh_routed`), and marks each event
  ``refreshed`` (Creatify returned the job), ``unknown`` (it did not: nothing is
  written for it) or ``failed`` (with the error). A hint that arrives while its job is
  being read keeps the event pending, for the next drain.
- ``requeue`` (the admin's Reprocess, ``creatify_webhooks --replay-failed``): makes
  events pending again, one per job, for the next drain.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import sync
from .client import CreatifyClient, chunked
from .conf import creatify_settings
from .exceptions import CreatifyError, excerpt
from .families import enabled_families
from .models import WebhookEvent
from .sync import SyncResult

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
            .values_list("pk", "flow_id", "family")[:chunk]
        )
        if not rows:
            break
        after = rows[-1][0]
        claim = uuid.uuid4().hex
        pending_events().filter(pk__in=[row[0] for row in rows]).update(claim=claim)
        # Only events still carrying this claim are marked: a hint since then cleared it.
        claimed = pending_events().filter(claim=claim)
        try:
            routing = refresh_routed(
                [(str(flow_id), family) for _, flow_id, family in rows], client=client
            )
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
        drained.requests += routing.requests
        found = routing.found
        done = {"outcome": Outcome.REFRESHED, "processed_at": timezone.now(), "error": ""}
        unknown_ids = [flow_id for _, flow_id, _ in rows if str(flow_id) not in found]
        if unknown_ids:
            drained.unknown += claimed.filter(flow_id__in=unknown_ids).update(
                **{**done, "outcome": Outcome.UNKNOWN, "claim": ""}
            )
        for family, ids in _by_family(found).items():
            claimed.filter(flow_id__in=ids).exclude(family=family).update(family=family)
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
class Routed:
    """What :func:`refresh_routed` did: job id -> family of each job Creatify returned,
    and each family's sync result."""

    found: dict[str, str] = field(default_factory=dict)
    results: dict[str, SyncResult] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(result.requests for result in self.results.values())


def refresh_routed(
    hinted: list[tuple[str, str]], *, client: CreatifyClient | None = None
) -> Routed:
    """Re-read hinted jobs (id, family or ""), each from its family.

    A job's family is the one its webhook URL named, else the family whose mirror holds
    it. A job found neither way (made outside this site) is asked of each enabled family
    in turn, together with that family's own jobs, until one returns it: Creatify's
    webhook body does not say which family sent it.
    """
    enabled = {family.name: family for family in enabled_families()}
    routed: dict[str, list[str]] = {name: [] for name in enabled}
    unrouted: list[str] = []
    for job_id, family_name in hinted:
        routed.get(family_name, unrouted).append(job_id)
    for family in enabled.values():
        if not unrouted:
            break
        rows = family.model._default_manager.filter(pk__in=unrouted)
        mirrored = {str(pk) for pk in rows.values_list("pk", flat=True)}
        routed[family.name] += [job_id for job_id in unrouted if job_id in mirrored]
        unrouted = [job_id for job_id in unrouted if job_id not in mirrored]
    routing = Routed()
    found = routing.found
    asked: set[tuple[str, str]] = set()

    def ask(name: str, ids: list[str]) -> None:
        result = sync.sync_jobs(enabled[name], ids=ids, client=client)
        if name in routing.results:
            routing.results[name].merge(result)
        else:
            routing.results[name] = result
        missing = set(result.not_found)
        found.update((job_id, name) for job_id in ids if job_id not in missing)
        asked.update((job_id, name) for job_id in ids)

    # In the families' order, each asked once for its own jobs and the unrouted ones not
    # found yet: N hinted jobs cost at most ceil(N / 100) GETs per family, strays aside.
    for name in enabled:
        if ids := routed[name] + [job_id for job_id in unrouted if job_id not in found]:
            ask(name, ids)
    # A job its family did not return (a webhook URL naming the wrong family, a job
    # mirrored under one family that Creatify now has under none): asked of the others.
    strays = [job_id for ids in routed.values() for job_id in ids if job_id not in found]
    for name in enabled:
        ids = [job_id for job_id in strays if job_id not in found and (job_id, name) not in asked]
        if ids:
            ask(name, ids)
    return routing


def _by_family(found: dict[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for job_id, family in found.items():
        grouped.setdefault(family, []).append(job_id)
    return grouped


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
        assert flow_id is not None  # excluded above
        newest.setdefault(flow_id, pk)
        if outcome == Outcome.FAILED:
            failed.append((pk, flow_id))
    result = Requeued()
    room = max(0, int(creatify_settings.WEBHOOK_MAX_PENDING) - pending_events().count())
    pending_jobs: set[uuid.UUID | None] = set()
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


def _pending_among(ids: list[uuid.UUID]) -> set[uuid.UUID | None]:
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
