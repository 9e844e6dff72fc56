"""Reading listings into the mirror: the one pipeline every family's sync goes through.

A listing is read in two passes. The first checks the whole body, as it arrives, and
sorts its items: an item whose bytes have the digest stored with its row is unchanged and
is not even decoded; the others are noted by position. Only then, once nothing can turn
out to be malformed, does the second pass decode the noted items and write them, a batch
per transaction, or on PostgreSQL consecutive batches of new rows in one (:mod:`.batches`).
A failed request or a bad body changes no row.

Decoded items (the API's answer to a create, a caller's own list) go through the same
batches and the same missing-job rule, without the digests.

Tuned for speed: ``benchmarks/sync_benchmark.py`` guards it.
"""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Callable, Container, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any

from django.db import router
from django.utils import timezone

from ..client import MAX_IDS_PER_REQUEST, CreatifyClient, chunked, normalize_ids
from ..conf import creatify_settings
from ..exceptions import PayloadError
from ..families import Family, get_family
from ..listing import RECOGNISED, JsonArrayBody, ListedItem, Unreadable
from ..payloads import FieldRejected, ParsedJob, SkippedItem, parse_job, parse_jobs
from ..spool import BodyAbandoned, BodyRestarted, BodySpool
from .batches import BatchWriter
from .bulk import MirrorTable
from .collector import collector_paused
from .missing import mark_missing
from .result import SyncResult

# Items decoded while a listing is checked are kept for writing up to this many bytes of
# JSON (a few times that in memory); past it they are decoded again from the spooled body.
KEEP_DECODED_BYTES = 16 * 1024 * 1024


def sync_jobs(
    family: Family | str,
    ids: Iterable[str | uuid.UUID] | None = None,
    ordering: str | None = None,
    *,
    client: CreatifyClient | None = None,
) -> SyncResult:
    """Fetch all of a family's jobs (or ``ids``, 100 per request) and write what changed.

    Without ``ids`` the fetch is a complete listing, so rows it lacks get ``missing_since``.
    ``ordering`` is passed on only where the family's list documents it.
    """
    family = get_family(family)
    wanted = None if ids is None else normalize_ids(ids)
    if wanted is not None and not wanted:
        return SyncResult()
    if not family.accepts_ordering:
        ordering = None
    # Read before the listing is fetched: rows written after this are not taken as missing.
    started = timezone.now()
    owns_client = client is None
    client = client or CreatifyClient()
    requests_before = client.request_count
    try:
        table = MirrorTable(family, router.db_for_write(family.model))
        chunks: list[list[str] | None]
        chunks = [None] if wanted is None else list(chunked(wanted, MAX_IDS_PER_REQUEST))
        with ExitStack() as spools:
            spools.enter_context(collector_paused())
            arriving = [spools.enter_context(client.listing_spool(family.path)) for _ in chunks]
            scanned = _scanned_as_they_arrive(
                family,
                table,
                wanted,
                arriving,
                lambda: _fetch(client, family, arriving, chunks, ordering),
            )
            result = _write_scanned(family, scanned, started=started, ids=wanted, table=table)
    finally:
        if owns_client:
            client.close()
    result.requests = client.request_count - requests_before
    return result


def _fetch(
    client: CreatifyClient,
    family: Family,
    spools: list[BodySpool],
    chunks: list[list[str] | None],
    ordering: str | None,
) -> None:
    try:
        for spool, chunk in zip(spools, chunks, strict=True):
            client.fill_listing(spool, family.path, ids=chunk, ordering=ordering)
    finally:
        for spool in spools:  # what was not fetched never will be
            spool.finish(complete=False)


