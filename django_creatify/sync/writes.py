"""Writing one batch of parsed jobs: one locked read, one insert, one update.

Tuned for speed (``benchmarks/sync_benchmark.py`` guards it): only what the compare step
needs is read of existing rows, and model instances are built only for signal receivers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from django.db import transaction

from ..payloads import ParsedJob
from .bulk import InsertConflict, JobRow, MirrorTable
from .result import SyncResult
from .transitions import Transition, announce, has_listeners

# What the compare step needs of an existing row; never the whole row.
COMPARED_FIELDS = (
    "id",
    "raw",
    "raw_digest",
    "updated_at",
    "status",
    "editor_url",
    "editor_url_fetched_at",
    "missing_since",
)


class ComparedRow(TypedDict):
    """What the compare step reads of an existing row (``COMPARED_FIELDS``)."""

    id: uuid.UUID
    raw: object
    raw_digest: str
    updated_at: datetime | None
    status: str
    editor_url: str | None
    editor_url_fetched_at: datetime | None
    missing_since: datetime | None


def write_latest(
    latest: dict[uuid.UUID, ParsedJob],
    now: datetime,
    result: SyncResult,
    table: MirrorTable,
    *,
    stored: dict[Any, str | None] | None = None,
) -> None:
    """Write a batch (the newest item of each job, :func:`newest_per_id`) in its own
    transaction; ``stored`` (keys read before the listing) spares the locked read of rows
    that did not exist then."""
    if stored is None:
        existed = list(latest)
    else:
        key = table.key
        existed = [job_id for job_id in latest if key(job_id) in stored]
    # Rows that do not exist yet cannot be locked, so two syncs (two workers, a webhook's
    # refresh, an API create) can both read a job as new. The second INSERT waits for the
    # first to commit and then conflicts; that batch is rolled back and done again, now
    # reading every row like an existing one. So a job's creation is announced once, and a
    # later write announces the transition from the status it really replaced. A row that
    # does not exist when read can still be inserted by another writer before this batch
    # inserts it; each retry finds at least one more of the batch's rows existing, so the
    # retries are bounded.
    for _attempt in range(len(latest) + 1):
        try:
            result.merge(_write_batch_once(latest, existed, now, table))
            return
        except InsertConflict:
            existed = list(latest)
    raise RuntimeError("Creatify sync: rows kept appearing under a batch; gave up")


def _write_batch_once(
    latest: dict[uuid.UUID, ParsedJob], existed: list[uuid.UUID], now: datetime, table: MirrorTable
) -> SyncResult:
    result = SyncResult()
    using = table.using
    to_create: list[JobRow] = []
    to_update: list[JobRow] = []
    # Unchanged payloads listed in other bytes (reformatted, or digested by an earlier
    # version): their new digest is stored, so the next listing recognises them unread.
    redigested: list[tuple[uuid.UUID, str]] = []
    transitions: list[Transition] = []
    announcing = has_listeners(table.model)
    with transaction.atomic(using=using):
        existing: dict[uuid.UUID, ComparedRow] = {}
        if existed:
            rows = (
                table.model._default_manager.using(using)
                .select_for_update()
                .filter(id__in=existed)
                .order_by("pk")
                .values(*COMPARED_FIELDS)
            )
            existing = {row["id"]: row for row in cast("Iterable[ComparedRow]", rows)}
        for job in latest.values():
            row = existing.get(job.id)
            if row is None:
                created = new_row(job, now)
                to_create.append(created)
                if announcing:
                    transitions.append(Transition.creation(created))
                continue
            if _is_older(job, row):
                result.stale += 1
                continue
            if row["missing_since"] is None and _same_payload(job, row):
                result.unchanged += 1
                if job.digest and job.digest != row["raw_digest"]:
                    redigested.append((job.id, job.digest))
                continue
            updated = JobRow(job, now, _editor_url_fetched_at(job, row, now))
            to_update.append(updated)
            if announcing and row["status"] != job.values["status"]:
                transitions.append(Transition(updated, row["status"], job.values["status"]))
        # In key order, so that two batches inserting the same new rows cannot deadlock.
        to_create.sort(key=lambda created: created.job.id.int)
        table.insert(to_create)  # InsertConflict rolls this batch back
        table.update(to_update)
        table.set_digests(redigested)
        if transitions:
            model = table.model
            transaction.on_commit(lambda: announce(model, transitions), using=using)
    result.created += len(to_create)
    result.updated += len(to_update)
    return result


def new_row(job: ParsedJob, now: datetime) -> JobRow:
    """The row of a job not mirrored yet; its editor link, if any, fetched ``now``."""
    return JobRow(job, now, now if job.values["editor_url"] else None)


def _same_payload(job: ParsedJob, row: ComparedRow) -> bool:
    # Equal digests are equal bytes; otherwise the bytes may still hold the same JSON.
    return (bool(job.digest) and job.digest == row["raw_digest"]) or job.raw == row["raw"]


def newest_per_id(jobs: list[ParsedJob]) -> dict[uuid.UUID, ParsedJob]:
    latest: dict[uuid.UUID, ParsedJob] = {}
    for job in jobs:
        current = latest.get(job.id)
        if current is None or not _is_older(job, {"updated_at": current.values["updated_at"]}):
            latest[job.id] = job
    return latest


def _is_older(job: ParsedJob, row: Mapping[str, Any]) -> bool:
    incoming, stored = job.values["updated_at"], row["updated_at"]
    return incoming is not None and stored is not None and incoming < stored


def _editor_url_fetched_at(job: ParsedJob, row: ComparedRow, now: datetime) -> datetime | None:
    url = job.values["editor_url"]
    if not url:
        return None
    if url == row["editor_url"] and row["editor_url_fetched_at"] is not None:
        return row["editor_url_fetched_at"]
    return now
