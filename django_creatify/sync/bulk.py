"""Batch reads and writes of one family's mirror table: one statement per batch, no
model instances. Tuned for speed: ``benchmarks/sync_benchmark.py`` guards it.

Django's ``bulk_create``/``bulk_update`` split a batch into many statements on SQLite
(999 parameters each), build a slow CASE per column for updates, and need a model
instance per row, which costs more than the write. Here rows go from parsed values to
driver parameters, converting only what the driver cannot take as it is (UUIDs and
dates on SQLite), through the connection and transaction Django is using.

On PostgreSQL with psycopg 3, new rows are sent with ``COPY`` (:class:`InsertStream`),
several times faster than an ``INSERT`` per row, and a ``COPY`` can stay open while its
caller prepares more rows. ``COPY`` has no ``ON CONFLICT``: a row another transaction
inserted meanwhile fails it with an IntegrityError instead, raised as InsertConflict,
which the caller treats as it treats a short insert count. Django's execute wrappers and
query log do not see a ``COPY``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models, transaction

from ..client import chunked
from ..families import Family
from ..payloads import ParsedJob

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

#: The sync's own columns, written after the family's mirrored fields.
BOOKKEEPING_FIELDS = ("raw", "raw_digest", "synced_at", "editor_url_fetched_at", "missing_since")
# A batch's rows share these values (mostly), so their conversion is remembered.
_SHARED_VALUE_FIELDS = frozenset({"synced_at", "editor_url_fetched_at"})
READ_CHUNK = 2000


class InsertConflict(Exception):
    """A row this batch inserts exists already: another transaction wrote it meanwhile."""


@dataclass(slots=True)
class JobRow:
    """A parsed payload and the sync's own columns: one row to write."""

    job: ParsedJob
    synced_at: datetime
    editor_url_fetched_at: datetime | None

    @property
    def flow(self) -> ParsedJob:
        return self.job


class MirrorTable:
    """One family's mirror table on one database connection.

    Rows are keyed by text as the database gives it cheapest: the primary key's text on
    PostgreSQL (``str`` of the UUID), its hex text where UUIDs are stored as text (SQLite),
    the UUID elsewhere. :attr:`key` turns a job's UUID into that key. Callers compare keys
    only with keys, never with UUIDs, so no conversion is made per stored row.
    """

    def __init__(self, family: Family, using: str) -> None:
        self.family = family
        self.model = model = family.model
        self.connection = connection = connections[using]
        self.using = using
        self.fields = ("id", *family.mirrored_fields, *BOOKKEEPING_FIELDS)
        quote = connection.ops.quote_name
        self._table = quote(model._meta.db_table)
        self._columns = [quote(_column(model, name)) for name in self.fields]
        self._mirrored_values = itemgetter(*family.mirrored_fields)
        self._copy_sql = f"COPY {self._table} ({', '.join(self._columns)}) FROM STDIN"
        #: Whether new rows can go in a COPY kept open across batches (psycopg 3).
        driver = getattr(connection, "Database", None)  # the backend's DB-API module
        self.streams = connection.vendor == "postgresql" and hasattr(driver, "Copy")
        self._native_uuid = native = connection.features.has_native_uuid_field
        # A UUID as the column stores it (32 hex digits where there is no UUID type).
        self._stored_id: Callable[[Any], Any] = _same if native else _hex
        # PostgreSQL's UUID text is Python's ``str`` of it; text keys load and hash in C,
        # where the driver would build a UUID object per stored row.
        self._text_keys = connection.vendor == "postgresql"
        self.key: Callable[[Any], Any] = (str if self._text_keys else _same) if native else _hex
        self._conversions = self._plan_conversions()
        json_mark = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
        self._marks = [
            json_mark if isinstance(model._meta.get_field(name), models.JSONField) else "%s"
            for name in self.fields
        ]

    def _plan_conversions(self) -> list[tuple[int, Callable[[Any], Any]]]:
        connection = self.connection
        if connection.vendor == "sqlite":
            adapt_datetime = _sqlite_datetime(connection)
        else:
            adapt_datetime = connection.ops.adapt_datetimefield_value
        conversions: list[tuple[int, Callable[[Any], Any]]] = []
        for position, name in enumerate(self.fields):
            field = self.model._meta.get_field(name)
            if isinstance(field, models.UUIDField) and not self._native_uuid:
                conversions.append((position, _hex))
            elif isinstance(field, models.DateTimeField):
                shared = name in _SHARED_VALUE_FIELDS
                conversions.append((position, _memo(adapt_datetime) if shared else adapt_datetime))
            elif isinstance(field, models.JSONField) and name != "raw":
                conversions.append((position, _json))
        return conversions

    def _values(self, row: JobRow) -> list[Any]:
        job = row.job
        raw = job.raw_text if job.raw_text is not None else json.dumps(job.raw)
        return [
            job.id,
            *self._mirrored_values(job.values),
            raw,
            job.digest,
            row.synced_at,
            row.editor_url_fetched_at,
            None,
        ]

    def _params(self, rows: Sequence[JobRow]) -> list[list[Any]]:
        conversions = self._conversions
        params = []
        for row in rows:
            values = self._values(row)
            for position, convert in conversions:
                values[position] = convert(values[position])
            params.append(values)
        return params

    def insert(self, rows: Sequence[JobRow]) -> None:
        """Insert new rows; raises InsertConflict if one of them exists already."""
        if not rows:
            return
        if self.streams:
            # Within the caller's transaction, which a conflict rolls back.
            with InsertStream(self, savepoint=False) as stream:
                stream.write(rows)
            return
        params = self._params(rows)
        with self.connection.cursor() as cursor:
            # Identifiers come from model metadata, quoted by the backend; values are parameters.
            sql = (
                f"INSERT INTO {self._table} ({', '.join(self._columns)}) "
                f"VALUES ({', '.join(self._marks)}) "
                f"ON CONFLICT ({self._columns[0]}) DO NOTHING"
            )
            cursor.executemany(sql, params)
            # The sum over every row of the executemany, on SQLite and on psycopg alike.
            if cursor.rowcount != len(params):
                raise InsertConflict

    def update(self, rows: Sequence[JobRow]) -> None:
        """``UPDATE ... WHERE id = %s`` for each row, in one round of ``executemany``."""
        if not rows:
            return
        assignments = ", ".join(
            f"{column} = {mark}"
            for column, mark in zip(self._columns[1:], self._marks[1:], strict=True)
        )
        sql = f"UPDATE {self._table} SET {assignments} WHERE {self._columns[0]} = %s"
        params = [[*values[1:], values[0]] for values in self._params(rows)]
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, params)

    def set_digests(self, digests: Sequence[tuple[Any, str]]) -> None:
        """Store new payload digests ``(UUID, digest)`` of rows, in one ``executemany``."""
        if not digests:
            return
        quote = self.connection.ops.quote_name
        pk, digest = (quote(_column(self.model, name)) for name in ("id", "raw_digest"))
        params = [(value, self._stored_id(job_id)) for job_id, value in digests]
        with self.connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {self._table} SET {digest} = %s WHERE {pk} = %s", params)

    def stored_digests(self, job_ids: list[Any] | None = None) -> dict[Any, str | None]:
        """Key -> payload digest of the mirrored rows (all, or those of the UUIDs
        ``job_ids``); ``None`` for rows already marked missing, so that they are never
        taken as unchanged.

        Straight through the cursor: a complete listing reads every row, and Django's
        per-row conversions would cost more than the query.
        """
        quote = self.connection.ops.quote_name
        pk, digest, missing = (
            quote(_column(self.model, name)) for name in ("id", "raw_digest", "missing_since")
        )
        # Rows come out as (key, digest) pairs, so that the dict takes them without a
        # Python step per row.
        key = f"{pk}::text" if self._text_keys else pk
        sql = f"SELECT {key}, CASE WHEN {missing} IS NULL THEN {digest} END FROM {self._table}"
        keys = None if job_ids is None else [self._stored_id(job_id) for job_id in job_ids]
        stored: dict[Any, str | None] = {}
        with self.connection.cursor() as cursor:
            for chunk in [None] if keys is None else chunked(keys, READ_CHUNK):
                if chunk is None:
                    cursor.execute(sql)
                else:
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"{sql} WHERE {pk} IN ({marks})", chunk)
                while rows := cursor.fetchmany(READ_CHUNK):
                    stored.update(rows)
        return stored


