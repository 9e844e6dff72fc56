"""Every family goes through the one engine: parsing by its description, its own table,
its own missing-job rule, and the status-change signals."""

from __future__ import annotations

import uuid

import pytest

from django_creatify.families import FAMILIES, LIPSYNC, get_family
from django_creatify.models import AuroraFlow, Lipsync
from django_creatify.signals import aurora_status_changed, job_status_changed
from django_creatify.sync import apply_payloads

from .family_payloads import later_than, payload

pytestmark = pytest.mark.django_db
EVERY_FAMILY = pytest.mark.parametrize("name", list(FAMILIES))


@EVERY_FAMILY
def test_a_documented_payload_is_mirrored_field_for_field(name):
    family = get_family(name)
    item = payload(name)
    result = apply_payloads(family, [item])
    assert (result.created, result.skipped) == (1, 0)
    job = family.model.objects.get(pk=item["id"])
    for field in family.fields:
        stored = getattr(job, field)
        if field in ("created_at", "updated_at"):
            assert stored.isoformat().startswith(item[field][:19])
        elif field in ("media_job", "creator", "accent", "workspace", "brand") and stored:
            assert str(stored) == item[field]
        elif field == "progress":
            assert stored == float(item["progress"])
        elif field in item:
            assert stored == item[field], field
    assert job.raw == item
    assert job.output_url is None
    assert job.family() is family


@EVERY_FAMILY
def test_the_finished_video_is_read_from_the_familys_own_field(name):
    family = get_family(name)
    item = payload(name, status="done", **{family.output_field: "https://cdn.example/v.mp4"})
    apply_payloads(family, [item])
    job = family.model.objects.get(pk=item["id"])
    assert (job.output_url, job.progress_percent, job.is_finished) == (
        "https://cdn.example/v.mp4",
        100.0,
        True,
    )


@pytest.mark.parametrize(
    ("sent", "stored"), [("0.45", 0.45), ("45", 45.0), (" 45% ", 45.0), ("", None), ("soon", None)]
)
def test_a_string_progress_is_read_as_a_number_and_odd_text_costs_only_the_field(sent, stored):
    item = payload("lipsyncs", progress=sent)
    assert apply_payloads(LIPSYNC, [item]).created == 1
    job = Lipsync.objects.get(pk=item["id"])
    assert job.progress == stored
    assert job.raw["progress"] == sent


@EVERY_FAMILY
def test_a_field_of_the_wrong_type_skips_the_item_with_its_reason(name):
    item = payload(name, duration={"seconds": 3})
    result = apply_payloads(name, [item, payload(name)])
    assert (result.created, result.skipped) == (1, 1)
    reason = f"item 0 ({item['id']}): duration: expected a number, got an object"
    assert str(result.skipped_items[0]) == reason


def test_a_complete_listing_of_one_family_marks_only_that_familys_rows_missing():
    aurora = [payload("aurora", status="done") for _ in range(3)]
    lipsyncs = [payload("lipsyncs", status="done") for _ in range(3)]
    apply_payloads("aurora", aurora)
    apply_payloads("lipsyncs", lipsyncs)
    result = apply_payloads("lipsyncs", iter(lipsyncs[:2]), complete_listing=True)
    assert (result.missing, result.unchanged) == (1, 2)
    marked = Lipsync.objects.filter(missing_since__isnull=False).values_list("pk", flat=True)
    assert list(marked) == [uuid.UUID(lipsyncs[2]["id"])]
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()


def test_the_same_id_in_two_families_is_two_jobs():
    shared = str(uuid.uuid4())
    apply_payloads("aurora", [payload("aurora", id=shared, name="an aurora job")])
    apply_payloads("ai_shorts", [payload("ai_shorts", id=shared, name="a short")])
    assert AuroraFlow.objects.get(pk=shared).name == "an aurora job"
    assert get_family("ai_shorts").model.objects.get(pk=shared).name == "a short"


@EVERY_FAMILY
def test_every_family_announces_status_changes_with_its_model_as_sender(
    name, django_capture_on_commit_callbacks
):
    family = get_family(name)
    heard, heard_aurora = [], []

    def receiver(sender, job, family, previous_status, status, **kwargs):
        heard.append((sender, type(job), family, previous_status, status))

    def aurora_receiver(sender, flow, previous_status, status, **kwargs):
        heard_aurora.append((previous_status, status))

    job_status_changed.connect(receiver, sender=family.model)
    aurora_status_changed.connect(aurora_receiver)
    try:
        item = payload(name, status="running")
        with django_capture_on_commit_callbacks(execute=True):
            apply_payloads(family, [item])
        with django_capture_on_commit_callbacks(execute=True):
            later = {**item, "status": "done", "updated_at": later_than(item["updated_at"])}
            apply_payloads(family, [later])
    finally:
        job_status_changed.disconnect(receiver, sender=family.model)
        aurora_status_changed.disconnect(aurora_receiver)
    assert heard == [
        (family.model, family.model, name, None, "running"),
        (family.model, family.model, name, "running", "done"),
    ]
    assert heard_aurora == ([(None, "running"), ("running", "done")] if name == "aurora" else [])


def test_a_receiver_for_one_family_hears_nothing_of_another(django_capture_on_commit_callbacks):
    heard = []

    def receiver(**kwargs):
        heard.append(kwargs)

    job_status_changed.connect(receiver, sender=Lipsync, dispatch_uid="lipsync-only")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            apply_payloads("aurora", [payload("aurora")])
    finally:
        job_status_changed.disconnect(sender=Lipsync, dispatch_uid="lipsync-only")
    assert heard == []
