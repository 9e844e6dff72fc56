"""Every job family the sandbox serves, over real HTTP: which families there are; list,
ids, ordering, retrieve and the credentials every call needs; no family seeing another's
jobs; and the rules a create body must follow, each a 400 naming its field."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from django_creatify.sandbox import FAMILIES

from .sandbox_family_support import (
    ALL,
    SCENE,
    SPECS,
    api_fixture,  # noqa: F401 (the api fixture)
    assert_valid,
    params,
    read,
    sandbox_fixture,  # noqa: F401 (the sandbox fixture)
    url,
)

# -- the families the sandbox knows -------------------------------------------------------


def test_the_sandbox_serves_exactly_these_families():
    assert set(FAMILIES) == set(SPECS)
    for key, family in FAMILIES.items():
        assert (family.path, family.output_field) == (SPECS[key].path, SPECS[key].output)
        assert family.preview_render == SPECS[key].preview
        assert family.ordering == SPECS[key].ordering


# -- list, ids, retrieve, auth ------------------------------------------------------------


@params(ALL)
def test_list_and_retrieve_match_the_family_schema(sandbox, api, spec):
    sandbox.add_jobs(20, spec.key, seed=3)
    response = api.get(url(sandbox, spec))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    items = response.json()
    assert isinstance(items, list) and len(items) == 20
    assert items == sandbox.payloads(spec.key)
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)
    for item in items:
        assert_valid(spec, item)
        assert read(api, sandbox, spec, item["id"]) == item
    assert {item["status"] for item in items} >= {"pending", "running", "done", "failed"}
    sandbox.advance(3600)
    for item in api.get(url(sandbox, spec)).json():
        assert_valid(spec, item)
        assert item["status"] in ("done", "failed", "rejected")


@params(ALL)
def test_ids_filter(sandbox, api, spec):
    items = sandbox.add_jobs(6, spec.key, seed=4)
    other = sandbox.add_job("aurora" if spec.key != "aurora" else "lipsyncs")
    wanted = [items[1]["id"], items[4]["id"].upper(), str(uuid.uuid4()), other["id"]]
    found = api.get(url(sandbox, spec), params={"ids": ",".join(wanted)}).json()
    assert sorted(item["id"] for item in found) == sorted([items[1]["id"], items[4]["id"]])

    too_many = ",".join(str(uuid.uuid4()) for _ in range(101))
    response = api.get(url(sandbox, spec), params={"ids": too_many})
    assert response.status_code == 400 and list(response.json()) == ["ids"]
    hundred = ",".join([items[0]["id"], *(str(uuid.uuid4()) for _ in range(99))])
    assert [item["id"] for item in api.get(url(sandbox, spec), params={"ids": hundred}).json()] == [
        items[0]["id"]
    ]
    malformed = api.get(url(sandbox, spec), params={"ids": f"{items[0]['id']},nope"})
    assert malformed.status_code == 400 and list(malformed.json()) == ["ids"]


@params(ALL)
def test_ordering_where_documented(sandbox, api, spec):
    sandbox.add_jobs(12, spec.key, seed=5)
    default = api.get(url(sandbox, spec)).json()
    by_created = api.get(url(sandbox, spec), params={"ordering": "created_at"}).json()
    by_duration = api.get(url(sandbox, spec), params={"ordering": "-duration"}).json()
    if spec.ordering:
        assert by_created == default[::-1]
        durations = [item["duration"] for item in by_duration]
        assert durations == sorted(durations, reverse=True)
    else:
        assert by_created == by_duration == default


@params(ALL)
@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-ID": "sandbox-id", "X-API-KEY": "wrong"}, {"Authorization": "Bearer sandbox-key"}],
)
def test_every_call_needs_the_credentials(sandbox, spec, headers):
    job = sandbox.add_job(spec.key, status="done", stage="preview" if spec.preview else "direct")
    calls = [("GET", ""), ("POST", ""), ("GET", f"{job['id']}/")]
    if spec.preview:
        calls += [("POST", "preview/"), ("POST", f"{job['id']}/render/")]
    session = requests.Session()
    session.trust_env = False
    for method, tail in calls:
        response = session.request(
            method, url(sandbox, spec, tail), headers=headers, json=spec.body
        )
        assert response.status_code == 401, (method, tail)
        assert list(response.json()) == ["detail"]
    assert sandbox.count() == 1 and sandbox.job(job["id"])["status"] == "done"


@params(ALL)
def test_unknown_paths_and_methods(sandbox, api, spec):
    job = sandbox.add_job(spec.key)
    missing = api.get(url(sandbox, spec, f"{uuid.uuid4()}/"))
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    for path in (spec.path.rstrip("/"), f"{spec.path}{job['id']}", f"{spec.path}{job['id']}/x/"):
        response = api.get(f"{sandbox.url}{path}")
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
    assert api.delete(url(sandbox, spec, f"{job['id']}/")).status_code == 405
    render = api.post(url(sandbox, spec, f"{job['id']}/render/"))
    preview = api.get(url(sandbox, spec, "preview/"))
    if spec.preview:
        assert (preview.status_code, preview.headers["Allow"]) == (405, "POST")
        render_get = api.get(url(sandbox, spec, f"{job['id']}/render/"))
        assert (render_get.status_code, render_get.headers["Allow"]) == (405, "POST")
        assert render.status_code == 400  # a direct job, still pending
    else:
        # No such calls: preview/ is read as a job id, render/ is no URL at all.
        assert (preview.status_code, render.status_code) == (404, 404)
        assert api.post(url(sandbox, spec, "preview/"), json=spec.body).status_code == 405


# -- no family sees another's jobs --------------------------------------------------------


def test_each_family_sees_only_its_own_jobs(sandbox, api):
    jobs = {key: sandbox.add_job(key, status="done", name=f"Only {key}") for key in SPECS}
    for key, spec in SPECS.items():
        listed = api.get(url(sandbox, spec)).json()
        assert [item["id"] for item in listed] == [jobs[key]["id"]]
        everything = ",".join(job["id"] for job in jobs.values())
        by_ids = api.get(url(sandbox, spec), params={"ids": everything}).json()
        assert [item["id"] for item in by_ids] == [jobs[key]["id"]]
        for other, job in jobs.items():
            response = api.get(url(sandbox, spec, f"{job['id']}/"))
            assert response.status_code == (200 if other == key else 404)
            if spec.preview and other != key:
                assert api.post(url(sandbox, spec, f"{job['id']}/render/")).status_code == 404
        assert sandbox.family_of(jobs[key]["id"]) == key
        assert sandbox.payloads(key) == [sandbox.job(jobs[key]["id"])]
    assert len(sandbox) == 1 and sandbox.count() == len(SPECS)


# -- create: the rules a body must follow -------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "tail", "name", "value"),
    [
        pytest.param(spec, tail, name, value, id=f"{spec.key}-{tail or 'create'}-{name}-{index}")
        for spec in SPECS.values()
        for tail in (("", "preview/") if spec.preview else ("",))
        for index, (name, value) in enumerate(spec.bad)
    ],
)
def test_each_create_rule_is_a_400_naming_that_field(sandbox, api, spec, tail, name, value):
    response = api.post(url(sandbox, spec, tail), json={**spec.body, name: value})
    assert response.status_code == 400, response.text
    errors = response.json()
    assert list(errors) == [name]
    assert errors[name] and all(isinstance(message, str) for message in errors[name])
    assert sandbox.count() == 0


@params(ALL)
def test_required_fields_and_an_empty_body(sandbox, api, spec):
    empty = api.post(url(sandbox, spec))
    assert empty.status_code == 400
    if spec.key == "lipsyncs":
        assert empty.json() == {"non_field_errors": ["Either audio or text is required."]}
        audio = api.post(url(sandbox, spec), json={"audio": "https://cdn.example.com/a.wav"})
        assert audio.status_code == 201 and audio.json()["audio_url"].endswith("/a.wav")
    else:
        assert set(empty.json()) == set(spec.body)
        assert all(messages == ["This field is required."] for messages in empty.json().values())
    broken = api.post(url(sandbox, spec), data=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and list(broken.json()) == ["detail"]
    assert sandbox.count() == (1 if spec.key == "lipsyncs" else 0)


def test_form_bodies_carry_booleans_and_json_as_text(sandbox, api):
    lipsync = api.post(
        url(sandbox, SPECS["lipsyncs"]),
        data={"text": "Hi", "green_screen": "true", "no_music": "0", "caption_offset_y": "-0.25"},
    )
    assert lipsync.status_code == 201, lipsync.text
    job = lipsync.json()
    assert (job["green_screen"], job["no_music"], job["caption_offset_y"]) == (True, False, "-0.25")
    scenes = api.post(
        url(sandbox, SPECS["lipsyncs_v2"]), data={"video_inputs": json.dumps([SCENE])}
    )
    assert scenes.status_code == 201 and scenes.json()["video_inputs"] == [SCENE]
    not_json = api.post(url(sandbox, SPECS["lipsyncs_v2"]), data={"video_inputs": "[{"})
    assert not_json.status_code == 400 and list(not_json.json()) == ["video_inputs"]
