"""A documented payload of each job family, as Creatify's list endpoints send them: a
running job built by :mod:`tests.job_payloads`, the one builder of test payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .job_payloads import payload as built

# Recent, so that a finished job's outputs are still within Creatify's retention.
_CREATED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
CREATED = _CREATED.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
UPDATED = (_CREATED + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def later_than(stamp: str, minutes: int = 55) -> str:
    """A Creatify time ``minutes`` after ``stamp``."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def payload(family: str, **overrides: Any) -> dict[str, Any]:
    """A running job of ``family`` created at :data:`CREATED`; ``overrides`` replace fields."""
    return built(
        family,
        status=overrides.pop("status", "running"),
        **{"created_at": CREATED, "updated_at": UPDATED, "name": f"{family} job", **overrides},
    )
