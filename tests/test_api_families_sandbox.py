"""Every family's create, preview, render and refresh through the API, end to end against
the offline sandbox."""

import inspect
import json

import pytest

from django_creatify.families import FAMILIES
from django_creatify.sandbox import Sandbox
from django_creatify.sync import sync_jobs

from .family_api_support import (
    FAMILY_NAMES,
    PREFIX,
    PREVIEWING,
    VALID_BODIES,
    client_for,
    make_user,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "family" not in inspect.signature(Sandbox.add_job).parameters,
        reason="this sandbox serves Aurora only",
    ),
]
FINAL = ("done", "failed", "rejected")


@pytest.fixture
def staff():
    return client_for(make_user("staff", staff=True))


def posts(sandbox):
    return [(r.path, json.loads(r.body or b"null")) for r in sandbox.requests if r.method == "POST"]


def until_finished(sandbox, job_id):
    for _ in range(100):
        if sandbox.job(job_id)["status"] in FINAL:
            return
        sandbox.advance(30)
    raise AssertionError(f"job {job_id} never finished in the sandbox")


def refreshed(client, family, job_id):
    response = client.post(f"{PREFIX}{family}/{job_id}/refresh/")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_create_reaches_the_sandbox_and_mirrors_the_job(
    staff, creatify_sandbox, eager_celery, family
):
    response = staff.post(f"{PREFIX}{family}/", VALID_BODIES[family], format="json")

    assert response.status_code == 201, response.content
    assert posts(creatify_sandbox) == [(f"/api/{family}/", VALID_BODIES[family])]
    created = response.json()
    assert created["status"] == "pending"
    job = FAMILIES[family].model.objects.get(pk=created["id"])
    assert job.created_by.username == "staff"
    assert job.raw["id"] == created["id"]

    until_finished(creatify_sandbox, created["id"])
    finished = refreshed(staff, family, created["id"])
    assert finished["status"] == "done"
    output = FAMILIES[family].output_field
    assert finished[output] == creatify_sandbox.job(created["id"])[output]
    assert finished[output] and finished.get("output_url", finished[output]) == finished[output]


@pytest.mark.parametrize("family", PREVIEWING)
def test_preview_then_render_makes_the_video(staff, creatify_sandbox, eager_celery, family):
    output = FAMILIES[family].output_field
    response = staff.post(f"{PREFIX}{family}/preview/", VALID_BODIES[family], format="json")
    assert response.status_code == 201, response.content
    assert posts(creatify_sandbox) == [(f"/api/{family}/preview/", VALID_BODIES[family])]
    job_id = response.json()["id"]

    early = staff.post(f"{PREFIX}{family}/{job_id}/render/")
    assert early.status_code == 400  # Creatify renders only a finished preview

    until_finished(creatify_sandbox, job_id)
    previewed = refreshed(staff, family, job_id)
    assert previewed["status"] == "done" and previewed["preview"]
    assert previewed[output] is None and previewed["output_url"] is None

    rendering = staff.post(f"{PREFIX}{family}/{job_id}/render/")
    assert rendering.status_code == 200, rendering.content
    assert rendering.json()["status"] == "pending"
    assert rendering.json()["preview"] == previewed["preview"]
    assert FAMILIES[family].model.objects.get(pk=job_id).status == "pending"

    until_finished(creatify_sandbox, job_id)
    rendered = refreshed(staff, family, job_id)
    assert rendered["status"] == "done"
    assert rendered[output] and rendered["output_url"] == rendered[output]
    assert [path for path, _body in posts(creatify_sandbox)][-1] == (
        f"/api/{family}/{job_id}/render/"
    )


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_refresh_rereads_the_job_from_its_familys_endpoint(
    staff, creatify_sandbox, eager_celery, family
):
    job = creatify_sandbox.add_job(family, status="running", progress=0.2)
    sync_jobs(family, ids=[job["id"]])
    creatify_sandbox.update_job(job["id"], status="done")
    creatify_sandbox.clear_requests()

    assert refreshed(staff, family, job["id"])["status"] == "done"
    assert {r.path for r in creatify_sandbox.requests} == {f"/api/{family}/"}
