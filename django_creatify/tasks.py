"""Celery tasks that keep every family's mirror fresh: thin ``shared_task`` wrappers over
:mod:`.sync`, for any family by name (``"aurora"``, ``"lipsyncs"``...), plus Aurora's
tasks under the names they always had.

No Celery app of our own: the tasks bind to the host's. Arguments are JSON (ids as
strings) and results are ``SyncResult.as_dict()`` dicts.

On a worker the client does not retry in-process: a transient failure (network, 429,
5xx) becomes a Celery retry with a countdown, so waiting happens in the broker instead of
in a sleeping worker, and ``Retry-After`` sets the countdown. When Celery runs tasks
inline (``task_always_eager``, as in the demo) there is no broker to wait in, so the
client retries in-process as ``creatify_sync`` does. Anything else (credentials, a refused
request, an unreadable body, missing settings) fails at once with one log line.

Late acknowledgement: every task here is idempotent (running one twice writes the same
rows), so each is acknowledged only once it has finished (``acks_late``) and put back on
the queue when the process running it dies (``reject_on_worker_lost``): a worker killed
mid-task (SIGKILL, the OOM killer, a lost host) loses no work. A task delivered again says
so in a warning. What the host site configures for this:

- Redis or SQS broker: a dead worker's unacknowledged messages come back only after the
  transport's ``visibility_timeout`` (``CELERY_BROKER_TRANSPORT_OPTIONS``, default 3600 s),
  set the same on every worker. Keep it above the longest time a message can stay
  unacknowledged, or it is delivered a second time while the first copy still runs (or
  waits): a full sync (``SYNC_DEADLINE`` plus the writes), and a retry's countdown
  (``TASK_RETRY_BACKOFF_MAX``, 600 s by default: a worker holds a message with a countdown
  unacknowledged until it is due). Lower it for faster recovery, never below about 900 s
  with the default settings. When only a pool process dies, the worker requeues its task
  at once, whatever the broker.
- RabbitMQ: a dead worker's messages come back as soon as its connection closes; keep
  ``consumer_timeout`` (30 minutes by default) above the same bounds.
- ``CELERY_WORKER_PREFETCH_MULTIPLIER = 1``: a process then reserves only the message it
  runs, so a long full sync does not hold other tasks back and a dead worker strands as
  few messages as possible until they are redelivered.
- ``CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True``: when a worker
  loses the broker, its running tasks' messages are redelivered anyway; this stops the
  worker from finishing work that another worker will do again.
- Keep ``task_acks_on_failure_or_timeout`` at its default (``True``): a failed task is
  acknowledged; transient failures are retried by the task itself, with backoff.

A task that kills every worker that runs it would come back forever; the app's inputs
are bounded (body size, item size, duration) so that no listing can do that, and a loop
would show as a stream of "delivered again" warnings.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import group, shared_task
from celery.result import AsyncResult, EagerResult

from . import archive, credits, hint_store, hints, locks, retention, sync
from .client import MAX_IDS_PER_REQUEST, CreatifyClient, chunked, normalize_ids
from .conf import creatify_settings
from .exceptions import CreatifyError
from .families import AURORA, Family, enabled_families, get_family
from .task_runs import (  # noqa: F401 (LEASE_END_MARGIN: part of this module's API)
    LEASE_END_MARGIN,
    handle_failure,
    note_redelivery,
    retry_countdown,
    retry_when_lease_ends,
    runs_inline,
)

logger = logging.getLogger(__name__)

#: Aurora's full-sync lease; every family's is ``get_family(name).full_sync_lease``.
FULL_SYNC_LEASE = AURORA.full_sync_lease
REFRESH_MARK_PREFIX = "django_creatify.refresh_aurora_flow:"
HINT_DRAIN_LEASE = hint_store.DRAIN_LEASE

# Acknowledged when done, requeued when the process running them dies: see the module's
# docstring for what the host configures.
late_ack: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}
# Expected failures: the worker records them without a traceback; we log them ourselves.
task_options: dict[str, Any] = {"bind": True, "throws": (CreatifyError,), **late_ack}

__all__ = [
    "FULL_SYNC_LEASE",
    "archive_outputs",
    "full_sync_busy_message",
    "ran_inline",
    "refresh_active_aurora_flows",
    "refresh_active_jobs",
    "refresh_aurora_flow",
    "refresh_aurora_flows",
    "refresh_jobs",
    "request_hint_drain",
    "request_refresh",
    "retry_countdown",
    "sync_all_jobs",
    "sync_aurora_flows",
    "sync_jobs",
]


@shared_task(**task_options)
def sync_jobs(self, family: str, ids: list[str] | None = None, ordering=None) -> dict:
    """Sync every job of ``family`` (one GET of its list), or just ``ids``; one full sync
    of a family at a time.

    A full sync that finds another one running returns ``{"skipped": <who, until when>}``,
    except when it was delivered again after a lost delivery, which may be the lease's
    holder: then it tries again when that lease ends, unless its holder renews it.
    """
    return _sync(self, get_family(family), ids, ordering)


@shared_task(**task_options)
def sync_all_jobs(self) -> dict:
    """Queue a full sync of each enabled family (``CREATIFY['FAMILIES']``)."""
    note_redelivery(self)
    names = [family.name for family in enabled_families()]
    fanned_out = group([sync_jobs.s(name) for name in names]).apply_async()
    return {"families": names, "group_id": fanned_out.id}


@shared_task(**task_options)
def refresh_active_jobs(self, family: str | None = None) -> dict:
    """Fan the unfinished jobs of ``family`` (default: every enabled family) out as one
    ``refresh_jobs`` task per 100 ids.

    Also asks for a drain of pending webhook hints, so that none waits for another webhook.
    """
    families = enabled_families() if family is None else [get_family(family)]
    return _refresh_active(self, families)


@shared_task(**task_options)
def refresh_jobs(self, family: str, ids: list[str]) -> dict:
    """Re-read up to 100 jobs of ``family`` with one GET (``ids=``); write what changed."""
    note_redelivery(self)
    return _run(self, get_family(family), ids=ids)


@shared_task(**task_options)
def sync_aurora_flows(self, ids: list[str] | None = None, ordering: str | None = None) -> dict:
    """Aurora's :func:`sync_jobs`, by its name from before there were several families."""
    return _sync(self, AURORA, ids, ordering)


