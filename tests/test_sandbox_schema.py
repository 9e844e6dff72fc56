"""Every sandbox response matches Creatify's published AuroraFlow schema and error shapes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from django_creatify.sandbox import OMIT, Sandbox

from .sandbox_support import SCHEMA, api_session, schema_errors

AUDIO = "https://cdn.example.com/voice/take-1.mp3"
IMAGE = "https://cdn.example.com/faces/anna.png"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(jobs=30, seed=7, manual_clock=True)
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def assert_valid(item: object) -> None:
    errors = schema_errors(item)
    assert not errors, errors


def test_the_validator_catches_what_it_should():
    good = {
        "id": str(uuid.uuid4()),
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:01.5Z",
        "audio": AUDIO,
        "image": IMAGE,
        "credits_used": 1,
        "duration": 1,
        "editor_url": None,
        "failed_reason": "",
        "is_hidden": False,
        "media_job": None,
        "preview": None,
        "progress": 0.5,
        "status": "done",
        "video_output": None,
    }
    assert schema_errors(good) == []
    assert schema_errors({**good, "duration": 1.5}) == ["duration: not an integer (1.5)"]
    assert schema_errors({**good, "status": "queued"})
    assert schema_errors({**good, "is_hidden": None})
    assert schema_errors({**good, "created_at": "yesterday"})
    assert schema_errors({**good, "id": "not-a-uuid"})
    assert schema_errors({**good, "api_key": "x"}) == ["api_key: not in the schema"]
    assert schema_errors({key: value for key, value in good.items() if key != "id"})


def test_list_and_retrieve_match_the_schema_in_every_status(sandbox, api):
    sandbox.add_job(name=None, text_prompt=OMIT, model_version="aurora_v1_fast", status="done")
    sandbox.add_job(name="x" * 255, webhook_url="http://127.0.0.1:9/" + "h" * 180, is_hidden=True)
    response = api.get(f"{sandbox.url}/api/aurora/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    items = response.json()
    assert isinstance(items, list) and len(items) == 32
    for item in items:
        assert_valid(item)
    statuses = {item["status"] for item in items}
    assert statuses == set(SCHEMA["properties"]["status"]["enum"])
    assert {item["model_version"] for item in items} == {"aurora_v1", "aurora_v1_fast"}
    assert any("text_prompt" not in item for item in items)
    assert any(item["name"] is None for item in items)
    assert any(item["name"] and len(item["name"]) == 255 for item in items)
    assert any(item["is_hidden"] for item in items)
    assert any(item["media_job"] for item in items)
    assert any(item["status"] == "done" and item["editor_url"] is None for item in items)
    assert any(item["status"] == "done" and item["editor_url"] for item in items)
    for item in items:
        one = api.get(f"{sandbox.url}/api/aurora/{item['id']}/")
        assert one.status_code == 200
        assert one.json() == item

    # Once the clock has moved every unfinished job to its end, still valid.
    sandbox.advance(3600)
    later = api.get(f"{sandbox.url}/api/aurora/").json()
    assert {item["status"] for item in later} <= {"done", "failed", "rejected"}
    for item in later:
        assert_valid(item)


def test_outputs_are_present_exactly_when_done(sandbox, api):
    sandbox.advance(3600)
    for item in api.get(f"{sandbox.url}/api/aurora/").json():
        links = (item["video_output"], item["preview"])
        if item["status"] == "done":
            assert all(link.startswith(sandbox.url + "/media/") for link in links)
            assert item["duration"] > 0 and item["credits_used"] > 0
            assert item["progress"] == 1.0 and item["failed_reason"] == ""
        else:
            assert links == (None, None)
            assert item["editor_url"] is None and item["failed_reason"]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("json", {"audio": AUDIO, "image": IMAGE}),
        ("json", {"audio": AUDIO, "image": IMAGE, "name": None, "webhook_url": None}),
        (
            "json",
            {
                "audio": "https://cdn.example.com/a/b.WAV?signature=abc",
                "image": "http://cdn.example.com/face.webp",
                "name": "Ünïcode ✓",
                "text_prompt": "Soft light, slow push-in",
                "prompt_guidance_scale": 10,
                "model_version": "aurora_v1_fast",
                "webhook_url": "https://example.com/hooks/creatify/",
            },
        ),
        ("form", {"audio": AUDIO, "image": IMAGE, "prompt_guidance_scale": "0.0"}),
        ("multipart", {"audio": AUDIO, "image": IMAGE, "name": "From a form"}),
    ],
)
def test_create_returns_a_valid_pending_job(sandbox, api, kind, body):
    url = f"{sandbox.url}/api/aurora/"
    if kind == "json":
        response = api.post(url, json=body)
    elif kind == "form":
        response = api.post(url, data=body)
    else:
        response = api.post(url, files={key: (None, value) for key, value in body.items()})
    assert response.status_code == 201, response.text
    job = response.json()
    assert_valid(job)
    assert job["status"] == "pending" and job["progress"] == 0
    assert (job["video_output"], job["preview"], job["editor_url"]) == (None, None, None)
    assert job["audio"] == body["audio"] and job["image"] == body["image"]
    assert job["model_version"] == body.get("model_version", "aurora_v1")
    assert job["prompt_guidance_scale"] == float(body.get("prompt_guidance_scale", 1))
    assert api.get(f"{url}{job['id']}/").json() == job


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-ID": "sandbox-id"},
        {"X-API-KEY": "sandbox-key"},
        {"X-API-ID": "sandbox-id", "X-API-KEY": "wrong"},
        {"X-API-ID": "someone-else", "X-API-KEY": "sandbox-key"},
        {"Authorization": "Bearer sandbox-key"},
    ],
)
@pytest.mark.parametrize("method_path", [("GET", ""), ("POST", ""), ("GET", "{id}/")])
def test_missing_or_wrong_credentials_get_401(sandbox, headers, method_path):
    method, path = method_path
    path = path.format(id=sandbox.payloads()[0]["id"])
    session = requests.Session()
    session.trust_env = False
    response = session.request(method, f"{sandbox.url}/api/aurora/{path}", headers=headers, json={})
    assert response.status_code == 401
    assert list(response.json()) == ["detail"]
    assert isinstance(response.json()["detail"], str)


def test_more_than_100_ids_is_400(sandbox, api):
    ids = ",".join(str(uuid.uuid4()) for _ in range(101))
    response = api.get(f"{sandbox.url}/api/aurora/", params={"ids": ids})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["ids"] and all(isinstance(message, str) for message in body["ids"])
    hundred = ",".join(str(uuid.uuid4()) for _ in range(100))
    assert api.get(f"{sandbox.url}/api/aurora/", params={"ids": hundred}).json() == []


@pytest.mark.parametrize("bad", ["not-a-uuid", "1234", "0" * 33, "' OR 1=1 --"])
def test_a_malformed_id_is_400(sandbox, api, bad):
    ids = f"{sandbox.payloads()[0]['id']},{bad}"
    response = api.get(f"{sandbox.url}/api/aurora/", params={"ids": ids})
    assert response.status_code == 400
    assert list(response.json()) == ["ids"]


def test_an_unknown_id_is_404(sandbox, api):
    response = api.get(f"{sandbox.url}/api/aurora/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_paths_need_their_trailing_slash(sandbox, api):
    job_id = sandbox.payloads()[0]["id"]
    for path in ("/api/aurora", f"/api/aurora/{job_id}", "/api/aurorax/"):
        response = api.get(sandbox.url + path, allow_redirects=False)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")


def test_other_methods_are_405(sandbox, api):
    job_id = sandbox.payloads()[0]["id"]
    assert api.delete(f"{sandbox.url}/api/aurora/{job_id}/").status_code == 405
    response = api.put(f"{sandbox.url}/api/aurora/", json={})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


VALID = {"audio": AUDIO, "image": IMAGE}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("audio", None),
        ("audio", ""),
        ("audio", "not a url"),
        ("audio", "ftp://cdn.example.com/a.mp3"),
        ("audio", "javascript:alert(1)//a.mp3"),
        ("audio", "https://cdn.example.com/voice.ogg"),
        ("audio", "https://cdn.example.com/voice.mp3.txt"),
        ("audio", "https://cdn.example.com/voice?format=.mp3"),
        ("audio", ["https://cdn.example.com/a.mp3"]),
        ("image", None),
        ("image", "https://cdn.example.com/face.gif"),
        ("image", "https://cdn.example.com/face.svg"),
        ("image", "//cdn.example.com/face.png"),
        ("image", 42),
        ("name", "n" * 256),
        ("name", {"first": "Anna"}),
        ("text_prompt", None),
        ("text_prompt", ["a", "b"]),
        ("prompt_guidance_scale", -0.1),
        ("prompt_guidance_scale", 10.01),
        ("prompt_guidance_scale", "loud"),
        ("prompt_guidance_scale", None),
        ("prompt_guidance_scale", True),
        ("prompt_guidance_scale", "nan"),
        ("model_version", "aurora_v9"),
        ("resolution", "4k"),
        ("ttl_days", "0"),
        ("output_upload_url", "ftp://x.example/up"),
        ("model_version", None),
        ("model_version", "AURORA_V1"),
        ("webhook_url", "not a url"),
        ("webhook_url", "https://example.com/" + "w" * 181),
        ("webhook_url", "file:///etc/passwd"),
    ],
)
def test_each_create_rule_is_a_400_naming_that_field(sandbox, api, field, value):
    response = api.post(f"{sandbox.url}/api/aurora/", json={**VALID, field: value})
    assert response.status_code == 400, response.text
    errors = response.json()
    assert list(errors) == [field]
    assert errors[field] and all(isinstance(message, str) for message in errors[field])
    assert len(sandbox) == 30  # nothing was created


@pytest.mark.parametrize("missing", ["audio", "image"])
def test_required_fields(sandbox, api, missing):
    body = {key: value for key, value in VALID.items() if key != missing}
    response = api.post(f"{sandbox.url}/api/aurora/", json=body)
    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


def test_every_bad_field_is_listed_at_once(sandbox, api):
    response = api.post(
        f"{sandbox.url}/api/aurora/",
        data={"audio": "x.ogg", "name": "n" * 300, "model_version": "v9"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"audio", "image", "name", "model_version"}


def test_boundary_values_are_accepted(sandbox, api):
    body = {
        **VALID,
        "name": "n" * 255,
        "prompt_guidance_scale": 0,
        "webhook_url": "https://example.com/" + "w" * 180,
    }
    assert len(body["webhook_url"]) == 200
    assert api.post(f"{sandbox.url}/api/aurora/", json=body).status_code == 201
    body["prompt_guidance_scale"] = "10.0"
    assert api.post(f"{sandbox.url}/api/aurora/", json=body).status_code == 201


def test_unreadable_bodies(sandbox, api):
    url = f"{sandbox.url}/api/aurora/"
    broken = api.post(url, data=b"{nope", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and list(broken.json()) == ["detail"]
    array = api.post(url, json=[VALID])
    assert array.status_code == 400 and list(array.json()) == ["non_field_errors"]
    xml = api.post(url, data=b"<a/>", headers={"Content-Type": "application/xml"})
    assert xml.status_code == 415 and list(xml.json()) == ["detail"]
    empty = api.post(url)
    assert empty.status_code == 400
    assert set(empty.json()) == {"audio", "image"}
    garbage = api.post(url, data=b"--", headers={"Content-Type": "multipart/form-data"})
    assert garbage.status_code == 400 and list(garbage.json()) == ["detail"]
    # An uploaded file where Creatify wants a URL.
    upload = api.post(url, files={"audio": ("take.mp3", b"ID3"), "image": (None, IMAGE)})
    assert upload.status_code == 400 and list(upload.json()) == ["audio"]
