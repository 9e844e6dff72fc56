"""The receiver's hot path: record a hint, and see whether a drain is on its way.

Tuned for speed: under a flood every webhook runs these, so each is one or two
statements through the cursor, built once from the model's metadata, instead of ORM
queries whose building costs several times their execution. Guarded by
``tests/test_webhook_flood.py`` (10,000 hints within its time budget, on SQLite and on
PostgreSQL) and the receiver's tests on both.
"""

from __future__ import annotations

import functools
import uuid

from django.db import connections, router
from django.utils import timezone

from . import locks
from .conf import creatify_settings
from .models import Lease, WebhookEvent

#: The lease held while a drain of the pending hints is queued (``tasks.request_hint_drain``).
DRAIN_LEASE = "django_creatify.webhook_hints"
PENDING = WebhookEvent.Outcome.PENDING
#: The partial index of pending events' pks (see ``WebhookEvent.Meta``).
PENDING_INDEX = next(index.name for index in WebhookEvent._meta.indexes if index.condition)


def record_hint(
    flow_id: uuid.UUID, payload: dict, remote_addr: str | None, *, family: str = ""
) -> bool:
    """Note that job ``flow_id`` (of ``family``, "" when unknown) may have changed;
    ``False`` if the backlog is full.

    ``payload`` must already be storable (the receiver sanitises it). A job with a pending
    event costs one UPDATE that raises its count, and no new row. Another job costs one
    INSERT more, of a pending event, made only while fewer than ``WEBHOOK_MAX_PENDING``
    events are pending; if a concurrent request made the job's pending event meanwhile,
    the INSERT raises that event's count instead (an upsert on the partial unique index).
    """
    connection = connections[router.db_for_write(WebhookEvent)]
    bump, insert = _record_statements(connection.alias)
    meta = WebhookEvent._meta
    flow = meta.get_field("flow_id").get_db_prep_save(flow_id, connection)
    data = meta.get_field("payload").get_db_prep_save(payload, connection)
    address = meta.get_field("remote_addr").get_db_prep_save(remote_addr, connection)
    received = meta.get_field("received_at").get_db_prep_save(timezone.now(), connection)
    limit = int(creatify_settings.WEBHOOK_MAX_PENDING)
    with connection.cursor() as cursor:
        cursor.execute(bump, [data, address, flow])
        if cursor.rowcount:
            return True
        cursor.execute(insert, [received, flow, family, data, address, limit - 1, limit, limit])
        return cursor.rowcount > 0


def drain_requested() -> bool:
    """Whether the drain lease is held, i.e. a drain is queued (one indexed read)."""
    connection = connections[router.db_for_read(Lease)]
    query = _lease_query(connection.alias)
    expires = Lease._meta.get_field("expires_at").get_db_prep_value(locks.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(query, [DRAIN_LEASE, expires])
        return cursor.fetchone() is not None


@functools.cache
def _record_statements(alias: str) -> tuple[str, str]:
    """The UPDATE that raises a pending event's count, and the INSERT of a new one."""
    quote = connections[alias].ops.quote_name
    table = quote(WebhookEvent._meta.db_table)
    # (Every concrete field has a column: the condition only tells mypy so.)
    column = {f.name: quote(f.column) for f in WebhookEvent._meta.concrete_fields if f.column}
    pk, pending = column["id"], f"{column['outcome']} = '{PENDING}'"
    # Clearing the claim tells a drain reading this job right now that it changed again.
    bump = (
        f"UPDATE {table} SET {column['hints']} = {column['hints']} + 1, "
        f"{column['payload']} = %s, {column['remote_addr']} = %s, {column['claim']} = '' "
        f"WHERE {pending} AND {column['flow_id']} = %s"
    )
    written = ("received_at", "flow_id", "family", "payload", "remote_addr")
    constant = {"body_excerpt": "''", "outcome": f"'{PENDING}'", "hints": "1", "claim": "''"}
    constant["error"] = "''"
    names = ", ".join(column[name] for name in (*written, *constant))
    values = ", ".join(["%s"] * len(written) + list(constant.values()))
    # SQLite, without statistics, prefers the (outcome, received_at) index and scans every
    # pending row for the smallest pk; the partial index has it first.
    oldest_pending = ""
    if connections[alias].vendor == "sqlite":
        oldest_pending = f" INDEXED BY {quote(PENDING_INDEX)}"
    # Pending events lie between the oldest pending pk and the newest pk: when that span is
    # short of the limit, the exact count (up to the limit) is not needed.
    room = (
        f"CASE WHEN (SELECT MAX({pk}) FROM {table}) "
        f"- (SELECT MIN({pk}) FROM {table}{oldest_pending} WHERE {pending}) < %s THEN TRUE "
        f"ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {pending} LIMIT %s) "
        f"AS waiting) < %s END"
    )
    insert = (
        f"INSERT INTO {table} ({names}) SELECT {values} WHERE {room} "
        f"ON CONFLICT ({column['flow_id']}) WHERE {pending} DO UPDATE SET "
        f"{column['hints']} = {table}.{column['hints']} + 1, "
        f"{column['payload']} = excluded.{column['payload']}, "
        f"{column['remote_addr']} = excluded.{column['remote_addr']}, {column['claim']} = ''"
    )
    return bump, insert


@functools.cache
def _lease_query(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    table = quote(Lease._meta.db_table)
    column = {f.name: quote(f.column) for f in Lease._meta.concrete_fields if f.column}
    name, expires = column["name"], column["expires_at"]
    return f"SELECT 1 FROM {table} WHERE {name} = %s AND {expires} > %s"
