"""What operators read in the log when a complete listing marks jobs missing."""

from __future__ import annotations

import json
import logging

import pytest
from django.utils import timezone

from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import missing, sync_aurora_flows

from .helpers import served

pytestmark = pytest.mark.django_db


def test_marking_jobs_missing_is_logged_with_their_number(creatify_sandbox, caplog):
    creatify_sandbox.add_jobs(5, status="done")
    sync_aurora_flows()
    listing = served(creatify_sandbox)
    creatify_sandbox.inject(Fault.body(200, json.dumps(listing[2:]).encode()))

    with caplog.at_level(logging.INFO, logger="django_creatify.sync"):
        assert sync_aurora_flows().missing == 2

    marked = [r for r in caplog.records if "no longer lists" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in marked] == [
        (logging.INFO, "Creatify no longer lists 2 mirrored Aurora job(s); marked missing")
    ]
    assert AuroraFlow.objects.filter(missing_since__isnull=False).count() == 2


def test_rows_another_writer_touched_after_they_were_found_missing_are_left_alone(
    creatify_sandbox, caplog, monkeypatch
):
    creatify_sandbox.add_jobs(4, status="done")
    sync_aurora_flows()
    listing = served(creatify_sandbox)
    found_missing = missing.unwritten

    def then_written_by_another_worker(model, candidates, started):
        gone = found_missing(model, candidates, started)
        assert len(gone) == 1
        AuroraFlow.objects.filter(pk__in=gone).update(synced_at=timezone.now())
        return gone

    monkeypatch.setattr(missing, "unwritten", then_written_by_another_worker)
    creatify_sandbox.inject(Fault.body(200, json.dumps(listing[1:]).encode()))
    with caplog.at_level(logging.INFO, logger="django_creatify.sync"):
        result = sync_aurora_flows()
    assert (result.missing, result.missing_withheld) == (0, 0)
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()
    assert "no longer lists" not in caplog.text
