"""Creating jobs of every family through the API: the documented rules, checked before
any remote call, and exactly the family's create body handed to the sync."""

import json
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from django_creatify import sync
from django_creatify.api.registry import REGISTRATIONS
from django_creatify.families import FAMILIES

from .family_api_support import (
    FAMILY_NAMES,
    PREFIX,
    PREVIEWING,
    VALID_BODIES,
    client_for,
    make_user,
    non_staff_api,
    payload,
)

pytestmark = pytest.mark.django_db

SCENE = VALID_BODIES["lipsyncs_v2"]["video_inputs"][0]
DEEP = {"a": [[[[[[[[[[1]]]]]]]]]]}


@pytest.fixture
def staff():
    return client_for(make_user("staff", staff=True))


@pytest.fixture
def handed_to_sync(monkeypatch):
    """Stand in for the sync's create and render calls: record what the view passes and
    mirror a job as Creatify would answer."""
    calls = []

    def create_job(family, *, step="create", created_by=None, **fields):
        calls.append((family.name, step, fields))
        answer = payload(family.name, status="pending", progress=0)
        return sync.record_created_job(family, answer, created_by=created_by)

    def render_job(family, job_id):
        calls.append((family.name, "render", {"id": str(job_id)}))
        row = family.model.objects.get(pk=job_id)
        answer = {**row.raw, "status": "pending", "preview": None}
        return sync.record_created_job(family, answer)

    monkeypatch.setattr(sync, "create_job", create_job)
    monkeypatch.setattr(sync, "render_job", render_job)
    return calls


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_the_create_serializer_takes_exactly_the_familys_create_fields(family):
    fields = REGISTRATIONS[family].create_serializer().fields
    assert set(fields) == set(FAMILIES[family].create_fields)


