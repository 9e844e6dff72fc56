"""The one place that writes mirror rows.

Per batch of items: one query reads the existing rows (locked on databases that can),
one transaction writes the new rows and the changed ones, and nothing else is touched.
Fetching finishes before the first write, so a failed request changes no row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import router, transaction
from django.db.models import Q
from django.utils import timezone

from . import bulk
from .client import CreatifyClient, chunked
from .conf import creatify_settings
from .exceptions import PayloadError
from .models import AuroraFlow
from .payloads import MIRRORED_FIELDS, ParsedFlow, SkippedItem, create_body, parse_flows
from .signals import aurora_status_changed
from .webhook_urls import default_webhook_url

logger = logging.getLogger(__name__)

WRITTEN_FIELDS: tuple[str, ...] = (
    *MIRRORED_FIELDS,
    "raw",
    "synced_at",
    "editor_url_fetched_at",
    "missing_since",
)
# What the compare step needs of an existing row; never the whole row.
COMPARED_FIELDS = (
    "id",
    "raw",
    "updated_at",
    "status",
    "editor_url",
    "editor_url_fetched_at",
    "missing_since",
)
MISSING_SCAN_CHUNK = 2000
# Enough to show what went wrong; a listing of 100,000 broken items must not fill memory.
MAX_SKIPPED_KEPT = 1000


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    #: Items older (``updated_at``) than the mirrored row: ignored, counted apart.
    stale: int = 0
    #: Rows a full listing no longer contains, newly marked ``missing_since``.
    missing: int = 0
    requests: int = 0
    skipped_items: list[SkippedItem] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated

    def merge(self, other: SyncResult) -> SyncResult:
        for name in ("created", "updated", "unchanged", "skipped", "stale", "missing", "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped_items.extend(other.skipped_items)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "stale": self.stale,
            "missing": self.missing,
            "requests": self.requests,
            "skipped_reasons": [str(item) for item in self.skipped_items[:50]],
        }

    def __str__(self) -> str:
        text = (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"skipped {self.skipped}"
        )
        if self.stale:
            text += f", stale {self.stale}"
        if self.missing:
            text += f", missing {self.missing}"
        return text


@dataclass(frozen=True, slots=True)
class Transition:
    flow: AuroraFlow
    previous_status: str | None
    status: str


def sync_aurora_flows(
    ids: Iterable[str | uuid.UUID] | None = None,
    ordering: str | None = None,
    *,
    client: CreatifyClient | None = None,
) -> SyncResult:
    """Fetch all jobs (or ``ids``, 100 per request) and write what changed.

    Without ``ids`` the fetch is a complete listing, so rows it lacks get ``missing_since``.
    """
    ids = None if ids is None else list(ids)
    if ids is not None and not ids:
        return SyncResult()
    owns_client = client is None
    client = client or CreatifyClient()
    requests_before = client.request_count
    try:
        if ids is None:
            # Streamed: the client checks the whole body before yielding the first item.
            items = client.iter_aurora(ordering=ordering)
        else:
            items = client.list_aurora(ids=ids, ordering=ordering)
        result = apply_aurora_payloads(items, complete_listing=ids is None)
    finally:
        if owns_client:
            client.close()
    result.requests = client.request_count - requests_before
    return result


def refresh_active_aurora_flows(*, client: CreatifyClient | None = None) -> SyncResult:
    """Re-read every unfinished job that Creatify still lists, with ``ids=`` in chunks of 100."""
    return sync_aurora_flows(ids=active_flow_ids(), client=client)


def active_flow_ids() -> list[str]:
    rows = AuroraFlow.objects.active().filter(missing_since__isnull=True).order_by("pk")
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


def apply_aurora_payloads(items: Iterable[Any], *, complete_listing: bool = False) -> SyncResult:
    """Write remote items into the mirror, a batch at a time, as they are read.

    ``items`` must come from the authenticated API. With ``complete_listing`` they are
    every job Creatify has, so mirrored rows they lack are marked missing; pass them as a
    lazy iterator (as ``sync_aurora_flows`` does), so that the listing is fetched after
    this reads the clock: rows written since then are not taken as missing.
    """
    result = SyncResult()
    now = timezone.now()
    seen: set[uuid.UUID] = set()
    batch_size = creatify_settings.SYNC_BATCH_SIZE
    using = router.db_for_write(AuroraFlow)
    for start, batch in enumerate(batched(items, batch_size)):
        listed, indexes, changed = _drop_unchanged(batch, start * batch_size, using)
        seen.update(listed)
        result.unchanged += len(batch) - len(changed)
        parsed = parse_flows(changed, indexes=indexes)
        for item in parsed.skipped:
            logger.warning("Creatify sync skipped %s", item)
        result.skipped += len(parsed.skipped)
        room = MAX_SKIPPED_KEPT - len(result.skipped_items)
        result.skipped_items.extend(parsed.skipped[: max(room, 0)])
        if parsed.flows:
            _write_batch(parsed.flows, now, result)
            seen.update(flow.id for flow in parsed.flows)
    if complete_listing:
        result.missing = _mark_missing(seen, now)
    return result


def create_aurora_flow(*, created_by=None, client: CreatifyClient | None = None, **fields: Any):
    """Create a job at Creatify from the create fields and mirror Creatify's answer.

    Without an explicit ``webhook_url``, a job gets this site's webhook endpoint when
    ``WEBHOOK_BASE_URL`` and a secret are configured.
    """
    body = create_body(**fields)
    if "webhook_url" not in body and (own_webhook := default_webhook_url()):
        body["webhook_url"] = own_webhook
    owns_client = client is None
    client = client or CreatifyClient()
    try:
        created = client.create_aurora(**body)
    finally:
        if owns_client:
            client.close()
    return record_created_flow(created, created_by=created_by)


def record_created_flow(payload: dict[str, Any], *, created_by=None) -> AuroraFlow:
    """Mirror the job Creatify just created (its 201 body) and note who asked for it."""
    result = apply_aurora_payloads([payload])
    if result.skipped:
        raise PayloadError(
            f"Creatify's answer to a create is unreadable: {result.skipped_items[0]}"
        )
    flow_id = uuid.UUID(str(payload["id"]))
    if created_by is not None:
        # A separate write: created_by is the site's own fact, never part of a sync's fields.
        AuroraFlow.objects.filter(pk=flow_id, created_by__isnull=True).update(created_by=created_by)
    return AuroraFlow.objects.get(pk=flow_id)


def _drop_unchanged(
    batch: list[Any], start_index: int, using: str
) -> tuple[set[uuid.UUID], list[int], list[Any]]:
    """The batch's ids, and the items whose payload differs from the stored one with their
    listing positions.

    One query reads the stored payloads of the batch, so an unchanged resync costs a
    comparison per item and no parsing; the write step re-reads the changed rows locked.
    """
    keyed = [(_quick_id(item), index, item) for index, item in enumerate(batch, start_index)]
    ids = {flow_id for flow_id, _, _ in keyed if flow_id is not None}
    stored = (
        dict(
            AuroraFlow.objects.using(using)
            .filter(pk__in=ids, missing_since__isnull=True)
            .values_list("pk", "raw")
        )
        if ids
        else {}
    )
    kept = [(index, item) for flow_id, index, item in keyed if stored.get(flow_id) != item]
    return ids, [index for index, _ in kept], [item for _, item in kept]


def _quick_id(item: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(item["id"]) if isinstance(item, dict) else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _InsertRaced(Exception):
    """Another transaction inserted a row that this batch read as new."""


def _write_batch(flows: list[ParsedFlow], now: datetime, result: SyncResult) -> None:
    latest = _newest_per_id(flows)
    result.unchanged += len(flows) - len(latest)
    using = router.db_for_write(AuroraFlow)
    # Rows that do not exist yet cannot be locked, so two syncs (two workers, a webhook's
    # refresh, an API create) can both read a job as new. The second INSERT waits for the
    # first to commit and then inserts nothing; that batch is rolled back and done again,
    # now reading the row like any existing one. So a job's creation is announced once, and
    # a later write announces the transition from the status it really replaced. Each retry
    # finds at least one more of the batch's rows existing, so the retries are bounded.
    for _attempt in range(len(latest) + 1):
        try:
            result.merge(_write_batch_once(latest, now, using))
            return
        except _InsertRaced:
            continue
    raise RuntimeError("Creatify sync: rows kept appearing under a batch; gave up")


def _write_batch_once(latest: dict[uuid.UUID, ParsedFlow], now: datetime, using: str) -> SyncResult:
    result = SyncResult()
    to_create: list[AuroraFlow] = []
    to_update: list[AuroraFlow] = []
    transitions: list[Transition] = []
    with transaction.atomic(using=using):
        existing = {
            row["id"]: row
            for row in AuroraFlow.objects.using(using)
            .select_for_update()
            .filter(id__in=list(latest))
            .order_by("pk")
            .values(*COMPARED_FIELDS)
        }
        for flow in latest.values():
            row = existing.get(flow.id)
            if row is None:
                obj = _build(
                    flow, now, editor_url_fetched_at=now if flow.values["editor_url"] else None
                )
                to_create.append(obj)
                transitions.append(Transition(obj, None, obj.status))
                continue
            if _is_older(flow, row):
                result.stale += 1
                continue
            if row["raw"] == flow.raw and row["missing_since"] is None:
                result.unchanged += 1
                continue
            obj = _build(flow, now, editor_url_fetched_at=_editor_url_fetched_at(flow, row, now))
            to_update.append(obj)
            if row["status"] != obj.status:
                transitions.append(Transition(obj, row["status"], obj.status))
        # In key order, so that two batches inserting the same new rows cannot deadlock.
        to_create.sort(key=lambda obj: obj.pk)
        if bulk.insert_rows(to_create, WRITTEN_FIELDS, using=using) != len(to_create):
            raise _InsertRaced  # rolls this batch back; _write_batch does it again
        bulk.update_rows(to_update, WRITTEN_FIELDS, using=using)
        if transitions and aurora_status_changed.has_listeners(AuroraFlow):
            transaction.on_commit(lambda: _announce(transitions), using=using)
    result.created += len(to_create)
    result.updated += len(to_update)
    return result


def _newest_per_id(flows: list[ParsedFlow]) -> dict[uuid.UUID, ParsedFlow]:
    latest: dict[uuid.UUID, ParsedFlow] = {}
    for flow in flows:
        current = latest.get(flow.id)
        if current is None or not _is_older(flow, {"updated_at": current.values["updated_at"]}):
            latest[flow.id] = flow
    return latest


def _is_older(flow: ParsedFlow, row: dict[str, Any]) -> bool:
    incoming, stored = flow.values["updated_at"], row["updated_at"]
    return incoming is not None and stored is not None and incoming < stored


def _editor_url_fetched_at(flow: ParsedFlow, row: dict[str, Any], now: datetime) -> datetime | None:
    url = flow.values["editor_url"]
    if not url:
        return None
    if url == row["editor_url"] and row["editor_url_fetched_at"] is not None:
        return row["editor_url_fetched_at"]
    return now


def _build(
    flow: ParsedFlow, now: datetime, *, editor_url_fetched_at: datetime | None
) -> AuroraFlow:
    return AuroraFlow(
        id=flow.id,
        raw=flow.raw,
        synced_at=now,
        editor_url_fetched_at=editor_url_fetched_at,
        missing_since=None,
        **flow.values,
    )


def _mark_missing(seen: set[uuid.UUID], now: datetime) -> int:
    # Only rows nothing has written since this sync started (``now``, read before the
    # listing was fetched): a job created meanwhile through the API, a webhook's refresh or
    # another sync is absent from the listing because it is new, not because it is gone.
    unwritten = Q(synced_at__isnull=True) | Q(synced_at__lt=now)
    present = AuroraFlow.objects.filter(unwritten, missing_since__isnull=True)
    gone = [
        pk
        for pk in present.values_list("pk", flat=True).iterator(chunk_size=MISSING_SCAN_CHUNK)
        if pk not in seen
    ]
    marked = 0
    for chunk in chunked(gone, creatify_settings.SYNC_BATCH_SIZE):
        marked += AuroraFlow.objects.filter(
            unwritten, pk__in=chunk, missing_since__isnull=True
        ).update(missing_since=now)
    if marked:
        logger.info("Creatify no longer lists %d mirrored job(s); marked missing", marked)
    return marked


def _announce(transitions: list[Transition]) -> None:
    for transition in transitions:
        responses = aurora_status_changed.send_robust(
            sender=AuroraFlow,
            flow=transition.flow,
            previous_status=transition.previous_status,
            status=transition.status,
        )
        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error(
                    "aurora_status_changed receiver %r failed for job %s",
                    receiver,
                    transition.flow.pk,
                    exc_info=response,
                )
