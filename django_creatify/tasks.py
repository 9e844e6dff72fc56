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

from . import locks, retention, sync
from .client import MAX_IDS_PER_REQUEST, CreatifyClient, chunked, normalize_ids
from .conf import creatify_settings
from .exceptions import CreatifyError

logger = logging.getLogger(__name__)

FULL_SYNC_LEASE = "django_creatify.sync_aurora_flows"
REFRESH_MARK_PREFIX = "django_creatify.refresh_aurora_flow:"

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
    """Fan the unfinished jobs out as one ``refresh_aurora_flows`` task per 100 ids."""
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


def _skipped(lease_name: str, reason: str) -> dict:
    lease = locks.current_holder(lease_name)
    if lease is not None:
        reason += f" ({lease.holder}, since {lease.acquired_at.isoformat()})"
    logger.info("Creatify full sync skipped: %s", reason)
    return {"skipped": reason}


def _refresh_mark(flow_id: str) -> str:
    return REFRESH_MARK_PREFIX + flow_id
