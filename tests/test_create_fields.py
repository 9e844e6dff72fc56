"""Every documented create field, today's models and tomorrow's, checked before Creatify."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_creatify.models import AuroraFlow
from django_creatify.pricing import credits_per_second, estimate_credits
from django_creatify.sync import sync_aurora_flows

pytestmark = pytest.mark.django_db

API = "/creatify/api/aurora/"
ADD = "/admin/django_creatify/auroraflow/add/"
BODY = {"audio": "https://cdn.example/a.mp3", "image": "https://cdn.example/i.png"}


@pytest.fixture
def staff():
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("s", is_staff=True))
    return client


def sent_bodies(sandbox):
    return [json.loads(r.body) for r in sandbox.requests if r.method == "POST"]


def test_aurora_v2_with_every_new_field_reaches_creatify(staff, creatify_sandbox):
    fields = {
        **BODY,
        "model_version": "aurora_v2",
        "resolution": "1080p",
        "ttl_days": 30,
        "output_upload_url": "https://bucket.example/up/video.mp4?X-Amz-Signature=abc",
    }
    created = staff.post(API, fields, format="json")
    assert created.status_code == 201, created.content
    (sent,) = sent_bodies(creatify_sandbox)
    assert {name: sent[name] for name in fields} == fields

    creatify_sandbox.advance(600)
    sync_aurora_flows()
    row = AuroraFlow.objects.get(pk=created.json()["id"])
    assert row.status == "done" and row.model_version == "aurora_v2"
    assert row.credits_used == pytest.approx(row.duration * 1.4)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"model_version": "aurora_v1", "resolution": "1080p"}, "resolution"),
        ({"resolution": "1080p"}, "resolution"),  # the default model is aurora_v1
        ({"model_version": "aurora_v2", "resolution": "4k"}, "resolution"),
        ({"ttl_days": 0}, "ttl_days"),
        ({"ttl_days": "soon"}, "ttl_days"),
        ({"output_upload_url": "ftp://bucket.example/up"}, "output_upload_url"),
        ({"model_version": "aurora_v3"}, "model_version"),
    ],
)
def test_each_new_rule_is_checked_before_any_remote_call(staff, creatify_sandbox, fields, field):
    response = staff.post(API, {**BODY, **fields}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert creatify_sandbox.requests == []


def test_a_model_creatify_adds_later_is_allowed_by_a_setting(staff, creatify_sandbox, settings):
    settings.CREATIFY = {**settings.CREATIFY, "AURORA_EXTRA_MODEL_VERSIONS": {"aurora_v3": 2.0}}
    response = staff.post(API, {**BODY, "model_version": "aurora_v3"}, format="json")
    # It reached Creatify (here the sandbox, which does not know it yet) unrefused by us.
    assert [body["model_version"] for body in sent_bodies(creatify_sandbox)] == ["aurora_v3"]
    assert response.status_code == 400
    assert "aurora_v3" in response.json()["model_version"][0]
    assert credits_per_second("aurora_v3", extra={"aurora_v3": 2.0}) == 2.0


@pytest.mark.parametrize(
    ("seconds", "model", "resolution", "credits"),
    [
        (10, "aurora_v1", None, 10.0),
        (10.2, "aurora_v1", None, 11.0),  # a started second is billed whole
        (10, "aurora_v1_fast", None, 5.0),
        (10, "aurora_v2", None, 7.0),  # 720p unless asked
        (10, "aurora_v2", "480p", 4.0),
        (10, "aurora_v2", "1080p", 14.0),
        (10, "aurora_v2", "2k", 28.0),
        (10, None, None, 10.0),
        (10, "aurora_v9", None, None),
    ],
)
def test_the_estimate_follows_each_models_documented_price(seconds, model, resolution, credits):
    assert estimate_credits(seconds, model, resolution) == credits


def test_the_admin_add_form_shows_prices_and_creates_aurora_v2(admin_client, creatify_sandbox):
    page = admin_client.get(ADD).content.decode()
    for text in ("aurora_v2", "1080p 1.4/s", "aurora_v1_fast 0.5 credit/s", "Keep for (days)"):
        assert text in page
    response = admin_client.post(
        ADD, {**BODY, "model_version": "aurora_v2", "resolution": "2k", "ttl_days": "3"}
    )
    assert response.status_code == 302
    (sent,) = sent_bodies(creatify_sandbox)
    assert (sent["model_version"], sent["resolution"], sent["ttl_days"]) == ("aurora_v2", "2k", 3)
