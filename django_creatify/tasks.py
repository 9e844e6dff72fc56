"""Celery tasks that keep the mirror fresh: thin ``shared_task`` wrappers over :mod:`.sync`.

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
import random
from typing import Any, NoReturn

from celery import group, shared_task
from celery.result import AsyncResult, EagerResult

from . import hint_store, hints, locks, retention, sync
from .client import MAX_IDS_PER_REQUEST, CreatifyClient, chunked, normalize_ids
from .conf import creatify_settings
from .exceptions import CreatifyError

logger = logging.getLogger(__name__)

FULL_SYNC_LEASE = "django_creatify.sync_aurora_flows"
REFRESH_MARK_PREFIX = "django_creatify.refresh_aurora_flow:"
HINT_DRAIN_LEASE = hint_store.DRAIN_LEASE

# A redelivered full sync that finds the lease held tries again this long after the
# lease's end, so that the end has passed on the worker's clock too.
LEASE_END_MARGIN = 1.0

# Acknowledged when done, requeued when the process running them dies: see the module's
# docstring for what the host configures.
late_ack: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}
# Expected failures: the worker records them without a traceback; we log them ourselves.
task_options: dict[str, Any] = {"bind": True, "throws": (CreatifyError,), **late_ack}


@shared_task(**task_options)
def sync_aurora_flows(self, ids: list[str] | None = None, ordering: str | None = None) -> dict:
    """Sync every job (one GET of the list), or just ``ids``; one full sync at a time.

    A full sync that finds another one running returns ``{"skipped": <who, until when>}``,
    except when it was delivered again after a lost delivery, which may be the lease's
    holder: then it tries again when that lease ends, unless its holder renews it.
    """
    redelivered = _note_redelivery(self)
    if ids is not None:
        return _run(self, ids=ids, ordering=ordering)
    with locks.single_flight(FULL_SYNC_LEASE, creatify_settings.SYNC_LOCK_TIMEOUT) as holder:
        if holder is None:
            busy = full_sync_busy_message()
            if redelivered:
                _retry_when_lease_ends(self, busy)
            return _skipped(busy)
        try:
            return _fetch_and_write(self, ordering=ordering)
        except CreatifyError as exc:
            failure = exc
    # Outside the lease, so that a retry the broker delivers at once is not itself skipped.
    _handle_failure(self, failure)


@shared_task(**task_options)
def refresh_active_aurora_flows(self) -> dict:
    """Fan the unfinished jobs out as one ``refresh_aurora_flows`` task per 100 ids.

    Also asks for a drain of pending webhook hints, so that none waits for another webhook.
    """
    _note_redelivery(self)
    if hints.has_pending():
        request_hint_drain()
    ids = sync.active_flow_ids()
    chunks = list(chunked(ids, MAX_IDS_PER_REQUEST))
    if not chunks:
        return {"active": 0, "chunks": 0, "group_id": None}
    fanned_out = group([refresh_aurora_flows.s(chunk) for chunk in chunks]).apply_async()
    logger.info("Refreshing %d active Creatify job(s) in %d task(s)", len(ids), len(chunks))
    return {"active": len(ids), "chunks": len(chunks), "group_id": fanned_out.id}


@shared_task(**task_options)
def refresh_aurora_flows(self, ids: list[str]) -> dict:
    """Re-read up to 100 jobs with one GET (``ids=``) and write what changed."""
    _note_redelivery(self)
    return _run(self, ids=ids)


@shared_task(**task_options)
def refresh_aurora_flow(self, flow_id: str, coalesce_mark: str | None = None) -> dict:
    """Re-read one job. Queue it with :func:`request_refresh` to coalesce repeat requests."""
    _note_redelivery(self)
    if coalesce_mark is not None:
        # Cleared on start, not on finish: a change after this point needs a new fetch.
        locks.release(_refresh_mark(flow_id), coalesce_mark)
    return _run(self, ids=[flow_id])


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
    inline = _runs_inline(self)
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


def request_refresh(flow_id: str) -> AsyncResult | None:
    """Queue ``refresh_aurora_flow(flow_id)`` unless one is queued and not started yet.

    For webhooks and the API, where a burst of hints about one job should cost one fetch.
    Returns the queued task, or ``None`` when an earlier request already covers this one.
    Call it after your transaction commits (``transaction.on_commit``).
    """
    (flow_id,) = normalize_ids([flow_id])
    name = _refresh_mark(flow_id)
    mark = locks.acquire(name, creatify_settings.REFRESH_COALESCE_TIMEOUT)
    if mark is None:
        logger.debug("Refresh of Creatify job %s already queued; coalesced", flow_id)
        return None
    try:
        return refresh_aurora_flow.apply_async(args=[flow_id], kwargs={"coalesce_mark": mark})
    except BaseException:
        locks.release(name, mark)
        raise


def full_sync_busy_message() -> str:
    """Why a full sync cannot start now: who holds its lease and when the lease ends."""
    return f"A full sync is already running ({locks.describe(FULL_SYNC_LEASE)})"


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
    holder = locks.acquire(HINT_DRAIN_LEASE, interval)
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


def retry_countdown(exc: CreatifyError, retries: int) -> float:
    """Seconds before retry number ``retries + 1``: ``Retry-After`` if sent, else backoff."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        return min(float(retry_after), float(creatify_settings.RETRY_AFTER_MAX))
    ceiling = min(
        float(creatify_settings.TASK_RETRY_BACKOFF_MAX),
        float(creatify_settings.TASK_RETRY_BACKOFF) * 2**retries,
    )
    # Equal jitter: at least half the backoff, so chunks that failed together spread out.
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not secrets)