@shared_task(**task_options)
def refresh_active_aurora_flows(self) -> dict:
    """Aurora's :func:`refresh_active_jobs`."""
    return _refresh_active(self, [AURORA])


@shared_task(**task_options)
def refresh_aurora_flows(self, ids: list[str]) -> dict:
    """Aurora's :func:`refresh_jobs`."""
    note_redelivery(self)
    return _run(self, AURORA, ids=ids)


@shared_task(**task_options)
def refresh_aurora_flow(
    self, flow_id: str, coalesce_mark: str | None = None, family: str = AURORA.name
) -> dict:
    """Re-read one job. Queue it with :func:`request_refresh` to coalesce repeat requests."""
    note_redelivery(self)
    if coalesce_mark is not None:
        # Cleared on start, not on finish: a change after this point needs a new fetch.
        locks.release(_refresh_mark(flow_id), coalesce_mark)
    return _run(self, get_family(family), ids=[flow_id])


@shared_task(**task_options)
def process_webhook_hints(self, lease: str | None = None) -> dict:
    """Re-read the jobs of the pending webhook events, 100 ids a GET (:mod:`.hints`).

    Queue it with :func:`request_hint_drain`. ``lease``: the drain lease to give back on
    start, since hints arriving from then on are not in this run and need the next one.
    A transient failure leaves the events pending, with the error, and retries through
    the broker; any other failure, or one after the last retry, marks them failed. It
    does not raise for a Creatify failure: the events record it.
    """
    if lease is not None:
        locks.release(HINT_DRAIN_LEASE, lease)
    inline = runs_inline(self)
    max_retries = int(creatify_settings.TASK_MAX_RETRIES)
    retrying = not inline and self.request.retries < max_retries
    with CreatifyClient(max_retries=None if inline else 0) as client:
        drained = hints.drain_pending(client=client, keep_transient_pending=retrying)
    if retrying and drained.error is not None and drained.error.transient:
        countdown = retry_countdown(drained.error, self.request.retries)
        raise self.retry(exc=drained.error, countdown=countdown, max_retries=max_retries)
    return drained.as_dict()


@shared_task(**late_ack)
def purge_webhook_events(days: int | None = None) -> dict:
    """Delete webhook events past ``WEBHOOK_RETENTION_DAYS``, in batches."""
    return {"deleted": retention.purge_webhook_events(days)}


@shared_task(**late_ack)
def check_credits() -> dict:
    """Read the credit balance from Creatify now (warning and sending ``credits_low``
    when it is below ``CREDITS_WARNING_THRESHOLD``) and refresh the cached figure."""
    balance = credits.refresh_balance()
    limit = credits.threshold()
    low = balance.known and limit is not None and balance.remaining < limit  # type: ignore[operator]  # known: remaining is a number
    return {"remaining": balance.remaining, "low": low, "error": balance.error}


def _sync(task, family: Family, ids: list[str] | None, ordering: str | None) -> dict:
    redelivered = note_redelivery(task)
    if ids is not None:
        return _run(task, family, ids=ids, ordering=ordering)
    lease = family.full_sync_lease
    with locks.single_flight(lease, creatify_settings.SYNC_LOCK_TIMEOUT) as holder:
        if holder is None:
            busy = full_sync_busy_message(family)
            if redelivered:
                retry_when_lease_ends(task, lease, busy)
            return _skipped(busy)
        try:
            return _fetch_and_write(task, family, ordering=ordering)
        except CreatifyError as exc:
            failure = exc
    # Outside the lease, so that a retry the broker delivers at once is not itself skipped.
    handle_failure(task, failure)


