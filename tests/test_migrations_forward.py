"""A database made by the release before the job families migrates forward intact."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from django_creatify.families import FAMILIES
from django_creatify.models import AuroraFlow, WebhookEvent
from django_creatify.sync import apply_payloads

APP = "django_creatify"
BEFORE_FAMILIES = (APP, "0007_webhook_hints")


def migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_rows_of_the_aurora_only_release_survive_and_every_family_gets_its_table():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes(APP)
    old_apps = migrate([BEFORE_FAMILIES])
    try:
        tables = connection.introspection.table_names()
        assert "django_creatify_lipsync" not in tables
        OldFlow = old_apps.get_model(APP, "AuroraFlow")
        OldEvent = old_apps.get_model(APP, "WebhookEvent")
        flow_id = uuid.uuid4()
        OldFlow.objects.create(
            id=flow_id,
            name="made before",
            status="done",
            video_output="https://cdn.example/v.mp4",
            raw={"id": str(flow_id), "name": "made before"},
            raw_digest="d" * 32,
        )
        OldEvent.objects.create(flow_id=flow_id, outcome="pending", payload={"id": str(flow_id)})
    finally:
        migrate(latest)

    flow = AuroraFlow.objects.get(pk=flow_id)
    assert (flow.name, flow.status, flow.output_url) == (
        "made before",
        "done",
        "https://cdn.example/v.mp4",
    )
    assert flow.raw_digest == "d" * 32
    event = WebhookEvent.objects.get()
    assert (event.flow_id, event.family, event.outcome) == (flow_id, "", "pending")
    tables = connection.introspection.table_names()
    for family in FAMILIES.values():
        assert family.model._meta.db_table in tables
        job_id = uuid.uuid4()
        result = apply_payloads(family, [{"id": str(job_id), "status": "pending"}])
        assert result.created == 1
        assert family.model.objects.get(pk=job_id).status == "pending"
