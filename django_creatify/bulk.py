"""Batch writes of mirror rows: one ``executemany`` statement per kind of write.

Django's ``bulk_create``/``bulk_update`` split a batch into many statements on SQLite
(999 parameters each) and ``bulk_update`` builds a CASE per column that PostgreSQL is slow
to plan. Plain parameterised statements through the same connection and transaction are
the database's own fast path on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from operator import attrgetter

from django.db import connections, models

from .models import AuroraFlow


def _column(name: str) -> str:
    return AuroraFlow._meta.get_field(name).column


# Values of these fields already arrive from payloads.py as the str, int, float or bool the
# drivers take; Django's per-value preparation is only needed for UUIDs, dates and JSON.
_PASSED_AS_IS = (
    models.TextField,
    models.CharField,
    models.FloatField,
    models.IntegerField,
    models.BooleanField,
)


def _params(objs: Sequence[AuroraFlow], names: Sequence[str], connection) -> list[tuple]:
    fields = [AuroraFlow._meta.get_field(name) for name in names]
    getters = [attrgetter(field.attname) for field in fields]
    prepare = [
        None
        if isinstance(field, _PASSED_AS_IS)
        else partial(field.get_db_prep_save, connection=connection)
        for field in fields
    ]
    plan = list(zip(getters, prepare, strict=True))
    return [
        tuple(get(obj) if prep is None else prep(get(obj)) for get, prep in plan) for obj in objs
    ]


def insert_rows(objs: Sequence[AuroraFlow], names: Sequence[str], *, using: str) -> int:
    """Insert new rows; returns how many were inserted.

    A row another transaction inserted meanwhile is left alone (``ON CONFLICT DO NOTHING``,
    after waiting for that transaction to end), so fewer than ``len(objs)`` means the
    caller's view of which rows exist is out of date.
    """
    if not objs:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(AuroraFlow._meta.db_table)
    pk = quote(_column("id"))
    columns = [quote(_column(name)) for name in ("id", *names)]
    # Identifiers come from model metadata, quoted by the backend; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({pk}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, _params(objs, ("id", *names), connection))
        # The sum over every row of the executemany, on SQLite and on psycopg alike.
        return cursor.rowcount


def update_rows(objs: Sequence[AuroraFlow], names: Sequence[str], *, using: str) -> None:
    """``UPDATE ... WHERE id = %s`` for each row, in one round of ``executemany``."""
    if not objs:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(name))} = %s" for name in names)
    sql = (
        f"UPDATE {quote(AuroraFlow._meta.db_table)} SET {assignments} "
        f"WHERE {quote(_column('id'))} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, _params(objs, (*names, "id"), connection))
