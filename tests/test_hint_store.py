"""The receiver's hot path at the SQL level: what the backlog check costs."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_creatify.hint_store import record_hint
from django_creatify.models import Lease, WebhookEvent

from .webhook_support import SECRET, webhook_settings

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner only")
def test_on_sqlite_the_backlog_check_finds_the_oldest_pending_event_by_the_pending_index():
    # Without statistics SQLite would read the oldest pending pk from the (outcome,
    # received_at) index, scanning every pending row: a flood would slow each webhook.
    WebhookEvent.objects.bulk_create(
        WebhookEvent(flow_id=uuid.uuid4(), outcome=outcome)
        for outcome in (WebhookEvent.Outcome.PENDING, WebhookEvent.Outcome.UNKNOWN)
    )
    with CaptureQueriesContext(connection) as queries:
        assert record_hint(uuid.uuid4(), {"status": "done"}, None)
    (insert,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + insert)
        plan = [row[-1] for row in cursor.fetchall()]
    oldest = [step for step in plan if "django_creatify_pending_idx" in step]
    assert len(oldest) == 1 and "outcome_idx" not in oldest[0], plan


def test_a_hint_while_a_drain_is_queued_costs_one_read_of_the_lease(queued_tasks, deliver):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with webhook_settings():
        assert deliver(SECRET, {"id": first}).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert deliver(SECRET, {"id": second}).status_code == 200
            assert deliver(SECRET, {"id": first}).status_code == 200
    assert len(queued_tasks) == 1
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # The new job: its UPDATE (no row), its INSERT; the known job: its UPDATE. Each then
    # finds the drain queued in one read, and takes no lease.
    assert statements == ["UPDATE", "INSERT", "SELECT", "UPDATE", "SELECT"], statements
    assert Lease.objects.count() == 1
