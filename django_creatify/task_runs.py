"""How the tasks run: retries through the broker, redelivery, inline mode."""

from __future__ import annotations

import logging
import random
from typing import NoReturn

from . import locks
from .conf import creatify_settings
from .exceptions import CreatifyError

logger = logging.getLogger("django_creatify.tasks")

# A redelivered full sync that finds the lease held tries again this long after the
# lease's end, so that the end has passed on the worker's clock too.
LEASE_END_MARGIN = 1.0


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


def runs_inline(task) -> bool:
    return bool(task.app.conf.task_always_eager)


def handle_failure(task, exc: CreatifyError) -> NoReturn:
    """Retry a transient failure through the broker; log anything else once and re-raise."""
    retries = task.request.retries
    max_retries = int(creatify_settings.TASK_MAX_RETRIES)
    if not exc.transient:
        logger.error("%s failed, not retrying: %s", task.name, exc)
        raise exc
    if runs_inline(task):
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


def note_redelivery(task) -> bool:
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


def retry_when_lease_ends(task, lease_name: str, busy: str) -> NoReturn:
    lease = locks.current_holder(lease_name)
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
