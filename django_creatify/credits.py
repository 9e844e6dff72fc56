"""The account's credit balance, read from Creatify for pages and tasks.

:func:`read_balance` (and :func:`current_balance`, which also says why a balance is
unknown) reads ``GET /api/remaining_credits/`` at most once per ``CREDITS_CACHE_SECONDS``
per account, through Django's cache, so a busy admin page costs Creatify one call per
period whatever its traffic. A failure is cached for the same period: an unreachable
Creatify is not asked again on every page view. Neither function ever raises: a page
shows "unknown" rather than a 500.

A balance read fresh from Creatify below ``CREDITS_WARNING_THRESHOLD`` logs a warning and
sends :data:`django_creatify.signals.credits_low`; uses of the cached figure do not
repeat them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache

from .client import CreatifyClient
from .conf import creatify_settings
from .exceptions import CreatifyError, excerpt
from .signals import credits_low

logger = logging.getLogger(__name__)

CACHE_KEY = "django_creatify.credits"
# A page waits for one short attempt, never for the client's retries and backoff.
READ_TIMEOUT = (3.0, 5.0)


@dataclass(frozen=True)
class Balance:
    """``remaining`` credits, or None with ``error`` saying why they are unknown."""

    remaining: float | None
    error: str = ""

    @property
    def known(self) -> bool:
        return self.remaining is not None


def threshold() -> float | None:
    value = creatify_settings.CREDITS_WARNING_THRESHOLD
    return None if value is None else float(value)


def cache_key() -> str:
    # One entry per account and endpoint: a site switching keys, or tests pointing at
    # different sandboxes, never sees another account's balance.
    account = f"{creatify_settings.BASE_URL}|{creatify_settings.API_ID}"
    return f"{CACHE_KEY}:{hashlib.sha256(account.encode()).hexdigest()[:16]}"


def read_balance() -> float | None:
    """The remaining credits, or None (the error logged) when they cannot be read."""
    return current_balance().remaining


def current_balance() -> Balance:
    key = cache_key()
    try:
        cached = cache.get(key)
    except Exception:
        logger.exception("Could not read the Creatify credit balance from the cache")
        cached = None
    if isinstance(cached, dict):
        return Balance(cached.get("remaining"), cached.get("error", ""))
    return refresh_balance()


def refresh_balance() -> Balance:
    """Read the balance from Creatify now and cache it for the next readers."""
    balance = fetch_balance()
    try:
        cache.set(
            cache_key(),
            {"remaining": balance.remaining, "error": balance.error},
            float(creatify_settings.CREDITS_CACHE_SECONDS),
        )
    except Exception:
        logger.exception("Could not store the Creatify credit balance in the cache")
    return balance


def fetch_balance() -> Balance:
    """One call to Creatify, uncached; warns when the balance is low. Never raises."""
    try:
        with CreatifyClient(max_retries=0, timeout=READ_TIMEOUT) as client:
            remaining = client.remaining_credits()
    except CreatifyError as exc:
        logger.warning("Could not read the Creatify credit balance: %s", exc)
        # Staff read this on the overview; the design keeps keys out of every exception.
        return Balance(None, excerpt(str(exc), 200))
    except Exception:
        logger.exception("Could not read the Creatify credit balance")
        return Balance(None, "unexpected error (see the site's logs)")
    warn_if_low(remaining)
    return Balance(remaining)


def warn_if_low(remaining: float) -> bool:
    """Log and signal when ``remaining`` is below the threshold; whether it was."""
    limit = threshold()
    if limit is None or remaining >= limit:
        return False
    logger.warning(
        "Creatify credits are low: %s left, below the warning threshold of %s",
        f"{remaining:g}",
        f"{limit:g}",
    )
    for receiver, result in credits_low.send_robust(
        sender=CreatifyClient, remaining=remaining, threshold=limit
    ):
        if isinstance(result, Exception):
            logger.error(
                "A credits_low receiver failed: %r",
                receiver,
                exc_info=(type(result), result, result.__traceback__),
            )
    return True
