"""Batch reads and writes of mirror rows: one statement per batch, no model instances.

Django's ``bulk_create``/``bulk_update`` split a batch into many statements on SQLite
(999 parameters each), build a slow CASE per column for updates, and need a model
instance per row, which costs more than the write. Here rows go from parsed values to
driver parameters, converting only what the driver cannot take as it is (UUIDs and
dates on SQLite), through the connection and transaction Django is using.

On PostgreSQL with psycopg 3, new rows are sent with ``COPY``, several times faster than
an ``INSERT`` per row. ``COPY`` has no ``ON CONFLICT``: a row another transaction
inserted meanwhile fails the batch with an IntegrityError instead, which the caller
treats as it treats a short insert count. Django's execute wrappers and query log do not
see a ``COPY``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connections

from .models import AuroraFlow
from .payloads import MIRRORED_FIELDS, ParsedFlow

#: Columns written by a sync, in the order of every row tuple.
WRITTEN_FIELDS: tuple[str, ...] = (
    "id",
    *MIRRORED_FIELDS,
    "raw",
    "raw_digest",
    "synced_at",
    "editor_url_fetched_at",
    "missing_since",
)
_UUID_FIELDS = ("id", "media_job")
_DATETIME_FIELDS = ("created_at", "updated_at", "synced_at", "editor_url_fetched_at")
_RAW = WRITTEN_FIELDS.index("raw")
_mirrored_values = itemgetter(*MIRRORED_FIELDS)
READ_CHUNK = 2000


class InsertConflict(Exception):
    """A row this batch inserts exists already: another transaction wrote it meanwhile."""


@dataclass(slots=True)
class FlowRow:
    """A parsed payload and the sync's own columns: one row to write."""

    flow: ParsedFlow
    synced_at: datetime
    editor_url_fetched_at: datetime | None

    def as_list(self) -> list[Any]:
        flow = self.flow
        raw = flow.raw_text if flow.raw_text is not None else json.dumps(flow.raw)
        return [
            flow.id,
            *_mirrored_values(flow.values),
            raw,
            flow.digest,
            self.synced_at,
            self.editor_url_fetched_at,
            None,
        ]


def _column(name: str) -> str:
    return AuroraFlow._meta.get_field(name).column


def storage_key(connection) -> Callable[[Any], Any]:
    """How this database stores a UUID primary key: the UUID, or its hex on SQLite."""
    if connection.features.has_native_uuid_field:
        return _same
    return _hex


def _same(value: Any) -> Any:
    return value


def _hex(value: Any) -> Any:
    return None if value is None else value.hex


class FlowWriter:
    """Inserts and updates of mirror rows on one database connection."""

    def __init__(self, using: str) -> None:
        self.connection = connection = connections[using]
        quote = connection.ops.quote_name
        self._table = quote(AuroraFlow._meta.db_table)
        self._columns = [quote(_column(name)) for name in WRITTEN_FIELDS]
        self._conversions = self._plan_conversions()

    def _plan_conversions(self) -> list[tuple[int, Callable[[Any], Any]]]:
        connection = self.connection
        conversions: list[tuple[int, Callable[[Any], Any]]] = []
        key = storage_key(connection)
        if key is not _same:
            conversions += [(WRITTEN_FIELDS.index(name), key) for name in _UUID_FIELDS]
        if connection.vendor == "sqlite":
            adapt = _sqlite_datetime(connection)
        else:
            adapt = connection.ops.adapt_datetimefield_value
        conversions += [(WRITTEN_FIELDS.index(name), adapt) for name in _DATETIME_FIELDS[:2]]
        # A batch's rows share their synced_at (and mostly editor_url_fetched_at).
        conversions += [(WRITTEN_FIELDS.index(name), _memo(adapt)) for name in _DATETIME_FIELDS[2:]]
        return conversions

    def _params(self, rows: Sequence[FlowRow]) -> list[list[Any]]:
        conversions = self._conversions
        params = []
        for row in rows:
            values = row.as_list()
            for position, convert in conversions:
                values[position] = convert(values[position])
            params.append(values)
        return params

    def insert(self, rows: Sequence[FlowRow]) -> None:
        """Insert new rows; raises InsertConflict if one of them exists already."""
        if not rows:
            return
        params = self._params(rows)
        columns = ", ".join(self._columns)
        with self.connection.cursor() as cursor:
            copy = getattr(cursor.cursor, "copy", None)
            if copy is not None and self.connection.vendor == "postgresql":
                try:
                    with copy(f"COPY {self._table} ({columns}) FROM STDIN") as stream:
                        for values in params:
                            stream.write_row(values)
                except self.connection.Database.IntegrityError:
                    raise InsertConflict from None
                return
            # Identifiers come from model metadata, quoted by the backend; values are parameters.
            sql = (
                f"INSERT INTO {self._table} ({columns}) "
                f"VALUES ({', '.join(['%s'] * len(self._columns))}) "
                f"ON CONFLICT ({self._columns[0]}) DO NOTHING"
            )
            cursor.executemany(sql, params)
            # The sum over every row of the executemany, on SQLite and on psycopg alike.
            if cursor.rowcount != len(params):
                raise InsertConflict

    def update(self, rows: Sequence[FlowRow]) -> None:
        """``UPDATE ... WHERE id = %s`` for each row, in one round of ``executemany``."""
        if not rows:
            return
        raw_mark = "%s::jsonb" if self.connection.vendor == "postgresql" else "%s"
        assignments = ", ".join(
            f"{column} = {raw_mark if position == _RAW else '%s'}"
            for position, column in enumerate(self._columns)
            if position
        )
        sql = f"UPDATE {self._table} SET {assignments} WHERE {self._columns[0]} = %s"
        params = [[*values[1:], values[0]] for values in self._params(rows)]
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, params)


def stored_digests(using: str, keys: list[Any] | None) -> dict[Any, str | None]:
    """Stored key -> payload digest of the mirrored rows (all, or those of ``keys``);
    ``None`` for rows already marked missing, so that they are never taken as unchanged.

    Straight through the cursor: a complete listing reads every row, and Django's per-row
    conversions would cost more than the query.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    pk, digest, missing = (quote(_column(name)) for name in ("id", "raw_digest", "missing_since"))
    sql = f"SELECT {pk}, {digest}, {missing} IS NULL FROM {quote(AuroraFlow._meta.db_table)}"
    stored: dict[Any, str | None] = {}
    with connection.cursor() as cursor:
        for chunk in [None] if keys is None else _chunks(keys, READ_CHUNK):
            if chunk is None:
                cursor.execute(sql)
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"{sql} WHERE {pk} IN ({marks})", chunk)
            while rows := cursor.fetchmany(READ_CHUNK):
                stored.update((key, value if present else None) for key, value, present in rows)
    return stored


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _memo(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its last value, for a column whose rows repeat one value."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[:] = value, convert(value)
        return last[1]

    return converted


def _sqlite_datetime(connection) -> Callable[[Any], Any]:
    """Django's SQLite datetime adaptation (naive, in the connection's time zone, as text)
    in one step per value instead of several calls."""
    if not settings.USE_TZ:
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone
    if zone.utcoffset(None) != timedelta(0):
        return connection.ops.adapt_datetimefield_value

    def adapt(value: datetime | None) -> str | None:
        # str() of the naive time is its isoformat(" "): the same text minus "+00:00".
        return None if value is None else value.astimezone(zone).isoformat(" ")[:-6]

    return adapt
