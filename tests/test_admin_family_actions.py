"""Every family's admin tools: refresh, sync all, render, and the add page's forms.

What reaches Creatify runs against the sandbox, which serves every family; what must not
reach it (refused forms, a busy lease, a queue of tasks) is checked without it.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import NoReverseMatch, reverse

from django_creatify import locks
from django_creatify.admin.create_forms import (
    AIShortCreateForm,
    LipsyncCreateForm,
    LipsyncV2CreateForm,
)
from django_creatify.families import FAMILIES, RENDER, get_family
from django_creatify.sync import apply_payloads
from tests.admin_support import FAMILY_NAMES, admin_url, messages_of
from tests.job_payloads import payload, payloads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_admin_cache")]

RENDERING = [name for name in FAMILY_NAMES if RENDER in FAMILIES[name].steps]


def select_all(action: str) -> dict:
    return {"action": action, "select_across": "1", "index": "0", "_selected_action": ["x"]}


# -- refresh and sync, without reaching Creatify ---------------------------------------------


def test_a_large_selection_is_queued_as_refresh_jobs_tasks_of_100(
    admin_client, family, queued_tasks, monkeypatch
):
    from django_creatify.admin import base

    monkeypatch.setattr(base.CreatifyJobAdmin, "refresh_now_limit", 150)
    apply_payloads(family, payloads(family, 250))
    response = admin_client.post(admin_url(family), select_all("refresh_selected"), follow=True)
    assert messages_of(response) == [
        "Queued a refresh of 250 jobs in 3 tasks of up to 100; "
        "the list shows the results as they arrive."
    ]
    assert [name for name, _, _ in queued_tasks] == ["django_creatify.tasks.refresh_jobs"] * 3
    assert {args[0] for _, args, _ in queued_tasks} == {family}
    ids = [job_id for _, args, _ in queued_tasks for job_id in args[1]]
    assert [len(args[1]) for _, args, _ in queued_tasks] == [100, 100, 50]
    assert sorted(ids) == sorted(
        str(pk) for pk in get_family(family).model.objects.values_list("pk", flat=True)
    )


def test_a_refresh_creatify_cannot_answer_is_an_error_and_changes_nothing(admin_client, family):
    apply_payloads(family, payloads(family, 3))
    model = get_family(family).model
    before = list(model.objects.order_by("pk").values())
    response = admin_client.post(admin_url(family), select_all("refresh_selected"), follow=True)
    (text,) = messages_of(response)
    assert text.startswith("Creatify refresh of 3 jobs failed") and "try again later" in text
    assert list(model.objects.order_by("pk").values()) == before


def test_sync_all_waits_for_the_familys_running_full_sync(admin_client, family):
    lease = get_family(family).full_sync_lease
    holder = locks.acquire(lease, 60, holder="worker-9:1:abc")
    try:
        response = admin_client.post(admin_url(family) + "sync/")
    finally:
        locks.release(lease, holder)
    (text,) = messages_of(response)
    assert "is already running (worker-9:1:abc" in text
    assert text.endswith("; try again when it has finished.")
    assert response.status_code == 302 and response.url == admin_url(family)


def test_view_only_staff_get_no_tools(client, django_user_model, family):
    from django.contrib.auth.models import Permission

    model = get_family(family).model
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=f"view_{model._meta.model_name}"))
    client.force_login(user)
    job = a_preview(family)
    apply_payloads(family, [job])
    html = client.get(admin_url(family)).content.decode()
    assert "Sync all now" not in html and "refresh_selected" not in html
    assert "render_selected" not in html
    assert client.post(admin_url(family) + "sync/").status_code == 403
    assert client.post(f"{admin_url(family)}{job['id']}/refresh/").status_code == 403
    assert client.get(admin_url(family) + "add/").status_code == 403
    page = client.get(f"{admin_url(family)}{job['id']}/change/").content.decode()
    assert "Render the video" not in page


# -- render ------------------------------------------------------------------------------


def a_preview(family: str) -> dict:
    """A finished preview: done, with its preview, without its video yet."""
    output = get_family(family).output_field
    return payload(family, 0, "done", **{output: None})


@pytest.mark.parametrize("family_name", RENDERING)
def test_a_finished_preview_offers_render_and_a_video_does_not(admin_client, family_name):
    preview, video = a_preview(family_name), payload(family_name, 1, "done")
    apply_payloads(family_name, [preview, video])
    url = admin_url(family_name)
    page = admin_client.get(f"{url}{preview['id']}/change/").content.decode()
    assert "Render the video" in page and f'action="{url}{preview["id"]}/render/"' in page
    page = admin_client.get(f"{url}{video['id']}/change/").content.decode()
    assert "Render the video" not in page
    assert 'value="render_selected"' in admin_client.get(url).content.decode()


def test_aurora_has_no_render_step(admin_client):
    job = payload("aurora", 0, "done", video_output=None)
    apply_payloads("aurora", [job])
    url = admin_url("aurora")
    assert "Render the video" not in admin_client.get(f"{url}{job['id']}/change/").content.decode()
    assert 'value="render_selected"' not in admin_client.get(url).content.decode()
    with pytest.raises(NoReverseMatch):
        reverse("admin:django_creatify_auroraflow_render", args=[job["id"]])


@pytest.mark.parametrize("family_name", RENDERING)
def test_render_creatify_cannot_answer_is_an_error(admin_client, family_name):
    preview = a_preview(family_name)
    apply_payloads(family_name, [preview])
    url = f"{admin_url(family_name)}{preview['id']}/"
    assert admin_client.get(url + "render/").status_code == 405
    response = admin_client.post(url + "render/")
    assert response.status_code == 302 and response.url == url + "change/"
    (text,) = messages_of(response)
    assert text.startswith(f"Creatify did not render {preview['name']}: ")


@pytest.mark.parametrize("family_name", RENDERING)
def test_render_action_takes_finished_previews_only_and_is_bounded(
    admin_client, family_name, monkeypatch
):
    from django_creatify.admin import actions

    rendered = []
    monkeypatch.setattr(
        actions.sync, "render_job", lambda family, job_id: rendered.append((family.name, job_id))
    )
    preview, video, running = (
        a_preview(family_name),
        payload(family_name, 1),
        payload(family_name, 2, "running"),
    )
    apply_payloads(family_name, [preview, video, running])
    response = admin_client.post(admin_url(family_name), select_all("render_selected"), follow=True)
    assert messages_of(response) == [
        "Asked Creatify to render 1 preview.",
        "2 selected jobs are not finished previews and were left as they were.",
    ]
    assert rendered == [(family_name, uuid.UUID(preview["id"]))]

    monkeypatch.setattr("django_creatify.admin.base.CreatifyJobAdmin.render_limit", 2)
    response = admin_client.post(admin_url(family_name), select_all("render_selected"), follow=True)
    assert messages_of(response) == ["Select at most 2 jobs to render at once."]
    assert len(rendered) == 1


# -- the add page ----------------------------------------------------------------------------


def test_the_add_page_shows_the_create_body_and_its_steps(admin_client, family):
    html = admin_client.get(admin_url(family) + "add/").content.decode()
    for name in get_family(family).create_fields:
        if name not in ("resolution", "ttl_days", "output_upload_url"):
            assert f'name="{name}"' in html, name
    assert ('value="Create at Creatify"' in html) is True
    assert ('name="_preview"' in html) is get_family(family).previews
    assert 'class="creatify-intro"' in html
    assert ">null</textarea>" not in html


REFUSED = [
    ("lipsyncs", {}, "text", "Give a script (text) or an audio URL"),
    ("lipsyncs", {"text": "Hi", "audio": "javascript:alert(1)"}, "audio", "http(s) URL"),
    ("lipsyncs", {"text": "x" * 3601}, "text", "at most 3600"),
    ("lipsyncs", {"text": "Hi", "creator": "nope"}, "creator", "valid UUID"),
    ("lipsyncs", {"text": "Hi", "aspect_ratio": "4x3"}, "aspect_ratio", "valid choice"),
    ("lipsyncs", {"text": "Hi", "caption_offset_x": "0.7"}, "caption_offset_x", "0.5"),
    ("lipsyncs", {"text": "Hi", "caption_style": "comic"}, "caption_style", "valid choice"),
    (
        "lipsyncs",
        {"text": "Hi", "webhook_url": "https://x.example/" + "a" * 200},
        "webhook_url",
        "200",
    ),
    ("lipsyncs_v2", {}, "video_inputs", "required"),
    ("lipsyncs_v2", {"video_inputs": "{}"}, "video_inputs", "a list"),
    ("lipsyncs_v2", {"video_inputs": "[]"}, "video_inputs", "at least one scene"),
    ("lipsyncs_v2", {"video_inputs": "[1]"}, "video_inputs", "Scene 1 is not an object"),
    ("lipsyncs_v2", {"video_inputs": "[{"}, "video_inputs", "valid JSON"),
    (
        "lipsyncs_v2",
        {"video_inputs": '[{"voice": {}}]', "background_music": '{"url": "ftp://x/a.mp3"}'},
        "background_music",
        "http(s)",
    ),
    ("ai_shorts", {"aspect_ratio": "9x16", "style": "3D"}, "script", "required"),
    ("ai_shorts", {"script": "s", "style": "3D"}, "aspect_ratio", "required"),
    (
        "ai_shorts",
        {"script": "s", "aspect_ratio": "9x16", "style": "Anime"},
        "style",
        "valid choice",
    ),
    (
        "ai_shorts",
        {"script": "s", "aspect_ratio": "9x16", "style": "3D", "voiceover_volume": "1.5"},
        "voiceover_volume",
        "less than or equal to 1",
    ),
    (
        "ai_shorts",
        {"script": "s", "aspect_ratio": "9x16", "style": "3D", "caption_setting": "[1]"},
        "caption_setting",
        "an object",
    ),
]


@pytest.mark.parametrize(("family_name", "data", "field", "message"), REFUSED)
def test_the_add_page_refuses_what_creatify_documents_it_refuses(
    admin_client, family_name, data, field, message, creatify_sandbox
):
    response = admin_client.post(admin_url(family_name) + "add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert get_family(family_name).model.objects.count() == 0
    assert creatify_sandbox.requests == []


@pytest.mark.parametrize(
    ("form_class", "data", "body"),
    [
        (
            LipsyncCreateForm,
            {
                "text": "Hi",
                "creator": str(uuid.UUID(int=5)),
                "caption_offset_y": "-0.4",
                "no_music": "on",
            },
            {
                "text": "Hi",
                "creator": str(uuid.UUID(int=5)),
                "caption_offset_y": "-0.4",
                "no_music": True,
            },
        ),
        (
            LipsyncV2CreateForm,
            {"video_inputs": '[{"voice": {"input_text": "Hi"}}]', "aspect_ratio": "1x1"},
            {"video_inputs": [{"voice": {"input_text": "Hi"}}], "aspect_ratio": "1x1"},
        ),
        (
            AIShortCreateForm,
            {
                "script": "s",
                "aspect_ratio": "9x16",
                "style": "Steam punk",
                "background_music_volume": "0",
            },
            {
                "script": "s",
                "aspect_ratio": "9x16",
                "style": "Steam punk",
                "background_music_volume": 0.0,
            },
        ),
    ],
)
def test_the_body_sent_is_what_was_filled_in(form_class, data, body):
    """Empty fields and unticked boxes are left out (Creatify's defaults apply); zero is kept."""
    form = form_class(data)
    assert form.is_valid(), form.errors
    assert form.create_fields == body
