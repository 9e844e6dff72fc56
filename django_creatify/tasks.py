"""Celery tasks that keep the mirror fresh: thin ``shared_task`` wrappers over :mod:`.sync`.

No Celery app of our own: the tasks bind to the host's. Arguments are JSON (ids as
strings) and results are ``SyncResult.as_dict()`` dicts.

On a worker the client does not retry in-process: a transient failure (network, 429,
5xx) becomes a Celery retry with a countdown, so waiting happens in the broker instead of
in a sleeping worker, and ``Retry-After`` sets the countdown. When Celery runs tasks
inline (``task_always_eager``, as in the demo) there is no broker to wait in, so the
client retries in-process as ``creatify_sync`` does. Anything else (credentials, a refused
request, an unreadable body, missing settings) fails at once with one log line.
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
from .exceptions import CreatifyError, RateLimitedError, ServerError, TransportError

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (TransportError, RateLimitedError, ServerError)
FULL_SYNC_LEASE = "django_creatify.sync_aurora_flows"
REFRESH_MARK_PREFIX = "django_creatify.refresh_aurora_flow:"
HINT_DRAIN_LEASE = hint_store.DRAIN_LEASE

# Expected failures: the worker records them without a traceback; we log them ourselves.
task_options: dict[str, Any] = {"bind": True, "throws": (CreatifyError,)}


@shared_task(**task_options)
def sync_aurora_flows(self, ids: list[str] | None = None, ordering: str | None = None) -> dict:
    """Sync every job (one GET of the list), or just ``ids``; one full sync at a time."""
    if ids is not None:
        return _run(self, ids=ids, ordering=ordering)
    with locks.single_flight(FULL_SYNC_LEASE, creatify_settings.SYNC_LOCK_TIMEOUT) as holder:
        if holder is None:
            return _skipped(FULL_SYNC_LEASE, "another full sync is running")
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
    return _run(self, ids=ids)


@shared_task(**task_options)
def refresh_aurora_flow(self, flow_id: str, coalesce_mark: str | None = None) -> dict:
    """Re-read one job. Queue it with :func:`request_refresh` to coalesce repeat requests."""
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
    retrying = () if inline or self.request.retries >= max_retries else TRANSIENT_ERRORS
    with CreatifyClient(max_retries=None if inline else 0) as client:
        drained = hints.drain_pending(client=client, keep_pending_on=retrying)
    if drained.error is not None and isinstance(drained.error, retrying):
        countdown = retry_countdown(drained.error, self.request.retries)
        raise self.retry(exc=drained.error, countdown=countdown, max_retries=max_retries)
    return drained.as_dict()


@shared_task
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
    if not isinstance(exc, TRANSIENT_ERRORS):
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


def _skipped(lease_name: str, reason: str) -> dict:
    lease = locks.current_holder(lease_name)
    if lease is not None:
        reason += f" ({lease.holder}, since {lease.acquired_at.isoformat()})"
    logger.info("Creatify full sync skipped: %s", reason)
    return {"skipped": reason}


def _refresh_mark(flow_id: str) -> str:
    return REFRESH_MARK_PREFIX + flow_id