def _run(task, **sync_kwargs: Any) -> dict:
    try:
        return _fetch_and_write(task, **sync_kwargs)
    except CreatifyError as exc:
        _handle_failure(task, exc)


def _fetch_and_write(task, **sync_kwargs: Any) -> dict:
    in_process_retries = None if _runs_inline(task) else 0
    with CreatifyClient(max_retries=in_process_retries) as client:
        return sync.sync_aurora_flows(client=client, **sync_kwargs).as_dict()


def _runs_inline(task) -> bool:
    return bool(task.app.conf.task_always_eager)


def _handle_failure(task, exc: CreatifyError) -> NoReturn:
    """Retry a transient failure through the broker; log anything else once and re-raise."""
    retries = task.request.retries
    max_retries = int(creatify_settings.TASK_MAX_RETRIES)
    if not exc.transient:
        logger.error("%s failed, not retrying: %s", task.name, exc)
        raise exc
    if _runs_inline(task):
        logger.error("%s failed after the client's retries: %s", task.name, exc)
        raise exc
    if retries >= max_retries:
        logger.error("%s failed after %d retries, giving up: %s", task.name, retries, exc)
        raise exc
    countdown = retry_countdown(exc, retries)
    logger.warning(
        "%s: %s; retry %d/%d in %.1fs", task.name, exc, retries + 1, max_retries, countdown
    )
    raise task.retry(exc=exc, countdown=countdown, max_retries=max_retries)


def _skipped(reason: str) -> dict:
    logger.info("Creatify full sync skipped: %s", reason)
    return {"skipped": reason}


def _note_redelivery(task) -> bool:
    """Log, and say, whether this is a message delivered again after going unacknowledged."""
    if not (task.request.delivery_info or {}).get("redelivered"):
        return False
    logger.warning(
        "%s[%s] delivered again: an earlier delivery was never acknowledged (its worker "
        "was killed, lost the broker or shut down before running it); running it again",
        task.name,
        task.request.id,
    )
    return True


def _retry_when_lease_ends(task, busy: str) -> NoReturn:
    lease = locks.current_holder(FULL_SYNC_LEASE)
    left = 0.0 if lease is None else (lease.expires_at - locks.now()).total_seconds()
    countdown = max(left, 0.0) + LEASE_END_MARGIN
    logger.warning(
        "%s: %s, perhaps the lost delivery's; trying again in %.1fs, when the lease ends "
        "unless its holder is alive and renews it",
        task.name,
        busy,
        countdown,
    )
    # Not a failure: allowed whatever retries the task has used.
    raise task.retry(countdown=countdown, max_retries=task.request.retries + 1)


def _refresh_mark(flow_id: str) -> str:
    return REFRESH_MARK_PREFIX + flow_id
