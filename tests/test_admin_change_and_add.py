"""The AuroraFlow admin's job pages: the read-only change view (media, the editor link
and its expiry, the failure reason) and the add form, which creates at Creatify with the
API's rules."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from django_creatify.admin import players
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows
from tests.admin_support import ADMIN, messages_of

pytestmark = pytest.mark.usefixtures("clear_admin_cache")


# -- change view --------------------------------------------------------------------------


@pytest.mark.django_db
def test_done_job_page_plays_media_and_shows_the_editor_link(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Ready", status="done")
    sync_aurora_flows()
    flow = AuroraFlow.objects.get(pk=job["id"])
    html = admin_client.get(f"{ADMIN}{flow.pk}/change/").content.decode()

    assert re.search(
        r'<video class="creatify-player creatify-player--video" controls[^>]* src="'
        + re.escape(flow.video_output)
        + '"',
        html,
    )
    assert f'src="{flow.preview}"' in html
    assert f'<img class="creatify-image" src="{flow.image}"' in html
    assert f'<audio class="creatify-audio" controls preload="metadata" src="{flow.audio}"' in html
    assert f'href="{flow.editor_url}"' in html
    assert "expires in 23 h" in html or "expires in 24 h" in html
    assert '<details class="creatify-raw">' in html
    assert "&quot;status&quot;: &quot;done&quot;" in html  # pretty-printed, escaped
    # Read-only: no inputs for the mirror's fields, no save button.
    assert 'name="_save"' not in html
    assert "Refresh from Creatify" in html


@pytest.mark.django_db
def test_an_expired_editor_link_is_not_a_link(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Old", status="done")
    sync_aurora_flows()
    flow = AuroraFlow.objects.get(pk=job["id"])
    # Test data: pretend the link was received two days ago.
    AuroraFlow.objects.filter(pk=flow.pk).update(
        editor_url_fetched_at=timezone.now() - timedelta(days=2)
    )
    html = admin_client.get(f"{ADMIN}{flow.pk}/change/").content.decode()
    assert "creatify-expiry--expired" in html and ">expired<" in html
    assert f'href="{flow.editor_url}"' not in html


def test_expiry_text():
    now = timezone.now()
    assert players.expiry_text(now + timedelta(hours=5, minutes=30), now) == "expires in 5 h"
    assert players.expiry_text(now + timedelta(minutes=20), now) == "expires in 20 min"
    assert players.expiry_text(now - timedelta(seconds=1), now) == "expired"


@pytest.mark.django_db
def test_failed_reason_stands_out(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Nope", status="rejected", failed_reason="Moderation <x>")
    sync_aurora_flows()
    html = admin_client.get(f"{ADMIN}{job['id']}/change/").content.decode()
    assert 'class="creatify-callout creatify-callout--error" role="alert"' in html
    assert "Rejected by Creatify:" in html
    assert "Moderation &lt;x&gt;" in html and "Moderation <x>" not in html


@pytest.mark.django_db
def test_rows_cannot_be_edited_or_deleted(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Keep me", status="done")
    sync_aurora_flows()
    before = AuroraFlow.objects.values().get(pk=job["id"])
    response = admin_client.post(f"{ADMIN}{job['id']}/change/", {"name": "Changed"})
    assert response.status_code == 403
    assert admin_client.post(f"{ADMIN}{job['id']}/delete/", {"post": "yes"}).status_code == 403
    assert AuroraFlow.objects.values().get(pk=job["id"]) == before


# -- add ----------------------------------------------------------------------------------


def create_data(creatify_sandbox, **overrides):
    return {
        "audio": f"{creatify_sandbox.url}/media/audio.wav",
        "image": f"{creatify_sandbox.url}/media/image.png",
        "name": "Made in the admin",
        "text_prompt": "Warm light",
        "prompt_guidance_scale": "2.5",
        "model_version": "aurora_v1_fast",
        **overrides,
    }


@pytest.mark.django_db
def test_add_creates_at_creatify_and_mirrors(admin_client, admin_user, creatify_sandbox):
    form = admin_client.get(ADMIN + "add/")
    assert form.status_code == 200
    html = form.content.decode()
    for field in (
        "audio",
        "image",
        "name",
        "text_prompt",
        "prompt_guidance_scale",
        "model_version",
    ):
        assert f'name="{field}"' in html
    assert "Create at Creatify" in html

    response = admin_client.post(ADMIN + "add/", create_data(creatify_sandbox))
    flow = AuroraFlow.objects.get()
    assert response.status_code == 302 and response.url == f"{ADMIN}{flow.pk}/change/"
    assert flow.name == "Made in the admin" and flow.model_version == "aurora_v1_fast"
    assert flow.prompt_guidance_scale == 2.5 and flow.status == "pending"
    assert flow.created_by == admin_user
    (post,) = [request for request in creatify_sandbox.requests if request.method == "POST"]
    assert str(flow.pk) in creatify_sandbox
    assert "Created Made in the admin at Creatify" in messages_of(response)[0]
    assert post.path == "/api/aurora/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"audio": "https://cdn.example.com/voice.ogg"}, "audio", "mp3, wav"),
        ({"image": "javascript:alert(1)//x.png"}, "image", "Enter an http(s) URL."),
        ({"image": ""}, "image", "This field is required."),
        ({"name": "n" * 256}, "name", "no more than 255 characters"),
        ({"prompt_guidance_scale": "11"}, "prompt_guidance_scale", "less than or equal to 10"),
        ({"prompt_guidance_scale": "lots"}, "prompt_guidance_scale", "valid number"),
        ({"model_version": "aurora_v9"}, "model_version", "valid choice"),
    ],
)
def test_add_uses_the_api_validation(admin_client, creatify_sandbox, overrides, field, message):
    from django_creatify.api.serializers import AuroraFlowCreateSerializer

    data = create_data(creatify_sandbox, **overrides)
    response = admin_client.post(ADMIN + "add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert AuroraFlow.objects.count() == 0
    assert creatify_sandbox.requests == []
    # The API refuses the same body.
    api = AuroraFlowCreateSerializer(data={k: v for k, v in data.items() if v != ""})
    assert not api.is_valid() and field in api.errors


@pytest.mark.django_db
def test_add_shows_creatify_errors_on_the_form(admin_client, creatify_sandbox):
    creatify_sandbox.inject(
        Fault.body(400, json.dumps({"image": ["Creatify could not read this image."]}).encode())
    )
    response = admin_client.post(ADMIN + "add/", create_data(creatify_sandbox))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"] == [
        "Creatify could not read this image."
    ]
    creatify_sandbox.inject(Fault.status(429), Fault.status(429), Fault.status(429))
    response = admin_client.post(ADMIN + "add/", create_data(creatify_sandbox))
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.non_field_errors()
    assert error.startswith("Creatify could not create the job: ") and "429" in error
    assert AuroraFlow.objects.count() == 0
