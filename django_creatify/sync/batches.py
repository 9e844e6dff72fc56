"""A sync's batches, written in turn; new rows streamed where the database allows.

On PostgreSQL (psycopg 3), consecutive batches that hold only new rows go into one
``COPY`` that stays open while the next batches are parsed: the database stores rows
while Python reads the next ones, so a full sync costs about the larger of the two
instead of their sum. Every other batch is written alone (:func:`.writes.write_latest`),
after the open stream has committed.

Tuned for speed: ``benchmarks/sync_benchmark.py`` (full sync) guards it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction

from ..payloads import ParsedJob
from .bulk import InsertConflict, InsertStream, MirrorTable
from .result import SyncResult
from .transitions import Transition, announce, has_listeners
from .writes import new_row, newest_per_id, write_latest

# Rows one COPY takes before it commits (a conflict rolls back that many).
STREAM_ROWS = 10_000
ANNOUNCED_STREAM_ROWS = 2_000


class BatchWriter:
    """Writes a sync's batches in order: :meth:`write` each, inside ``with``. Leaving the
    block commits the open stream, or rolls it back if the block raised.

    ``stored``: the keys of the rows that existed before the listing was read (without
    it, every row is read as possibly existing, and nothing is streamed).
    """

    def __init__(
        self,
        table: MirrorTable,
        now: datetime,
        result: SyncResult,
        stored: dict[Any, str | None] | None,
    ) -> None:
        self.table = table
        self.now = now
        self.result = result
        self.stored = stored
        self._streaming = table.streams and stored is not None
        self._announcing = has_listeners(table.model)
        self._stream: InsertStream | None = None
        # How to parse each batch of the open stream again, should it conflict: its jobs
        # are not held, so that a stream holds no more than the batches' sources.
        self._held: list[Callable[[], list[ParsedJob]]] = []
        #: The keys of the jobs of every batch written, and of any the caller adds.
        self.seen: set[Any] = set()
        self._transitions: list[Transition] = []

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        if exc is None:
            self.flush()
        else:
            self._end_stream(exc)

    def write(
        self, jobs: list[ParsedJob], again: Callable[[], list[ParsedJob]] | None = None
    ) -> None:
        """Write a batch; ``again`` parses it again, and lets it be streamed."""
        latest = newest_per_id(jobs)
        self.result.unchanged += len(jobs) - len(latest)
        keys = [*map(self.table.key, latest)]
        # Only rows new to the table and to this sync (a job listed twice is written
        # again, alone) can go in a COPY.
        streams = self._streaming and self._all_new(keys)
        self.seen.update(keys)
        if streams and again is not None:
            self._stream_batch(latest, again)
        else:
            self.flush()
            write_latest(latest, self.now, self.result, self.table, stored=self.stored)

    def _all_new(self, keys: list[Any]) -> bool:
        stored, seen = self.stored or {}, self.seen
        return not any(key in stored or key in seen for key in keys)

    def _stream_batch(
        self, latest: dict[uuid.UUID, ParsedJob], again: Callable[[], list[ParsedJob]]
    ) -> None:
        if self._stream is None:
            self._stream = InsertStream(self.table).__enter__()
        now = self.now
        # In key order within the batch, as a batch written alone inserts them.
        jobs = sorted(latest.values(), key=lambda job: job.id.int)
        rows = [new_row(job, now) for job in jobs]
        self._held.append(again)
        try:
            self._stream.write(rows)
        except BaseException as exc:
            if not self._end_stream(exc):
                raise
            return
        if self._announcing:
            self._transitions += map(Transition.creation, rows)
        # Announced on commit, so a stream holds its rows' jobs: fewer when announcing.
        if self._stream.rows >= (ANNOUNCED_STREAM_ROWS if self._announcing else STREAM_ROWS):
            self.flush()

    def flush(self) -> None:
        """Commit the open stream, if any."""
        if self._stream is not None and self._transitions:
            model, transitions = self.table.model, self._transitions
            # Registered inside the stream's transaction, so that a rollback drops it.
            transaction.on_commit(lambda: announce(model, transitions), using=self.table.using)
        self._end_stream(None)

    def _end_stream(self, exc: BaseException | None) -> bool:
        """Commit the open stream (roll it back if ``exc``). If one of its rows turned out
        to exist (another writer inserted it meanwhile), it is rolled back and its batches
        are written again one by one, reading every row as possibly existing: then True."""
        stream, held = self._stream, self._held
        if stream is None:
            return False
        self._stream, self._held, self._transitions = None, [], []
        try:
            stream.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)
        except InsertConflict:
            for parse_again in held:
                latest = newest_per_id(parse_again())
                write_latest(latest, self.now, self.result, self.table)
            return True
        if exc is None:
            self.result.created += stream.rows
        return False