@pytest.mark.parametrize(
    ("family", "change", "field"),
    [
        ("lipsyncs", {"text": None}, "text"),
        ("lipsyncs", {"text": ""}, "text"),
        ("lipsyncs", {"text": "x" * 3601}, "text"),
        ("lipsyncs", {"name": "x" * 256}, "name"),
        ("lipsyncs", {"aspect_ratio": "16:9"}, "aspect_ratio"),
        ("lipsyncs", {"caption_style": "comic-sans"}, "caption_style"),
        ("lipsyncs", {"model_version": "aurora_v2"}, "model_version"),
        ("lipsyncs", {"green_screen": "maybe"}, "green_screen"),
        ("lipsyncs", {"no_caption": "perhaps"}, "no_caption"),
        ("lipsyncs", {"caption_offset_x": 0.51}, "caption_offset_x"),
        ("lipsyncs", {"caption_offset_y": "-0.6"}, "caption_offset_y"),
        ("lipsyncs", {"creator": "not-a-uuid"}, "creator"),
        ("lipsyncs", {"accent": 12.5}, "accent"),
        ("lipsyncs", {"audio": "ftp://cdn.example/voice.mp3"}, "audio"),
        ("lipsyncs", {"audio": "javascript:alert(1)//x.mp3"}, "audio"),
        (
            "lipsyncs",
            {"background_asset_image_url": "file:///etc/passwd"},
            "background_asset_image_url",
        ),
        (
            "lipsyncs",
            {"background_asset_image_url": "https://cdn.example/" + "x" * 1010},
            "background_asset_image_url",
        ),
        ("lipsyncs", {"webhook_url": "https://hooks.example/" + "x" * 179}, "webhook_url"),
        ("lipsyncs", {"webhook_url": "not a url"}, "webhook_url"),
        ("lipsyncs_v2", {"video_inputs": None}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": []}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": {"voice": {}}}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": ["a scene"]}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": [SCENE] * 51}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": [{"voice": "hello"}]}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": [{"voice": {"input_text": "x" * 2001}}]}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": [{"character": {"avatar_id": "x" * 51}}]}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": [{"character": {"scale": 2.5}}]}, "video_inputs"),
        (
            "lipsyncs_v2",
            {"video_inputs": [{"background": {"type": "image", "url": "file:///etc/passwd"}}]},
            "video_inputs",
        ),
        ("lipsyncs_v2", {"video_inputs": [{"extra": DEEP}]}, "video_inputs"),
        ("lipsyncs_v2", {"video_inputs": [{"extra": "x" * 300_000}]}, "video_inputs"),
        ("lipsyncs_v2", {"aspect_ratio": "4x3"}, "aspect_ratio"),
        ("lipsyncs_v2", {"model_version": "v9"}, "model_version"),
        ("lipsyncs_v2", {"name": "x" * 256}, "name"),
        ("lipsyncs_v2", {"background_music": "loud"}, "background_music"),
        ("lipsyncs_v2", {"background_music": {"url": "ftp://x.example/a"}}, "background_music"),
        ("lipsyncs_v2", {"background_music": {"volume": 1.5}}, "background_music"),
        ("lipsyncs_v2", {"cta_end": {"text": "x" * 20_000}}, "cta_end"),
        ("lipsyncs_v2", {"webhook_url": "gopher://hooks.example/"}, "webhook_url"),
        ("ai_shorts", {"aspect_ratio": None}, "aspect_ratio"),
        ("ai_shorts", {"script": None}, "script"),
        ("ai_shorts", {"script": ""}, "script"),
        ("ai_shorts", {"style": None}, "style"),
        ("ai_shorts", {"style": "Anime"}, "style"),
        ("ai_shorts", {"aspect_ratio": "4x3"}, "aspect_ratio"),
        ("ai_shorts", {"accent": "nope"}, "accent"),
        ("ai_shorts", {"caption_setting": [1, 2]}, "caption_setting"),
        ("ai_shorts", {"caption_setting": DEEP}, "caption_setting"),
        ("ai_shorts", {"background_music_url": "ftp://cdn.example/a.mp3"}, "background_music_url"),
        (
            "ai_shorts",
            {"background_music_url": "https://cdn.example/" + "x" * 236},
            "background_music_url",
        ),
        ("ai_shorts", {"background_music_volume": 1.01}, "background_music_volume"),
        ("ai_shorts", {"voiceover_volume": -0.1}, "voiceover_volume"),
        ("ai_shorts", {"webhook_url": "https://hooks.example/" + "x" * 179}, "webhook_url"),
    ],
)
def test_each_invalid_field_is_refused_before_any_remote_call(
    staff, creatify_sandbox, family, change, field
):
    body = {k: v for k, v in {**VALID_BODIES[family], **change}.items() if v is not None}
    paths = [f"{PREFIX}{family}/"]
    if family in PREVIEWING:
        paths.append(f"{PREFIX}{family}/preview/")
    for path in paths:
        response = staff.post(path, body, format="json")
        assert response.status_code == 400, (path, response.content)
        assert list(response.json()) == [field], response.json()
    assert creatify_sandbox.requests == []


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_valid_body_reaches_the_sync_as_the_familys_create_fields(staff, family, handed_to_sync):
    response = staff.post(f"{PREFIX}{family}/", VALID_BODIES[family], format="json")
    assert response.status_code == 201, response.content
    ((name, step, fields),) = handed_to_sync
    assert (name, step, fields) == (family, "create", VALID_BODIES[family])
    job = FAMILIES[family].model.objects.get(pk=response.json()["id"])
    assert job.created_by.username == "staff"
    assert response.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("family", "body"),
    [
        (
            "lipsyncs",
            {
                "name": "x" * 255,
                "text": "x" * 3600,
                "audio": "https://cdn.example/voice.wav?sig=1",
                "creator": "5C0C7A47-8B6E-4D8E-9A51-7F2F0B2F3A11",
                "aspect_ratio": "1x1",
                "green_screen": True,
                "transparent_background": False,
                "model_version": "aurora_v1_fast",
                "accent": str(uuid.UUID(int=7)),
                "no_caption": False,
                "no_music": True,
                "caption_style": "deep-blue",
                "caption_offset_x": -0.5,
                "caption_offset_y": "0.5",
                "background_asset_image_url": "http://cdn.example/" + "x" * 1005,
                "webhook_url": "https://hooks.example/" + "x" * 178,
            },
        ),
        (
            "lipsyncs_v2",
            {
                "video_inputs": [
                    {
                        **SCENE,
                        "character": {"type": "avatar", "avatar_id": "x" * 50, "scale": 2},
                        "voice": {"type": "text", "input_text": "x" * 2000},
                        "background": {"type": "video", "url": "https://cdn.example/b.mp4"},
                    }
                ]
                * 50,
                "aspect_ratio": "16x9",
                "background_music": {"url": "https://cdn.example/m.mp3", "volume": 1},
                "cta_end": True,
                "name": "x" * 255,
                "model_version": "standard",
                "webhook_url": "https://hooks.example/h",
            },
        ),
        (
            "ai_shorts",
            {
                "aspect_ratio": "1x1",
                "script": "A script.",
                "style": "4K realistic",
                "accent": str(uuid.UUID(int=9)),
                "caption_setting": {"style": "neo", "offset": {"x": 0, "y": 0.4}},
                "background_music_url": "https://cdn.example/" + "x" * 235,
                "background_music_volume": 0,
                "voiceover_volume": 1,
                "webhook_url": "https://hooks.example/h",
            },
        ),
    ],
)
def test_the_valid_edges_are_accepted_and_sent_as_json(staff, family, body, handed_to_sync):
    response = staff.post(f"{PREFIX}{family}/", body, format="json")
    assert response.status_code == 201, response.content
    ((_name, _step, fields),) = handed_to_sync
    assert set(fields) == set(body)
    json.dumps(fields)  # what the client sends: UUIDs as text, no Python-only values
    for name in ("creator", "accent"):
        if name in body:
            assert fields[name] == str(uuid.UUID(body[name]))


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_non_staff_may_name_a_webhook_only_on_an_allowed_host(family, handed_to_sync):
    client = client_for(make_user("someone"))
    url = f"{PREFIX}{family}/"
    with non_staff_api(WEBHOOK_URL_ALLOWED_HOSTS=["hooks.example"]):
        refused = client.post(
            url, {**VALID_BODIES[family], "webhook_url": "http://169.254.169.254/"}, format="json"
        )
        allowed = client.post(
            url, {**VALID_BODIES[family], "webhook_url": "https://hooks.example/h"}, format="json"
        )
    assert refused.status_code == 400
    assert list(refused.json()) == ["webhook_url"]
    assert allowed.status_code == 201, allowed.content


