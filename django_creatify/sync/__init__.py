"""The one place that writes mirror rows, for every job family.

- :mod:`.pipeline`: listings (and decoded items) -> batches; the missing-job rule.
- :mod:`.writes`: one batch: a locked read, one insert, one update.
- :mod:`.bulk`: the family's table, written straight through the driver.
- :mod:`.missing`, :mod:`.transitions`, :mod:`.result`: what a sync marks, announces, reports.
- :mod:`.creation`: create, preview and render calls, mirrored through the pipeline.

Aurora's names from before there were several families (``sync_aurora_flows`` and the
rest) stay: they are the Aurora family's calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ..client import CreatifyClient
from ..families import AURORA
from .creation import (
    create_aurora_flow,
    create_job,
    record_created_flow,
    record_created_job,
    render_job,
)
from .pipeline import (
    active_job_ids,
    apply_listings,
    apply_payloads,
    refresh_active_jobs,
    sync_jobs,
)
from .result import SyncResult


def sync_aurora_flows(
    ids: Iterable[str | uuid.UUID] | None = None,
    ordering: str | None = None,
    *,
    client: CreatifyClient | None = None,
) -> SyncResult:
    """Fetch every Aurora job (or ``ids``) and write what changed: see :func:`sync_jobs`."""
    return sync_jobs(AURORA, ids, ordering, client=client)


def refresh_active_aurora_flows(*, client: CreatifyClient | None = None) -> SyncResult:
    return refresh_active_jobs(AURORA, client=client)


def active_flow_ids() -> list[str]:
    return active_job_ids(AURORA)


def apply_aurora_payloads(items: Iterable[Any], *, complete_listing: bool = False) -> SyncResult:
    return apply_payloads(AURORA, items, complete_listing=complete_listing)


__all__ = [
    "SyncResult",
    "active_flow_ids",
    "active_job_ids",
    "apply_aurora_payloads",
    "apply_listings",
    "apply_payloads",
    "create_aurora_flow",
    "create_job",
    "record_created_flow",
    "record_created_job",
    "refresh_active_aurora_flows",
    "refresh_active_jobs",
    "render_job",
    "sync_aurora_flows",
    "sync_jobs",
]
