"""Shared by the admin tests of every family (their fixtures, ``family`` and
``clear_admin_cache``, are in conftest.py), and by the AuroraFlow admin's tests
(``test_admin_changelist.py``, ``test_admin_actions.py``, ``test_admin_change_and_add.py``):
its URL and varied mirror rows written straight into the table."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.messages import get_messages
from django.utils import timezone

from django_creatify.families import FAMILIES, get_family
from django_creatify.models import AuroraFlow

FAMILY_NAMES = list(FAMILIES)
#: The AuroraFlow admin's changelist.
ADMIN = "/admin/django_creatify/auroraflow/"
STATUSES = ("pending", "in_queue", "running", "done", "failed", "rejected")


def admin_url(family: str) -> str:
    return f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_rows(count: int, *, start: int = 0) -> None:
    """``count`` varied mirror rows straight into the table (test data, not a sync)."""
    now = timezone.now()
    rows = []
    for index in range(start, start + count):
        status = STATUSES[index % len(STATUSES)]
        flow_id = uuid.uuid4()
        rows.append(
            AuroraFlow(
                id=flow_id,
                # Spread over three years, for 10 rows as for 1,000, so that the date
                # hierarchy draws the same level (years) in both.
                created_at=now - timedelta(days=(index * 97) % 900, minutes=index),
                updated_at=now,
                name=f"Row {index}" if index % 5 else None,
                status=status,
                progress=0.5 if status == "running" else (1.0 if status == "done" else 0.0),
                model_version="aurora_v1_fast" if index % 3 == 0 else "aurora_v1",
                image=f"https://cdn.example.com/{flow_id}.png",
                video_output=f"https://cdn.example.com/{flow_id}.mp4" if status == "done" else None,
                duration=12 if status == "done" else 0,
                credits_used=12.0 if status == "done" else 0.0,
                failed_reason="No face was detected." if status == "failed" else "",
                is_hidden=index % 7 == 0,
                raw={"id": str(flow_id), "status": status, "padding": "x" * 500},
                synced_at=now,
            )
        )
    AuroraFlow.objects.bulk_create(rows, batch_size=500)
