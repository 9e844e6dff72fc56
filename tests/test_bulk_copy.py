"""On PostgreSQL with psycopg 3 a sync sends new rows with COPY, not an INSERT per batch."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from django_creatify.models import AuroraFlow
from django_creatify.sync import sync_aurora_flows

from .helpers import captured_statements

pytestmark = pytest.mark.django_db

INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)


def test_new_rows_reach_postgresql_by_copy(creatify_sandbox):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; other databases get an INSERT per batch")
    pytest.importorskip("psycopg")
    creatify_sandbox.add_jobs(5, status="done")
    with captured_statements() as statements:
        assert sync_aurora_flows().created == 5
    # Django's execute wrappers never see a COPY: an INSERT here is the slower path.
    assert [sql for sql, _ in statements if INSERT.match(sql)] == []
    assert AuroraFlow.objects.count() == 5
