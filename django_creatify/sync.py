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
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from .bulk import FlowRow, FlowWriter, InsertConflict, storage_key, stored_digests
from .client import MAX_IDS_PER_REQUEST, CreatifyClient, chunked, normalize_ids
from .conf import creatify_settings
from .listing import RECOGNISED, JsonArrayBody, ListedItem, Unreadable
from .missing import mark_missing
from .models import AuroraFlow
from .payloads import FieldRejected, ParsedFlow, SkippedItem, parse_flow, parse_flows
from .signals import aurora_status_changed
from .sync_result import SyncResult
from .transitions import Transition, announce

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
        mark_missing(result, [pk for pk in present if pk not in seen], len(present), started)
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
        present = list(
            AuroraFlow.objects.filter(missing_since__isnull=True)
            .values_list("pk", flat=True)
            .iterator(MISSING_SCAN_CHUNK)
        )
        unlisted = [pk for pk in present if pk not in seen]
        mark_missing(result, unlisted, len(present), started)
    return result


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
            transaction.on_commit(lambda: announce(transitions), using=using)
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


# Remote creation lives in creation.py; these names stay importable from here.
from .creation import create_aurora_flow, record_created_flow  # noqa: E402

__all__ = [
    "SyncResult",
    "active_flow_ids",
    "apply_aurora_payloads",
    "apply_listings",
    "create_aurora_flow",
    "record_created_flow",
    "refresh_active_aurora_flows",
    "sync_aurora_flows",
]