def _scanned_as_they_arrive(
    family: Family,
    table: MirrorTable,
    wanted: list[str] | None,
    spools: list[BodySpool],
    fetch: Callable[[], None],
) -> _Scanned:
    """The first pass over the listings, each read as it arrives: one thread fetches them
    while this one reads the stored digests and then the bodies, so that the database,
    the network and the parsing wait for one another as little as they can. (The digests
    are read first in time anyway: rows written meanwhile are new to this sync, and a batch
    that meets one is redone, as under any concurrent writer.)

    A body that begins again (a retried request) is read again from its start; a body
    that is not JSON fails the sync only once its fetch has ended without beginning again,
    and a fetch that failed fails it with the fetch's own error.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="creatify-fetch") as pool:
        fetching = pool.submit(fetch)
        try:
            stored = table.stored_digests(
                None if wanted is None else [uuid.UUID(i) for i in wanted]
            )
            scanned = _Scanned(stored)
            for spool in spools:
                _scan_arriving(scanned, spool, family.path)
            return scanned
        except BodyAbandoned:
            fetching.result()  # raises why
            raise
        finally:
            wait([fetching])


def _scan_arriving(scanned: _Scanned, spool: BodySpool, source: str) -> None:
    reader = spool.reader()
    listing = JsonArrayBody(reader, source=source)
    while True:
        try:
            scanned.add(listing)
            return
        except BodyRestarted:
            pass
        except PayloadError:
            spool.wait_finished()
            if spool.complete is False:
                raise BodyAbandoned from None
            if not reader.stale:
                raise
        reader.restart()


def active_job_ids(family: Family | str) -> list[str]:
    """Every unfinished job of a family, including those a full listing lacked: a listing
    can be wrong, and asking for a job by id is what tells whether Creatify still has it."""
    rows = get_family(family).model._default_manager.active().order_by("pk")
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


def refresh_active_jobs(
    family: Family | str, *, client: CreatifyClient | None = None
) -> SyncResult:
    """Re-read every unfinished job of a family, with ``ids=`` in chunks of 100."""
    return sync_jobs(family, ids=active_job_ids(family), client=client)


def apply_listings(
    family: Family | str,
    listings: list[JsonArrayBody],
    *,
    started: datetime,
    ids: list[str] | None = None,
    stored: dict[Any, str | None] | None = None,
    table: MirrorTable | None = None,
) -> SyncResult:
    """Write the jobs of whole list responses into the mirror (see the module's docstring).

    ``ids``: what the responses were asked for; without, they are one complete listing,
    and mirrored rows it lacks are marked missing. ``started``: read before they were
    fetched. ``stored``: the table's stored digests (of ``ids``), when already read, from
    ``table``.
    """
    family = get_family(family)
    table = table or MirrorTable(family, router.db_for_write(family.model))
    if stored is None:
        stored = table.stored_digests(None if ids is None else [uuid.UUID(i) for i in ids])
    with collector_paused():
        scanned = _Scanned(stored)
        for listing in listings:
            scanned.add(listing)
        return _write_scanned(family, scanned, started=started, ids=ids, table=table)


class _Scanned:
    """What the first pass over listings found: the rows they list unchanged, and the
    items to write (kept decoded while they fit KEEP_DECODED_BYTES, else noted by
    position to be decoded again)."""

    def __init__(self, stored: dict[Any, str | None]) -> None:
        self.stored = stored
        self.by_digest = {digest: pk for pk, digest in stored.items() if digest}
        #: How many stored rows were not marked missing.
        self.present = len(stored) - [*stored.values()].count(None)
        #: The digests of the items recognised: each names its row (digests hash faster
        #: than the keys, UUIDs on PostgreSQL).
        self.recognised: set[str] = set()
        self.unchanged = 0
        self.kept: list[ListedItem] = []
        self.kept_bytes = 0
        self.noted: list[tuple[JsonArrayBody, array[int]]] = []

    def add(self, listing: JsonArrayBody) -> None:
        """Scan one listing; what it found counts only once its scan has ended."""
        by_digest = self.by_digest
        recognised: set[str] = set()
        kept: list[ListedItem] = []
        kept_bytes = self.kept_bytes
        positions = array("q")  # index, offset, length of each item to decode again

        for item in listing.scan(by_digest, on_recognised=recognised.update):
            if item.value is RECOGNISED:
                recognised.add(item.digest)
                continue
            # An unreadable item is kept as its reason, whatever its length.
            size = 0 if isinstance(item.value, Unreadable) else item.length
            if kept_bytes + size <= KEEP_DECODED_BYTES:
                kept.append(item)
                kept_bytes += size
            else:
                positions.extend((item.index, item.offset, item.length))
        if self.recognised:
            self.recognised |= recognised
        else:
            self.recognised = recognised
        self.kept += kept
        self.kept_bytes = kept_bytes
        self.noted.append((listing, positions))


def _write_scanned(
    family: Family,
    scanned: _Scanned,
    *,
    started: datetime,
    ids: list[str] | None,
    table: MirrorTable,
) -> SyncResult:
    """The second pass: decode and write the items the first one left, in batches
    (:class:`.batches.BatchWriter`), then mark what a complete listing lacked."""
    key = table.key
    stored = scanned.stored
    result = SyncResult()
    result.unchanged = len(scanned.recognised)
    batch_size = creatify_settings.SYNC_BATCH_SIZE
    kept = scanned.kept
    # Lists of the kept items, then lazy re-reads of the noted ones: a batch of those is
    # decoded only as it is written, so they are never all held at once.
    batches: list[Iterable[ListedItem]]
    batches = [kept[start : start + batch_size] for start in range(0, len(kept), batch_size)]
    scanned.kept = []
    for listing, positions in scanned.noted:
        for start in range(0, len(positions), 3 * batch_size):
            batches.append(_ReadAgain(listing, positions[start : start + 3 * batch_size]))
    with BatchWriter(table, started, result, stored) as writer:
        seen = writer.seen  # the keys of the rows of the items decoded
        for batch in batches:
            jobs, skipped = _parse_listed(family, batch)
            result.skip([item.skipped for item in skipped])
            if jobs:
                writer.write(jobs, partial(_jobs_of, family, batch))
            # A job whose fields could not be read is still listed: it is not missing.
            seen.update(key(job_id) for item in skipped if (job_id := quick_id(item.value)))
    if ids is None:
        if len(scanned.recognised) < scanned.present:  # else each was listed unchanged
            _mark_unlisted(table, stored, seen, result, started, scanned.recognised)
    else:
        seen.update(map(scanned.by_digest.__getitem__, scanned.recognised))
        result.not_found = [job_id for job_id in ids if key(uuid.UUID(job_id)) not in seen]
    return result


def apply_payloads(
    family: Family | str, items: Iterable[Any], *, complete_listing: bool = False
) -> SyncResult:
    """Write already decoded remote items into the mirror, a batch at a time.

    ``items`` must come from the authenticated API. With ``complete_listing`` they are
    every job of the family Creatify has, so mirrored rows they lack are marked missing;
    pass them as a lazy iterator, so that the listing is fetched after this reads the
    clock: rows written since then are not taken as missing.
    """
    family = get_family(family)
    table = MirrorTable(family, router.db_for_write(family.model))
    key = table.key
    result = SyncResult()
    started = timezone.now()
    stored = table.stored_digests() if complete_listing else None
    seen: set[Any] = set()
    batch_size = creatify_settings.SYNC_BATCH_SIZE
    with BatchWriter(table, started, result, stored) as writer:
        for number, batch in enumerate(batched(items, batch_size)):
            seen.update(key(job_id) for item in batch if (job_id := quick_id(item)) is not None)
            parsed = parse_jobs(family, batch, start_index=number * batch_size)
            result.skip(parsed.skipped)
            if parsed.flows:
                writer.write(parsed.flows)
    if stored is not None:
        _mark_unlisted(table, stored, seen, result, started)
    return result


def _mark_unlisted(
    table: MirrorTable,
    stored: dict[Any, str | None],
    seen: set[Any],
    result: SyncResult,
    started: datetime,
    recognised: Container[str] = frozenset(),
) -> None:
    """One rule for every complete listing: rows present before it and absent from it
    (listed: recognised by their digest, or seen by their key)."""
    present = 0
    unlisted = []
    for pk, digest in stored.items():
        if digest is not None:
            present += 1
            if digest not in recognised and pk not in seen:
                unlisted.append(pk)
    mark_missing(table.model, result, unlisted, present, started)


@dataclass(frozen=True, slots=True)
class _ReadAgain:
    """Noted items, decoded again from the spooled body each time they are iterated."""

    listing: JsonArrayBody
    positions: array[int]  # index, offset, length of each

    def __iter__(self) -> Iterator[ListedItem]:
        positions = self.positions
        for at in range(0, len(positions), 3):
            index, offset, length = positions[at : at + 3]
            yield self.listing.read(offset, length, index)


@dataclass(frozen=True, slots=True)
class _Unreadable:
    value: Any
    skipped: SkippedItem


def _jobs_of(family: Family, items: Iterable[ListedItem]) -> list[ParsedJob]:
    return _parse_listed(family, items)[0]


def _parse_listed(
    family: Family, items: Iterable[ListedItem]
) -> tuple[list[ParsedJob], list[_Unreadable]]:
    jobs: list[ParsedJob] = []
    unreadable: list[_Unreadable] = []
    for item in items:
        if isinstance(item.value, Unreadable):
            # Its id, when known, keeps the job from being taken for missing.
            known = {"id": item.value.id} if item.value.id else None
            skipped = SkippedItem.of(item.index, known, item.value.reason)
            unreadable.append(_Unreadable(known, skipped))
            continue
        try:
            jobs.append(parse_job(family, item.value, raw_text=item.text, digest=item.digest))
        except FieldRejected as exc:
            skipped = SkippedItem.of(item.index, item.value, str(exc))
            unreadable.append(_Unreadable(item.value, skipped))
    return jobs, unreadable


def quick_id(item: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(item["id"]) if isinstance(item, dict) else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
