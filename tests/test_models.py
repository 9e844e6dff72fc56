import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from django_creatify.models import AuroraFlow


def flow(**fields):
    return AuroraFlow(id=uuid.uuid4(), **fields)


@pytest.mark.parametrize(
    ("status", "progress", "percent"),
    [
        ("running", 0.45, 45.0),  # a fraction
        ("running", 45, 45.0),  # already a percentage
        ("running", 1, 100.0),  # the boundary reads as a fraction
        ("running", None, 0.0),
        ("running", 250, 100.0),  # clamped
        ("running", -3, 0.0),
        ("done", 0.2, 100.0),  # done is done, whatever was sent
        ("failed", 0.3, 30.0),
    ],
)
def test_progress_percent_reads_either_scale(status, progress, percent):
    assert flow(status=status, progress=progress).progress_percent == percent


def test_is_finished():
    assert flow(status="done").is_finished
    assert flow(status="rejected").is_finished
    assert not flow(status="running").is_finished
    assert not flow(status="something_new").is_finished


def test_editor_url_expires_24_hours_after_it_was_received(settings):
    received = timezone.now() - timedelta(hours=23)
    job = flow(editor_url="https://app.creatify.ai/e/1", editor_url_fetched_at=received)
    assert job.editor_url_expires_at == received + timedelta(hours=24)
    assert job.current_editor_url == "https://app.creatify.ai/e/1"
    job.editor_url_fetched_at = timezone.now() - timedelta(hours=24, seconds=1)
    assert job.current_editor_url is None
    assert flow(editor_url=None).editor_url_expires_at is None


def test_str_is_name_or_id():
    job = flow(name=None)
    assert str(job) == str(job.id)
    assert str(flow(name="Teaser")) == "Teaser"


@pytest.mark.django_db
def test_queryset_active_and_finished():
    for status in ["pending", "in_queue", "running", "done", "failed", "rejected", "archived"]:
        AuroraFlow.objects.create(id=uuid.uuid4(), status=status)
    assert sorted(AuroraFlow.objects.finished().values_list("status", flat=True)) == [
        "done",
        "failed",
        "rejected",
    ]
    assert sorted(AuroraFlow.objects.active().values_list("status", flat=True)) == [
        "archived",
        "in_queue",
        "pending",
        "running",
    ]
