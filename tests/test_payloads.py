import logging
import uuid
from datetime import UTC, datetime

import pytest

from django_creatify import payloads
from django_creatify.payloads import FieldRejected, parse_flow, parse_flows

JOB_ID = "0b6f0f5e-3f1a-4f60-9a57-6f7a4c1c2d3e"


def item(**overrides):
    base = {
        "id": JOB_ID,
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:05:00.123456+00:00",
        "name": "Launch teaser",
        "audio": "https://cdn.example/a.mp3",
        "image": "https://cdn.example/i.png",
        "text_prompt": "warm light",
        "prompt_guidance_scale": 1.5,
        "model_version": "aurora_v1",
        "video_output": None,
        "credits_used": 0,
        "duration": 0,
        "progress": 0.25,
        "failed_reason": "",
        "media_job": None,
        "status": "running",
        "is_hidden": False,
        "webhook_url": None,
        "preview": None,
        "editor_url": None,
    }
    base.update(overrides)
    return base


def test_parses_every_documented_field():
    flow = parse_flow(item(media_job="5d0c7b5a-8c1e-4c0e-9a55-1c2b3d4e5f60"))
    assert flow.id == uuid.UUID(JOB_ID)
    assert flow.values["created_at"] == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert flow.values["updated_at"] == datetime(2026, 11, 1, 10, 5, 0, 123456, tzinfo=UTC)
    assert flow.values["media_job"] == uuid.UUID("5d0c7b5a-8c1e-4c0e-9a55-1c2b3d4e5f60")
    assert flow.values["prompt_guidance_scale"] == 1.5
    assert flow.values["progress"] == 0.25
    assert sorted(flow.values) == [
        "audio",
        "created_at",
        "credits_used",
        "duration",
        "editor_url",
        "failed_reason",
        "image",
        "is_hidden",
        "media_job",
        "model_version",
        "name",
        "preview",
        "progress",
        "prompt_guidance_scale",
        "status",
        "text_prompt",
        "updated_at",
        "video_output",
        "webhook_url",
    ]


def test_numbers_sent_as_strings_are_read():
    flow = parse_flow(
        item(credits_used="7.5", progress="45", duration="12", prompt_guidance_scale="2")
    )
    assert flow.values["credits_used"] == 7.5
    assert flow.values["progress"] == 45.0
    assert flow.values["duration"] == 12
    assert flow.values["prompt_guidance_scale"] == 2.0


def test_naive_datetimes_are_taken_as_utc():
    flow = parse_flow(item(created_at="2026-11-01T10:00:00"))
    assert flow.values["created_at"] == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def test_null_and_missing_fields_take_the_mirror_defaults():
    body = item(name=None, failed_reason=None, is_hidden=None)
    del body["text_prompt"], body["editor_url"]
    values = parse_flow(body).values
    assert values["name"] is None
    assert values["failed_reason"] == ""
    assert values["is_hidden"] is False
    assert values["text_prompt"] == ""
    assert values["editor_url"] is None


def test_unknown_fields_are_kept_in_raw():
    body = item(brand_new_field={"nested": [1, 2]})
    flow = parse_flow(body)
    assert flow.raw["brand_new_field"] == {"nested": [1, 2]}


def test_unknown_status_is_kept_and_logged_once(caplog, monkeypatch):
    monkeypatch.setattr(payloads, "_reported_statuses", set())
    with caplog.at_level(logging.WARNING, logger="django_creatify.payloads"):
        assert parse_flow(item(status="archived")).values["status"] == "archived"
        parse_flow(item(status="archived"))
    assert [r.getMessage() for r in caplog.records if "archived" in r.getMessage()] == [
        f"Creatify sent an unknown Aurora status 'archived' (job {JOB_ID}); stored as sent"
    ]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"id": None}, "no id"),
        ({"id": "not-a-uuid"}, "id: expected a UUID"),
        ({"duration": "abc"}, "duration: expected a number"),
        ({"created_at": "yesterday"}, "created_at: expected an ISO 8601 date-time"),
        ({"is_hidden": "maybe"}, "is_hidden: expected a boolean"),
        ({"name": {"first": "x"}}, "name: expected a string, got an object"),
        ({"progress": True}, "progress: expected a number, got a boolean"),
        ({"credits_used": "NaN"}, "credits_used: expected a finite number"),
        ({"status": "x" * 100}, "status: expected a short code"),
        ({"media_job": "nope"}, "media_job: expected a UUID"),
    ],
)
def test_unreadable_items_are_rejected_with_a_reason(overrides, reason):
    with pytest.raises(FieldRejected, match="^" + reason.replace("(", r"\(")):
        parse_flow(item(**overrides))


def test_parse_flows_counts_skipped_items_with_reasons():
    no_id = item()
    del no_id["id"]
    outcome = parse_flows([item(), no_id, "just a string", item(id="bad", name="x")])
    assert [flow.id for flow in outcome.flows] == [uuid.UUID(JOB_ID)]
    assert [(s.index, s.id, s.reason) for s in outcome.skipped] == [
        (1, None, "no id"),
        (2, None, "expected a JSON object, got 'just a string'"),
        (3, "bad", "id: expected a UUID, got 'bad'"),
    ]


def test_create_body_keeps_only_given_create_fields():
    body = payloads.create_body(audio="https://a/x.mp3", image="https://a/x.png", name=None)
    assert body == {"audio": "https://a/x.mp3", "image": "https://a/x.png"}
    with pytest.raises(TypeError, match="status"):
        payloads.create_body(audio="a", image="b", status="done")