class InsertStream:
    """New rows in one ``COPY`` (PostgreSQL, psycopg 3) and one transaction, which
    commits when the stream ends: rows can be written in several goes, and the database
    stores those already sent while the caller prepares the next. Ending raises
    InsertConflict, the transaction rolled back, if a row existed (another transaction
    inserted it meanwhile) or the rows met another writer's in a deadlock."""

    def __init__(self, table: MirrorTable, *, savepoint: bool = True) -> None:
        self.table = table
        self.rows = 0
        self._savepoint = savepoint
        database: Any = getattr(table.connection, "Database", None)
        self._conflicts = (database.IntegrityError, database.errors.DeadlockDetected)

    def __enter__(self) -> InsertStream:
        table = self.table
        with ExitStack() as stack:
            stack.enter_context(transaction.atomic(using=table.using, savepoint=self._savepoint))
            cursor = stack.enter_context(table.connection.cursor())
            self._copy = stack.enter_context(cursor.cursor.copy(table._copy_sql))
            self._stack = stack.pop_all()
        return self

    def write(self, rows: Sequence[JobRow]) -> None:
        write_row = self._copy.write_row
        for values in self.table._params(rows):
            write_row(values)
        self.rows += len(rows)

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        # The COPY ends (or fails) first, then the cursor, then the transaction, which
        # rolls back if anything before it raised.
        try:
            self._stack.__exit__(kind, exc, traceback)
        except self._conflicts:
            raise InsertConflict from None
        if isinstance(exc, self._conflicts):
            raise InsertConflict from None


def _same(value: Any) -> Any:
    return value


def _hex(value: Any) -> Any:
    return None if value is None else value.hex


def _json(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _memo(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its last value, for a column whose rows repeat one value."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[:] = value, convert(value)
        return last[1]

    return converted


def _column(model: type[models.Model], name: str) -> str:
    """The column of one of the model's concrete fields (every field a sync reads or writes)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, f"{name} has no column"
    return field.column


def _sqlite_datetime(connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """Django's SQLite datetime adaptation (naive, in the connection's time zone, as text)
    in one step per value instead of several calls."""
    if not settings.USE_TZ:
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone
    if zone is None or zone.utcoffset(None) != timedelta(0):
        return connection.ops.adapt_datetimefield_value

    def adapt(value: datetime | None) -> str | None:
        # str() of the naive time is its isoformat(" "): the same text minus "+00:00".
        return None if value is None else value.astimezone(zone).isoformat(" ")[:-6]

    return adapt