@pytest.mark.parametrize("family", PREVIEWING)
def test_preview_and_render_reach_the_sync_as_their_steps(staff, family, handed_to_sync):
    created = staff.post(f"{PREFIX}{family}/preview/", VALID_BODIES[family], format="json")
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]
    rendered = staff.post(f"{PREFIX}{family}/{job_id}/render/")
    assert rendered.status_code == 200, rendered.content
    assert rendered.json()["id"] == job_id
    assert [(name, step) for name, step, _fields in handed_to_sync] == [
        (family, "preview"),
        (family, "render"),
    ]
    assert FAMILIES[family].model.objects.get(pk=job_id).created_by.username == "staff"


def test_aurora_has_no_preview_or_render(staff):
    assert staff.post(f"{PREFIX}aurora/preview/", {}, format="json").status_code in (404, 405)
    job = sync.apply_payloads("aurora", [payload("aurora")])
    assert job.created == 1
    job_id = FAMILIES["aurora"].model.objects.get().pk
    assert staff.post(f"{PREFIX}aurora/{job_id}/render/").status_code == 404


@pytest.mark.parametrize("family", PREVIEWING)
def test_preview_and_render_spend_the_create_throttle(staff, family, creatify_sandbox):
    rates = {"creatify_create": "3/hour"}
    cache.clear()  # the throttle's history, kept per user id across tests
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        SimpleRateThrottle.THROTTLE_RATES = rates  # DRF reads this once at import
        try:
            codes = [
                staff.post(f"{PREFIX}{family}/", {}, format="json").status_code,
                staff.post(f"{PREFIX}{family}/preview/", {}, format="json").status_code,
                staff.post(f"{PREFIX}{family}/{uuid.uuid4()}/render/").status_code,
                staff.post(f"{PREFIX}{family}/preview/", {}, format="json").status_code,
            ]
        finally:
            SimpleRateThrottle.THROTTLE_RATES = {}
            cache.clear()
    assert codes == [400, 400, 404, 429]
    assert creatify_sandbox.requests == []


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_body_nested_too_deep_to_decode_is_a_400(staff, family):
    deep = "[" * 100_000 + "]" * 100_000
    response = staff.generic("POST", f"{PREFIX}{family}/", deep, content_type="application/json")
    assert response.status_code == 400
