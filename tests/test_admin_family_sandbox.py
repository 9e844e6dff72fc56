"""Every family's admin tools against the sandbox: refresh, sync all, refresh one, create,
preview then render, and Creatify's own refusals shown on the form."""

from __future__ import annotations

import json

import pytest

from django_creatify.families import FAMILIES, get_family
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_jobs
from tests.admin_support import FAMILY_NAMES, admin_url, messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_admin_cache")]

SCENE = {"character": {"type": "avatar", "avatar_id": "a1"}, "voice": {"input_text": "Hi."}}


def create_body(family: str, sandbox) -> dict:
    return {
        "aurora": {
            "audio": f"{sandbox.url}/media/audio.wav",
            "image": f"{sandbox.url}/media/image.png",
            "name": "From the admin",
        },
        "lipsyncs": {"name": "From the admin", "text": "Hello there.", "aspect_ratio": "9x16"},
        "lipsyncs_v2": {"name": "From the admin", "video_inputs": json.dumps([SCENE])},
        "ai_shorts": {"script": "Three tips.", "aspect_ratio": "9x16", "style": "3D"},
    }[family]


def posts(sandbox) -> list:
    return [request for request in sandbox.requests if request.method == "POST"]


def test_refresh_action_reports_what_changed(admin_client, creatify_sandbox, family):
    jobs = creatify_sandbox.add_jobs(3, family, status="running")
    sync_jobs(family)
    creatify_sandbox.update_job(jobs[0]["id"], status="done")
    creatify_sandbox.clear_requests()
    response = admin_client.post(
        admin_url(family),
        {"action": "refresh_selected", "_selected_action": [job["id"] for job in jobs]},
        follow=True,
    )
    assert messages_of(response) == [
        "Refreshed 3 jobs from Creatify: created 0, updated 1, unchanged 2, skipped 0 (1 request)."
    ]
    assert [request.path for request in creatify_sandbox.requests] == [get_family(family).path]
    assert get_family(family).model.objects.get(pk=jobs[0]["id"]).status == "done"


def test_sync_all_now_and_refresh_one(admin_client, creatify_sandbox, family):
    creatify_sandbox.add_jobs(2, family, status="done")
    url = admin_url(family)
    response = admin_client.post(url + "sync/", {"next": url + "?status=done"})
    assert response.url == url + "?status=done"
    assert messages_of(response) == [
        "Synced every job from Creatify: created 2, updated 0, unchanged 0, skipped 0 (1 request)."
    ]
    job = creatify_sandbox.add_job(family, status="running")
    response = admin_client.post(url + "sync/", follow=True)
    creatify_sandbox.update_job(job["id"], status="done")
    response = admin_client.post(f"{url}{job['id']}/refresh/")
    assert response.url == f"{url}{job['id']}/change/"
    assert messages_of(response) == [
        "Refreshed from Creatify: created 0, updated 1, unchanged 0, skipped 0 (1 request)."
    ]
    assert get_family(family).model.objects.get(pk=job["id"]).status == "done"
    overview = admin_client.get(url + "overview/").content.decode()
    assert "refresh of" in overview and "updated 1" in overview


def test_add_creates_the_job_at_creatify(admin_client, admin_user, creatify_sandbox, family):
    response = admin_client.post(admin_url(family) + "add/", create_body(family, creatify_sandbox))
    model = get_family(family).model
    job = model.objects.get()
    assert response.status_code == 302 and response.url == f"{admin_url(family)}{job.pk}/change/"
    assert job.created_by == admin_user
    (post,) = posts(creatify_sandbox)
    assert post.path == get_family(family).path
    assert messages_of(response)[0].startswith(f"Created {job} at Creatify")


@pytest.mark.parametrize("family_name", [n for n in FAMILY_NAMES if FAMILIES[n].previews])
def test_preview_then_render(admin_client, creatify_sandbox, family_name):
    url = admin_url(family_name)
    body = {**create_body(family_name, creatify_sandbox), "_preview": "1"}
    response = admin_client.post(url + "add/", body)
    model = get_family(family_name).model
    job = model.objects.get()
    assert messages_of(response)[0].startswith(f"Asked Creatify for a preview of {job}")
    assert [post.path for post in posts(creatify_sandbox)] == [
        f"{get_family(family_name).path}preview/"
    ]

    creatify_sandbox.finish_all("done", family=family_name)
    admin_client.post(f"{url}{job.pk}/refresh/")
    page = admin_client.get(f"{url}{job.pk}/change/").content.decode()
    assert "Render the video" in page

    creatify_sandbox.clear_requests()
    response = admin_client.post(f"{url}{job.pk}/render/")
    assert response.url == f"{url}{job.pk}/change/"
    assert messages_of(response)[0].startswith(f"Asked Creatify to render {job}")
    assert [post.path for post in posts(creatify_sandbox)] == [
        f"{get_family(family_name).path}{job.pk}/render/"
    ]
    assert model.objects.get(pk=job.pk).status in ("pending", "in_queue", "running")
    # Being rendered, it is no longer a finished preview: no second render is offered.
    page = admin_client.get(f"{url}{job.pk}/change/").content.decode()
    assert "Render the video" not in page


def test_creatify_refusals_land_on_the_form(admin_client, creatify_sandbox, family):
    field = get_family(family).create_fields[0]
    creatify_sandbox.inject(Fault.body(400, json.dumps({field: ["Creatify says no."]}).encode()))
    response = admin_client.post(admin_url(family) + "add/", create_body(family, creatify_sandbox))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == ["Creatify says no."]
    assert get_family(family).model.objects.count() == 0
