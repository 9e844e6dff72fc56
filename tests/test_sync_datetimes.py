"""Datetime columns written by a sync are stored as Django stores them, so the site's own
lookups on them (exact, ranges) find the rows. SQLite keeps datetimes as text and compares
them as text: a differently spelled value (an offset suffix, a digit less) is a different
value there."""

from __future__ import annotations

from datetime import datetime

import pytest

from django_creatify.models import AuroraFlow
from django_creatify.sync import sync_aurora_flows

from .helpers import served

pytestmark = pytest.mark.django_db


def found_by(flow_id, **lookups) -> bool:
    return AuroraFlow.objects.filter(pk=flow_id, **lookups).exists()


def test_rows_a_sync_wrote_are_found_by_their_exact_datetimes(creatify_sandbox):
    creatify_sandbox.add_jobs(4, seed=11, status="done", editor_url="https://editor.example/e")
    sync_aurora_flows()
    payloads = served(creatify_sandbox)
    assert len(payloads) == 4
    for payload in payloads:
        for name in ("created_at", "updated_at"):
            when = datetime.fromisoformat(payload[name])
            assert found_by(payload["id"], **{name: when}), (name, payload[name])
            assert found_by(payload["id"], **{f"{name}__lte": when, f"{name}__gte": when})

    rows = AuroraFlow.objects.values_list("pk", "synced_at", "editor_url_fetched_at")
    for pk, synced_at, fetched_at in rows:
        assert synced_at is not None and fetched_at == synced_at
        for name in ("synced_at", "editor_url_fetched_at"):
            assert found_by(pk, **{name: synced_at}), name
            assert found_by(pk, **{f"{name}__lte": synced_at}), name
