"""The one place that writes mirror rows.

A listing is read in two passes. The first checks the whole body and sorts its items:
an item whose bytes have the digest stored with its row is unchanged and is not even
decoded; the others are noted by position. Only then, once nothing can turn out to be
malformed, does the second pass decode the noted items and write them, a batch per
transaction: one query locks and reads the batch's existing rows, one statement inserts
the new ones and one updates the changed ones. A failed request or a bad body changes
no row.
"""

from __future__ import annotations

import logging
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from .bulk import FlowRow, FlowWriter, InsertConflict, storage_key, stored_digests
from .client import MAX_IDS_PER_REQUEST, CreatifyClient, chunked, normalize_ids
from .conf import creatify_settings
from .exceptions import PayloadError
from .listing import RECOGNISED, JsonArrayBody, ListedItem, Unreadable
from .models import AuroraFlow
from .payloads import FieldRejected, ParsedFlow, SkippedItem, create_body, parse_flow, parse_flows
from .signals import aurora_status_changed
from .webhook_urls import default_webhook_url

logger = logging.getLogger(__name__)

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
MISSING_SCAN_CHUNK = 2000
# Items decoded while a listing is checked are kept for writing up to this many bytes of
# JSON (a few times that in memory); past it they are decoded again from the spooled body.
KEEP_DECODED_BYTES = 16 * 1024 * 1024
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
    #: Rows a full listing lacked but that were not marked, because the listing looked like
    #: a glitch (empty, or lacking more than ``SYNC_MISSING_MAX_SHARE`` of the mirror).
    missing_withheld: int = 0
    requests: int = 0
    skipped_items: list[SkippedItem] = field(default_factory=list)
    #: With ``ids``: those Creatify did not return (it does not know them). Nothing is
    #: written for them. Left empty by a full sync.
    not_found: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated

    def merge(self, other: SyncResult) -> SyncResult:
        for name in (
            "created",
            "updated",
            "unchanged",
            "skipped",
            "stale",
            "missing",
            "missing_withheld",
            "requests",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped_items.extend(other.skipped_items)
        return self

    def skip(self, items: list[SkippedItem]) -> None:
        for item in items:
            logger.warning("Creatify sync skipped %s", item)
        self.skipped += len(items)
        room = MAX_SKIPPED_KEPT - len(self.skipped_items)
        self.skipped_items.extend(items[: max(room, 0)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "stale": self.stale,
            "missing": self.missing,
            "missing_withheld": self.missing_withheld,
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
        if self.missing_withheld:
            text += f", {self.missing_withheld} not marked missing (the listing looks incomplete)"
        return text


@dataclass(frozen=True, slots=True)
class Transition:
    row: FlowRow
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
    wanted = None if ids is None else normalize_ids(ids)
    if wanted is not None and not wanted:
        return SyncResult()
    # Read before the listing is fetched: rows written after this are not taken as missing.
    started = timezone.now()
    owns_client = client is None
    client = client or CreatifyClient()
    requests_before = client.request_count
    try:
        with ExitStack() as bodies:
            chunks = [None] if wanted is None else chunked(wanted, MAX_IDS_PER_REQUEST)
            # Every response is in before the first write.
            listings = [
                bodies.enter_context(client.open_aurora_listing(ids=chunk, ordering=ordering))
                for chunk in chunks
            ]
            result = apply_listings(listings, started=started, ids=wanted)
    finally:
        if owns_client:
            client.close()
    result.requests = client.request_count - requests_before
    return result


def refresh_active_aurora_flows(*, client: CreatifyClient | None = None) -> SyncResult:
    """Re-read every unfinished job, with ``ids=`` in chunks of 100."""
    return sync_aurora_flows(ids=active_flow_ids(), client=client)


def active_flow_ids() -> list[str]:
    """Every unfinished job, including those a full listing lacked: a listing can be
    wrong, and asking for a job by id is what tells whether Creatify still has it."""
    rows = AuroraFlow.objects.active().order_by("pk")
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


def apply_listings(
    listings: list[JsonArrayBody], *, started: datetime, ids: list[str] | None = None
) -> SyncResult:
    """Write the jobs of list responses into the mirror (see the module's docstring).

    ``ids``: what the responses were asked for; without, they are one complete listing,
    and mirrored rows it lacks are marked missing. ``started``: read before they were
    fetched.
    """
    using = router.db_for_write(AuroraFlow)
    key = storage_key(connections[using])
    stored = stored_digests(using, None if ids is None else [key(uuid.UUID(i)) for i in ids])
    by_digest = {digest: pk for pk, digest in stored.items() if digest}
    result = SyncResult()
    seen: set[Any] = set()
    # Items to write: kept decoded while they fit KEEP_DECODED_BYTES, else decoded again.
    kept: list[ListedItem] = []
    kept_bytes = 0
    noted: list[tuple[JsonArrayBody, array]] = []
    for listing in listings:
        positions = array("q")  # index, offset, length of each item to decode again
        for item in listing.scan(by_digest):
            if item.value is RECOGNISED:
                seen.add(by_digest[item.digest])
                result.unchanged += 1
                continue
            # An unreadable item is kept as its reason, whatever its length.
            size = 0 if isinstance(item.value, Unreadable) else item.length
            if kept_bytes + size <= KEEP_DECODED_BYTES:
                kept.append(item)
                kept_bytes += size
            else:
                positions.extend((item.index, item.offset, item.length))
        noted.append((listing, positions))

    writer = FlowWriter(using)
    batch_size = creatify_settings.SYNC_BATCH_SIZE
    batches = [kept[start : start + batch_size] for start in range(0, len(kept), batch_size)]
    del kept
    for listing, positions in noted:
        for start in range(0, len(positions), 3 * batch_size):
            batches.append(_read_again(listing, positions[start : start + 3 * batch_size]))
    for batch in batches:
        flows, skipped = _parse_listed(batch)
        seen.update(key(flow.id) for flow in flows)
        # A job whose fields could not be read is still listed: it is not missing.
        seen.update(key(flow_id) for item in skipped if (flow_id := _quick_id(item.value)))
        result.skip([item.skipped for item in skipped])
        if flows:
            _write_batch(flows, started, result, writer, stored=stored, key=key)
    if ids is None:
        present = [pk for pk, digest in stored.items() if digest is not None]
        _mark_missing(result, [pk for pk in present if pk not in seen], len(present), started)
    else:
        result.not_found = [flow_id for flow_id in ids if key(uuid.UUID(flow_id)) not in seen]
    return result


def apply_aurora_payloads(items: Iterable[Any], *, complete_listing: bool = False) -> SyncResult:
    """Write already decoded remote items into the mirror, a batch at a time.

    ``items`` must come from the authenticated API. With ``complete_listing`` they are
    every job Creatify has, so mirrored rows they lack are marked missing; pass them as a
    lazy iterator, so that the listing is fetched after this reads the clock: rows
    written since then are not taken as missing.
    """
    result = SyncResult()
    started = timezone.now()
    seen: set[uuid.UUID] = set()
    writer = FlowWriter(router.db_for_write(AuroraFlow))
    batch_size = creatify_settings.SYNC_BATCH_SIZE
    for number, batch in enumerate(batched(items, batch_size)):
        seen.update(flow_id for item in batch if (flow_id := _quick_id(item)) is not None)
        parsed = parse_flows(batch, start_index=number * batch_size)
        result.skip(parsed.skipped)
        if parsed.flows:
            _write_batch(parsed.flows, started, result, writer)
    if complete_listing:
        present = AuroraFlow.objects.filter(missing_since__isnull=True)
        unlisted = [
            pk
            for pk in present.values_list("pk", flat=True).iterator(MISSING_SCAN_CHUNK)
            if pk not in seen
        ]
        _mark_missing(result, unlisted, present.count(), started)
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


def _read_again(listing: JsonArrayBody, positions: array) -> Iterator[ListedItem]:
    for at in range(0, len(positions), 3):
        index, offset, length = positions[at : at + 3]
        yield listing.read(offset, length, index)


@dataclass(frozen=True, slots=True)
class _Unreadable:
    value: Any
    skipped: SkippedItem


def _parse_listed(items: Iterable[ListedItem]) -> tuple[list[ParsedFlow], list[_Unreadable]]:
    flows: list[ParsedFlow] = []
    unreadable: list[_Unreadable] = []
    for item in items:
        if isinstance(item.value, Unreadable):
            # Its id, when known, keeps the job from being taken for missing.
            known = {"id": item.value.id} if item.value.id else None
            skipped = SkippedItem.of(item.index, known, item.value.reason)
            unreadable.append(_Unreadable(known, skipped))
            continue
        try:
            flows.append(parse_flow(item.value, raw_text=item.text, digest=item.digest))
        except FieldRejected as exc:
            skipped = SkippedItem.of(item.index, item.value, str(exc))
            unreadable.append(_Unreadable(item.value, skipped))
    return flows, unreadable


def _quick_id(item: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(item["id"]) if isinstance(item, dict) else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _write_batch(
    flows: list[ParsedFlow],
    now: datetime,
    result: SyncResult,
    writer: FlowWriter,
    *,
    stored: dict[Any, str | None] | None = None,
    key: Callable[[Any], Any] | None = None,
) -> None:
    """Write a batch; ``stored`` (from before the listing) spares the locked read of rows
    that did not exist then."""
    latest = _newest_per_id(flows)
    result.unchanged += len(flows) - len(latest)
    if stored is None or key is None:
        existed = list(latest)
    else:
        existed = [flow_id for flow_id in latest if key(flow_id) in stored]
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
            result.merge(_write_batch_once(latest, existed, now, writer))
            return
        except InsertConflict:
            existed = list(latest)
    raise RuntimeError("Creatify sync: rows kept appearing under a batch; gave up")


def _write_batch_once(
    latest: dict[uuid.UUID, ParsedFlow], existed: list[uuid.UUID], now: datetime, writer
) -> SyncResult:
    result = SyncResult()
    using = writer.connection.alias
    to_create: list[FlowRow] = []
    to_update: list[FlowRow] = []
    transitions: list[Transition] = []
    announcing = aurora_status_changed.has_listeners(AuroraFlow)
    with transaction.atomic(using=using):
        existing = {}
        if existed:
            existing = {
                row["id"]: row
                for row in AuroraFlow.objects.using(using)
                .select_for_update()
                .filter(id__in=existed)
                .order_by("pk")
                .values(*COMPARED_FIELDS)
            }
        for flow in latest.values():
            row = existing.get(flow.id)
            if row is None:
                created = FlowRow(flow, now, now if flow.values["editor_url"] else None)
                to_create.append(created)
                if announcing:
                    transitions.append(Transition(created, None, flow.values["status"]))
                continue
            if _is_older(flow, row):
                result.stale += 1
                continue
            if row["missing_since"] is None and _same_payload(flow, row):
                result.unchanged += 1
                continue
            updated = FlowRow(flow, now, _editor_url_fetched_at(flow, row, now))
            to_update.append(updated)
            if announcing and row["status"] != flow.values["status"]:
                transitions.append(Transition(updated, row["status"], flow.values["status"]))
        # In key order, so that two batches inserting the same new rows cannot deadlock.
        to_create.sort(key=lambda created: created.flow.id.int)
        writer.insert(to_create)  # InsertConflict rolls this batch back
        writer.update(to_update)
        if transitions:
            transaction.on_commit(lambda: _announce(transitions), using=using)
    result.created += len(to_create)
    result.updated += len(to_update)
    return result


def _same_payload(flow: ParsedFlow, row: dict[str, Any]) -> bool:
    # Equal digests are equal bytes; otherwise the bytes may still hold the same JSON.
    return (bool(flow.digest) and flow.digest == row["raw_digest"]) or flow.raw == row["raw"]


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


def _unwritten_since(started: datetime) -> Q:
    return Q(synced_at__isnull=True) | Q(synced_at__lt=started)


def _mark_missing(
    result: SyncResult, candidates: list[Any], present: int, started: datetime
) -> None:
    """Mark ``candidates`` (of ``present`` rows not yet missing) missing, unless that many
    look like a glitch of the listing rather than jobs Creatify deleted."""
    if not candidates:
        return
    share = float(creatify_settings.SYNC_MISSING_MAX_SHARE)
    if len(candidates) == present or len(candidates) > share * present:
        result.missing_withheld = len(candidates)
        logger.error(
            "Creatify's complete listing lacks %d of %d mirrored job(s), more than "
            "SYNC_MISSING_MAX_SHARE (%g): taken for a glitch, none marked missing",
            len(candidates),
            present,
            share,
        )
        return
    result.missing = _mark_missing_rows(candidates, started)


def _mark_missing_rows(candidates: list[Any], started: datetime) -> int:
    # Only rows nothing has written since this sync started (read before the listing was
    # fetched): a job created meanwhile through the API, a webhook's refresh or another
    # sync is absent from the listing because it is new, not because it is gone.
    marked = 0
    for chunk in chunked(candidates, creatify_settings.SYNC_BATCH_SIZE):
        marked += AuroraFlow.objects.filter(
            _unwritten_since(started), pk__in=chunk, missing_since__isnull=True
        ).update(missing_since=started)
    if marked:
        logger.info("Creatify no longer lists %d mirrored job(s); marked missing", marked)
    return marked


def _announce(transitions: list[Transition]) -> None:
    for transition in transitions:
        flow = _instance(transition.row)
        responses = aurora_status_changed.send_robust(
            sender=AuroraFlow,
            flow=flow,
            previous_status=transition.previous_status,
            status=transition.status,
        )
        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error(
                    "aurora_status_changed receiver %r failed for job %s",
                    receiver,
                    flow.pk,
                    exc_info=response,
                )


def _instance(row: FlowRow) -> AuroraFlow:
    """The row as written, as a model instance for receivers; built only when announced."""
    return AuroraFlow(
        id=row.flow.id,
        raw=row.flow.raw,
        raw_digest=row.flow.digest,
        synced_at=row.synced_at,
        editor_url_fetched_at=row.editor_url_fetched_at,
        missing_since=None,
        **row.flow.values,
    )
