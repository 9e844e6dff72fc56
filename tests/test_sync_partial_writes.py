"""Writes that are not a complete listing (a create's answer, a webhook's refresh) touch
only the jobs they carry: the rest of the mirror is neither marked missing nor taken for
a glitch."""

from __future__ import annotations

import logging

import pytest

from django_creatify.models import AuroraFlow
from django_creatify.sync import apply_aurora_payloads, create_aurora_flow, sync_aurora_flows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mirrored", [1, 3])
def test_creating_a_job_leaves_the_other_mirrored_jobs_alone(creatify_sandbox, caplog, mirrored):
    creatify_sandbox.add_jobs(mirrored, status="done")
    assert sync_aurora_flows().created == mirrored

    with caplog.at_level(logging.ERROR, logger="django_creatify.sync"):
        flow = create_aurora_flow(
            audio="https://cdn.example/v.mp3", image="https://cdn.example/f.png", name="new"
        )
    assert AuroraFlow.objects.count() == mirrored + 1
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()
    assert flow.name == "new"
    assert caplog.records == []


def test_payloads_written_without_a_complete_listing_mark_nothing_missing(creatify_sandbox):
    first, second = creatify_sandbox.add_jobs(2, status="done")
    sync_aurora_flows()
    result = apply_aurora_payloads([{**first, "name": "renamed"}])
    assert (result.updated, result.missing, result.missing_withheld) == (1, 0, 0)
    assert AuroraFlow.objects.get(pk=second["id"]).missing_since is None