def _refresh_active(task, families: list[Family]) -> dict:
    """One ``refresh_jobs`` task per 100 unfinished jobs of each family, as one group."""
    note_redelivery(task)
    if hints.has_pending():
        request_hint_drain()
    signatures = []
    active = 0
    for family in families:
        ids = sync.active_job_ids(family)
        active += len(ids)
        chunks = chunked(ids, MAX_IDS_PER_REQUEST)
        signatures += [refresh_jobs.s(family.name, chunk) for chunk in chunks]
    if not signatures:
        return {"active": 0, "chunks": 0, "group_id": None}
    fanned_out = group(signatures).apply_async()
    logger.info("Refreshing %d active Creatify job(s) in %d task(s)", active, len(signatures))
    return {"active": active, "chunks": len(signatures), "group_id": fanned_out.id}


def request_refresh(flow_id: str, family: Family | str = AURORA) -> AsyncResult | None:
    """Queue a refresh of one job unless one is queued and not started yet.

    For webhooks and the API, where a burst of hints about one job should cost one fetch.
    Returns the queued task, or ``None`` when an earlier request already covers this one.
    Call it after your transaction commits (``transaction.on_commit``).
    """
    (flow_id,) = normalize_ids([flow_id])
    family = get_family(family)
    name = _refresh_mark(flow_id)
    mark = locks.acquire(name, creatify_settings.REFRESH_COALESCE_TIMEOUT, lapse_expected=True)
    if mark is None:
        logger.debug("Refresh of Creatify job %s already queued; coalesced", flow_id)
        return None
    kwargs: dict[str, Any] = {"coalesce_mark": mark}
    if family is not AURORA:
        kwargs["family"] = family.name
    try:
        return refresh_aurora_flow.apply_async(args=[flow_id], kwargs=kwargs)
    except BaseException:
        locks.release(name, mark)
        raise


def full_sync_busy_message(family: Family | str = AURORA) -> str:
    """Why a full sync cannot start now: who holds its lease and when the lease ends."""
    family = get_family(family)
    label = "A full sync" if family is AURORA else f"A full {family.label} sync"
    return f"{label} is already running ({locks.describe(family.full_sync_lease)})"


def request_hint_drain() -> AsyncResult | None:
    """Queue ``process_webhook_hints`` unless a run is already waiting; ``None`` if so.

    A run is queued ``WEBHOOK_BATCH_INTERVAL`` seconds ahead, under a lease held for as
    long: hints arriving meanwhile join that run, so at most one drain message waits at
    a time and N hints cost ceil(N / 100) GETs per interval. When Celery runs tasks
    inline the run happens now and keeps the lease until it expires: hints arriving
    within the interval stay pending for the next drain (a later webhook's, the active
    refresh's, or ``creatify_webhooks --process-pending``). 0 disables the batching.
    Call it after your transaction commits (``transaction.on_commit``).
    """
    if hint_store.drain_requested():
        return None  # the common case under a flood: one indexed read
    interval = max(0.0, float(creatify_settings.WEBHOOK_BATCH_INTERVAL))
    holder = locks.acquire(HINT_DRAIN_LEASE, interval, lapse_expected=True)
    if holder is None:
        return None
    inline = bool(process_webhook_hints.app.conf.task_always_eager)
    try:
        return process_webhook_hints.apply_async(
            kwargs={"lease": None if inline else holder}, countdown=interval
        )
    except BaseException:
        locks.release(HINT_DRAIN_LEASE, holder)
        raise


def ran_inline(outcome: AsyncResult | None) -> bool:
    """Whether a queued task already ran in this process (eager mode) and succeeded.

    A real broker's result may have no result backend to ask, so look at the type only.
    """
    return isinstance(outcome, EagerResult) and outcome.successful()


def _run(task, family: Family, **sync_kwargs: Any) -> dict:
    try:
        return _fetch_and_write(task, family, **sync_kwargs)
    except CreatifyError as exc:
        handle_failure(task, exc)


def _fetch_and_write(task, family: Family, **sync_kwargs: Any) -> dict:
    in_process_retries = None if runs_inline(task) else 0
    with CreatifyClient(max_retries=in_process_retries) as client:
        return sync.sync_jobs(family, client=client, **sync_kwargs).as_dict()


def _skipped(reason: str) -> dict:
    logger.info("Creatify full sync skipped: %s", reason)
    return {"skipped": reason}


def _refresh_mark(flow_id: str) -> str:
    return REFRESH_MARK_PREFIX + flow_id


@shared_task(**task_options)
def archive_outputs(self, family: str, job_id: str) -> dict:
    """Copy a finished job's outputs into ``CREATIFY['ARCHIVE_STORAGE']`` (:mod:`.archive`);
    idempotent, so a redelivery only checks what is already kept."""
    note_redelivery(self)
    try:
        return archive.archive_job(get_family(family), job_id).as_dict()
    except CreatifyError as exc:
        handle_failure(self, exc)
