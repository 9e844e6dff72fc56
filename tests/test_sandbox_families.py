"""Every job family the sandbox serves, over real HTTP: the same calls, checks, faults,
webhooks and seed for each, and no family seeing another's jobs."""

from __future__ import annotations

import io
import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from django_creatify.sandbox import FAMILIES, Fault, Sandbox, SandboxServer, wrong_type_items

from .sandbox_support import FAMILY_SCHEMAS, WebhookReceiver, api_session, schema_errors

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SCENE = {
    "character": {"type": "avatar", "avatar_id": "anna"},
    "voice": {"type": "text", "input_text": "Hello from the test.", "voice_id": "v1"},
}


@dataclass(frozen=True)
class Spec:
    """What Creatify's docs say of a family, written out here rather than read from the
    sandbox's own description, so that the tests hold the sandbox to the docs."""

    key: str
    body: dict[str, Any]  # a valid create body
    output: str  # where the finished video is
    progress: type  # of ``progress`` in payloads
    ordering: bool
    preview: bool  # has preview/ and render/
    bad: list[tuple[str, Any]] = field(default_factory=list)  # (field, value) -> 400

    @property
    def path(self) -> str:
        return f"/api/{self.key}/"

    @property
    def schema(self) -> dict[str, Any]:
        return FAMILY_SCHEMAS[self.key]


COMMON_BAD = [
    ("name", "n" * 256),
    ("name", {"first": "Anna"}),
    ("webhook_url", "not a url"),
    ("webhook_url", "https://example.com/" + "w" * 181),
    ("webhook_url", "file:///etc/passwd"),
]
SPECS = {
    spec.key: spec
    for spec in (
        Spec(
            "aurora",
            {"audio": "https://cdn.example.com/a.mp3", "image": "https://cdn.example.com/f.png"},
            "video_output",
            float,
            ordering=True,
            preview=False,
            bad=[*COMMON_BAD, ("audio", "https://cdn.example.com/a.ogg"), ("model_version", "v9")],
        ),
        Spec(
            "lipsyncs",
            {"text": "Hello there, this is the sandbox speaking."},
            "output",
            str,
            ordering=False,
            preview=True,
            bad=[
                *COMMON_BAD,
                ("text", "t" * 3601),
                ("audio", "not a url"),
                ("aspect_ratio", "16:9"),
                ("aspect_ratio", "4x3"),
                ("caption_style", "comic-sans"),
                ("caption_position", "top"),
                ("model_version", "aurora_v2"),
                ("green_screen", "yes"),
                ("no_caption", 1),
                ("no_music", None),
                ("caption_offset_x", 0.51),
                ("caption_offset_y", "-0.6"),
                ("caption_offset_y", "low"),
                ("creator", "not-a-uuid"),
                ("accent", 42),
                ("background_asset_image_url", "https://example.com/" + "b" * 1010),
            ],
        ),
        Spec(
            "lipsyncs_v2",
            {"video_inputs": [SCENE]},
            "output",
            str,
            ordering=False,
            preview=True,
            bad=[
                *COMMON_BAD,
                ("video_inputs", []),
                ("video_inputs", "scene"),
                ("video_inputs", {"voice": {}}),
                ("video_inputs", [SCENE, "scene 2"]),
                ("video_inputs", [{"voice": "hello"}]),
                ("video_inputs", [{"voice": {"input_text": "x" * 2001}}]),
                ("video_inputs", None),
                ("aspect_ratio", "2x1"),
                ("model_version", "aurora_v2"),
                ("background_music", ["https://example.com/song.mp3"]),
            ],
        ),
        Spec(
            "ai_shorts",
            {"aspect_ratio": "9x16", "script": "A fox learns to code.", "style": "Kawaii"},
            "video_output",
            float,
            ordering=True,
            preview=True,
            bad=[
                *COMMON_BAD,
                ("aspect_ratio", "4x5"),
                ("script", ""),
                ("script", None),
                ("style", "Anime"),
                ("style", "kawaii"),
                ("background_music_volume", 1.5),
                ("voiceover_volume", -0.1),
                ("voiceover_volume", "loud"),
                ("background_music_url", "https://example.com/" + "m" * 236),
                ("background_music_url", "ftp://example.com/song.mp3"),
                ("accent", "accent-1"),
            ],
        ),
    )
}
ALL = list(SPECS)
WITH_PREVIEW = [key for key, spec in SPECS.items() if spec.preview]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True, start=START)
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def url(sandbox: Sandbox, spec: Spec, tail: str = "") -> str:
    return f"{sandbox.url}{spec.path}{tail}"


def create(api, sandbox, spec: Spec, *, preview: bool = False, **fields) -> dict:
    response = api.post(
        url(sandbox, spec, "preview/" if preview else ""), json={**spec.body, **fields}
    )
    assert response.status_code == (200 if preview else 201), response.text
    return response.json()


def read(api, sandbox, spec: Spec, job_id: str) -> dict:
    response = api.get(url(sandbox, spec, f"{job_id}/"))
    assert response.status_code == 200, response.text
    return response.json()


def run_to_end(api, sandbox, spec: Spec, job_id: str) -> list[dict]:
    """The job as read every half sandbox second until it reaches a final status."""
    seen = [read(api, sandbox, spec, job_id)]
    while seen[-1]["status"] in ("pending", "in_queue", "running"):
        assert len(seen) < 300, "the job never finished"
        sandbox.advance(0.5)
        seen.append(read(api, sandbox, spec, job_id))
    return seen


def assert_valid(spec: Spec, item: Any) -> None:
    errors = schema_errors(item, spec.schema)
    assert not errors, errors
    # Keys come in the schema's order.
    assert list(item) == [name for name in spec.schema["properties"] if name in item]
    assert isinstance(item["progress"], spec.progress)
    if spec.progress is str:
        float(item["progress"])  # a decimal string


def params(keys: list[str]) -> Any:
    return pytest.mark.parametrize("spec", [SPECS[key] for key in keys], ids=keys)


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


# -- create: validation, then the life of the job ------------------------------------------


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


@params(ALL)
def test_a_created_job_lives_to_done_with_its_video(sandbox, api, spec):
    job = create(api, sandbox, spec, name="Made here")
    assert_valid(spec, job)
    assert (job["status"], job["name"], job[spec.output], job["preview"]) == (
        "pending",
        "Made here",
        None,
        None,
    )
    seen = run_to_end(api, sandbox, spec, job["id"])
    assert list(dict.fromkeys(item["status"] for item in seen)) == [
        "pending",
        "in_queue",
        "running",
        "done",
    ]
    progress = [float(item["progress"]) for item in seen]
    assert progress == sorted(progress) and len(set(progress)) > 10
    for item in seen:
        assert_valid(spec, item)
    done = seen[-1]
    assert float(done["progress"]) == 1.0
    assert done[spec.output] == f"{sandbox.url}/media/video.mp4?job={job['id']}"
    assert done["preview"].startswith(f"{sandbox.url}/media/")
    assert done["editor_url"].startswith(f"{sandbox.url}/editor/{job['id']}/?token=")
    assert isinstance(done["duration"], int) and done["duration"] > 0 and done["credits_used"] > 0
    if "video_thumbnail" in spec.schema["properties"]:
        assert done["video_thumbnail"].startswith(f"{sandbox.url}/media/thumbnail.png")
    # Every link in a finished job plays or shows.
    for link in ("preview", spec.output, "video_thumbnail", "editor_url"):
        if done.get(link):
            assert requests.get(done[link], timeout=5).status_code == 200, link


@params(ALL)
def test_next_outcomes_fail_a_created_job(sandbox, api, spec):
    sandbox.next_outcomes = ["failed"]
    job = create(api, sandbox, spec)
    failed = run_to_end(api, sandbox, spec, job["id"])[-1]
    assert failed["status"] == "failed" and failed["failed_reason"]
    assert failed[spec.output] is None and failed["credits_used"] == 0
    assert_valid(spec, failed)


# -- preview, then render ------------------------------------------------------------------


@params(WITH_PREVIEW)
def test_a_preview_ends_done_without_video_and_its_render_adds_it(sandbox, api, spec):
    with WebhookReceiver() as receiver:
        job = create(api, sandbox, spec, preview=True, webhook_url=receiver.url)
        assert job["status"] == "pending"
        early = api.post(url(sandbox, spec, f"{job['id']}/render/"))
        assert early.status_code == 400 and "pending" in early.json()["detail"]

        previewed = run_to_end(api, sandbox, spec, job["id"])
        assert [item["status"] for item in previewed][-2:] == ["running", "done"]
        ready = previewed[-1]
        assert_valid(spec, ready)
        assert ready[spec.output] is None and ready["preview"]
        assert ready["credits_used"] == math.ceil(ready["duration"] / 30)  # 1 per 30 s
        assert receiver.wait_for(1) == [
            {"id": job["id"], "status": "done", "failed_reason": "", spec.output: None}
        ]

        sandbox.advance(5)
        rendering = api.post(url(sandbox, spec, f"{job['id']}/render/"), json={"ignored": 1})
        assert rendering.status_code == 200, rendering.text
        started = rendering.json()
        assert_valid(spec, started)
        assert (started["status"], float(started["progress"]), started[spec.output]) == (
            "pending",
            0.0,
            None,
        )
        assert (
            started["preview"] == ready["preview"] and started["updated_at"] > ready["updated_at"]
        )
        again = api.post(url(sandbox, spec, f"{job['id']}/render/"))
        assert again.status_code == 400 and list(again.json()) == ["detail"]

        rendered = run_to_end(api, sandbox, spec, job["id"])
        assert list(dict.fromkeys(item["status"] for item in rendered)) == [
            "pending",
            "in_queue",
            "running",
            "done",
        ]
        final = rendered[-1]
        assert final[spec.output] == f"{sandbox.url}/media/video.mp4?job={job['id']}"
        assert final["duration"] == ready["duration"]
        assert final["credits_used"] == 5 * math.ceil(final["duration"] / 30)  # 1 + 4 per 30 s
        bodies = receiver.wait_for(2)
        assert bodies[1] == {
            "id": job["id"],
            "status": "done",
            "failed_reason": "",
            spec.output: final[spec.output],
        }
        assert len(sandbox.webhooks) == 2


@params(WITH_PREVIEW)
def test_only_a_finished_preview_can_be_rendered(sandbox, api, spec):
    direct = sandbox.add_job(spec.key, status="done")
    failed = sandbox.add_job(spec.key, status="failed", stage="preview")
    rendered = sandbox.add_job(spec.key, status="done", stage="render")
    for job in (direct, failed, rendered):
        response = api.post(url(sandbox, spec, f"{job['id']}/render/"))
        assert response.status_code == 400
        assert list(response.json()) == ["detail"] and response.json()["detail"]
        assert sandbox.job(job["id"]) == job
    missing = api.post(url(sandbox, spec, f"{uuid.uuid4()}/render/"))
    assert missing.status_code == 404
    with pytest.raises(ValueError, match="already been rendered"):
        sandbox.render(rendered["id"])


@params(WITH_PREVIEW)
def test_a_render_can_fail_and_keeps_the_preview(sandbox, api, spec):
    preview = sandbox.add_job(spec.key, status="done", stage="preview")
    sandbox.next_outcomes = ["failed"]
    assert api.post(url(sandbox, spec, f"{preview['id']}/render/")).status_code == 200
    failed = run_to_end(api, sandbox, spec, preview["id"])[-1]
    assert failed["status"] == "failed" and failed[spec.output] is None
    assert failed["preview"] == preview["preview"]
    # The preview was paid for; the failed render costs nothing.
    assert failed["credits_used"] == preview["credits_used"] == math.ceil(failed["duration"] / 30)


# -- webhooks ------------------------------------------------------------------------------


@params(ALL)
@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_the_webhook_body(sandbox, api, spec, outcome):
    with WebhookReceiver() as receiver:
        sandbox.next_outcomes = [outcome]
        job = create(api, sandbox, spec, webhook_url=receiver.url)
        sandbox.advance(2)
        assert receiver.bodies == []
        final = run_to_end(api, sandbox, spec, job["id"])[-1]
        (body,) = receiver.wait_for(1)
    assert body == {
        "id": job["id"],
        "status": outcome,
        "failed_reason": final["failed_reason"],
        spec.output: final[spec.output],
    }
    assert (body[spec.output] is not None) == (outcome == "done")
    assert bool(body["failed_reason"]) == (outcome == "failed")


# -- faults --------------------------------------------------------------------------------


@params(ALL)
def test_faults_hit_only_the_family_they_target(sandbox, api, spec):
    sandbox.add_jobs(3, spec.key, seed=1)
    others = [other for other in SPECS.values() if other is not spec]
    sandbox.inject(Fault.status(503, retry_after=1), Fault.drop(), path_prefix=spec.path)
    for other in others:
        assert api.get(url(sandbox, other)).status_code == 200
    first = api.get(url(sandbox, spec))
    assert (first.status_code, first.headers["Retry-After"]) == (503, "1")
    with pytest.raises(requests.ConnectionError):
        api.get(url(sandbox, spec))
    assert api.get(url(sandbox, spec)).status_code == 200

    sandbox.inject(Fault.truncate(), path_prefix=spec.path)
    cut = api.get(url(sandbox, spec))
    with pytest.raises(requests.JSONDecodeError):
        cut.json()
    if spec.preview:
        sandbox.inject(Fault.status(500), method="POST", path_prefix=f"{spec.path}preview/")
        assert api.post(url(sandbox, spec), json=spec.body).status_code == 201
        assert api.post(url(sandbox, spec, "preview/"), json=spec.body).status_code == 500
        assert api.post(url(sandbox, spec, "preview/"), json=spec.body).status_code == 200


@params(ALL)
def test_wrong_types_are_shaped_like_the_family(sandbox, api, spec):
    sandbox.inject(Fault.wrong_types(), path_prefix=spec.path)
    items = api.get(url(sandbox, spec)).json()
    assert items == wrong_type_items(sandbox.url, spec.key)
    assert_valid(spec, items[0])
    broken = [item for item in items[1:] if isinstance(item, dict)]
    assert all(schema_errors(item, spec.schema) for item in broken)
    assert "not an object" in items
    assert not isinstance(items[3]["progress"], spec.progress)


# -- credits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fields", "seconds", "credits"),
    [
        ("aurora", {"model_version": "aurora_v1_fast"}, 7, 3.5),
        ("lipsyncs", {}, 30, 5),
        ("lipsyncs", {"model_version": "standard"}, 31, 10),
        ("lipsyncs", {"model_version": "aurora_v1"}, 31, 31),
        ("lipsyncs_v2", {"model_version": "standard"}, 61, 15),
        ("lipsyncs_v2", {"model_version": "aurora_v1"}, 7, 7),
        ("lipsyncs_v2", {"model_version": "aurora_v1_fast"}, 7, 4),
        ("ai_shorts", {}, 45, 10),
        ("lipsyncs", {"stage": "preview"}, 45, 2),
        ("lipsyncs_v2", {"stage": "render", "model_version": "aurora_v1"}, 45, 10),
        ("ai_shorts", {"stage": "preview"}, 30, 1),
        ("ai_shorts", {"stage": "render"}, 31, 10),
    ],
)
def test_credits_follow_the_documented_prices(sandbox, key, fields, seconds, credits):
    job = sandbox.add_job(key, status="done", duration=seconds, **fields)
    assert job["credits_used"] == credits
    assert isinstance(job["credits_used"], float if key == "aurora" else int)
    running = sandbox.add_job(key, status="running", duration=seconds, **fields)
    # A render under way has paid for its preview only; anything else nothing yet.
    expected = math.ceil(seconds / 30) if fields.get("stage") == "render" else 0
    assert running["credits_used"] == expected


# -- the Python API ------------------------------------------------------------------------


def test_python_calls_take_a_family_and_default_to_aurora(sandbox):
    aurora = sandbox.add_job(name="Plain")
    assert sandbox.family_of(aurora["id"]) == "aurora" and "audio" in aurora
    shorts = sandbox.add_jobs(3, "ai_shorts", seed=2, status="running")
    lipsync = sandbox.add_job(family="lipsyncs", status="in_queue", text="Hi", audio_url=None)
    assert {item["id"] for item in sandbox.payloads("ai_shorts")} == {item["id"] for item in shorts}
    assert sandbox.payloads() == [sandbox.job(aurora["id"])]
    assert (len(sandbox), sandbox.count("ai_shorts"), sandbox.count()) == (1, 3, 5)

    renamed = sandbox.update_job(lipsync["id"], name="Renamed", status="running", progress=0.5)
    assert (renamed["name"], renamed["status"], renamed["progress"]) == (
        "Renamed",
        "running",
        "0.50",
    )
    finished = sandbox.finish_all("failed", family="ai_shorts")
    assert {item["status"] for item in finished} == {"failed"} and len(finished) == 3
    assert sandbox.job(lipsync["id"])["status"] == "running"
    rest = sandbox.finish_all()
    assert {item["id"] for item in rest} == {aurora["id"], lipsync["id"]}
    assert {sandbox.job(item["id"])["status"] for item in rest} == {"done"}

    with pytest.raises(ValueError, match="unknown job family"):
        sandbox.add_job("videos")
    with pytest.raises(ValueError, match="no preview or render"):
        sandbox.add_job("aurora", stage="preview")
    with pytest.raises(ValueError, match="no render"):
        sandbox.render(aurora["id"])
    with pytest.raises(KeyError):
        sandbox.render(str(uuid.uuid4()))


@params(WITH_PREVIEW)
def test_render_from_python_and_the_control_api(sandbox, spec):
    with WebhookReceiver() as receiver:
        first = sandbox.add_job(
            spec.key, status="running", stage="preview", webhook_url=receiver.url
        )
        sandbox.update_job(first["id"], status="done")
        assert receiver.wait_for(1)[0][spec.output] is None
        started = sandbox.render(first["id"])
        assert (started["status"], started[spec.output]) == ("pending", None)
        sandbox.advance(120)
        assert receiver.wait_for(2)[1][spec.output] == sandbox.job(first["id"])[spec.output]

    control = f"{sandbox.url}/_sandbox"
    second = requests.post(
        f"{control}/jobs", json={"family": spec.key, "status": "done", "stage": "preview"}
    ).json()
    rendering = requests.post(f"{control}/jobs/{second['id']}/render", json={"outcome": "failed"})
    assert rendering.status_code == 200 and rendering.json()["status"] == "pending"
    refused = requests.post(f"{control}/jobs/{second['id']}/render")
    assert refused.status_code == 400 and "already" in refused.json()["detail"]
    sandbox.advance(120)
    assert sandbox.job(second["id"])["status"] == "failed"


def test_the_control_api_per_family(sandbox):
    control = f"{sandbox.url}/_sandbox"
    made = requests.post(f"{control}/jobs", json={"family": "lipsyncs_v2", "count": 4, "seed": 1})
    assert made.status_code == 201 and len(made.json()) == 4
    one = requests.post(f"{control}/jobs", json={"family": "ai_shorts", "script": "Remote"})
    assert one.status_code == 201 and one.json()["script"] == "Remote"
    listed = requests.get(f"{control}/jobs", params={"family": "lipsyncs_v2"}).json()
    assert sorted(item["id"] for item in listed) == sorted(item["id"] for item in made.json())
    assert requests.get(f"{control}/jobs").json() == []  # Aurora by default
    bad = requests.get(f"{control}/jobs", params={"family": "nope"})
    assert bad.status_code == 400 and "nope" in bad.json()["detail"]
    patched = requests.patch(f"{control}/jobs/{one.json()['id']}", json={"name": "Patched"})
    assert patched.json()["name"] == "Patched"
    summary = requests.get(f"{control}/").json()
    assert summary["jobs"] == 5
    assert summary["families"] == {"aurora": 0, "lipsyncs": 0, "lipsyncs_v2": 4, "ai_shorts": 1}
    finished = requests.post(f"{control}/finish", json={"status": "done", "family": "ai_shorts"})
    assert [item["id"] for item in finished.json()] == [one.json()["id"]]
    assert sandbox.job(one.json()["id"])["status"] == "done"


def test_the_index_lists_every_family(sandbox):
    index = requests.get(f"{sandbox.url}/").json()
    assert index["families"] == {key: f"{sandbox.url}{spec.path}" for key, spec in SPECS.items()}


# -- the seed ------------------------------------------------------------------------------


@params(ALL)
def test_seeded_jobs_show_the_family_in_every_light(spec):
    sandbox = Sandbox(jobs=8, seed=3, manual_clock=True, start=START)
    with sandbox.serve():
        api = api_session(sandbox)
        items = api.get(url(sandbox, spec)).json()
        assert len(items) == (8 if spec.key == "aurora" else 6)
        for item in items:
            assert_valid(spec, item)
        assert {item["status"] for item in items} >= {"pending", "running", "done", "failed"}
        done = [item for item in items if item["status"] == "done"]
        videos = [item for item in done if item[spec.output]]
        assert videos
        for item in videos:
            video = requests.get(item[spec.output], headers={"Range": "bytes=0-99"}, timeout=5)
            assert video.status_code == 206 and video.headers["Content-Type"] == "video/mp4"
        if spec.preview:
            # A preview waiting for its render, and a rendered video keeping its preview.
            assert any(item["preview"] and not item[spec.output] for item in done)
            assert any(item["preview"] and item[spec.output] for item in done)
        served_at = sandbox.url
    # The same seed, the same jobs (links aside: they follow the host asked).
    again = Sandbox(jobs=8, seed=3, manual_clock=True, start=START)
    assert again.payloads(spec.key) == json.loads(
        json.dumps(items).replace(served_at, "http://testserver")
    )
    ids = {item["id"] for item in items}
    others = {item["id"] for key in SPECS if key != spec.key for item in again.payloads(key)}
    assert ids.isdisjoint(others)


def test_family_jobs_are_a_handful_unless_asked():
    assert [Sandbox(jobs=n).count("lipsyncs") for n in (0, 2, 60)] == [0, 2, 6]
    sandbox = Sandbox(jobs=0, family_jobs=9)
    assert (len(sandbox), sandbox.count("ai_shorts"), sandbox.count()) == (0, 9, 27)
    sandbox.add_jobs(2, "lipsyncs")
    sandbox.reset()
    assert sandbox.count("lipsyncs") == 9


def test_the_sandbox_command_seeds_every_family(monkeypatch):
    seen: dict[str, Any] = {}

    def wait(server: SandboxServer) -> None:
        session = api_session(server.sandbox)
        seen.update(
            {key: session.get(f"{server.url}{spec.path}").json() for key, spec in SPECS.items()}
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "wait", wait)
    monkeypatch.delenv("CREATIFY_API_ID", raising=False)
    monkeypatch.delenv("CREATIFY_API_KEY", raising=False)
    out = io.StringIO()
    with override_settings(CREATIFY={}):
        call_command(
            "creatify_sandbox", "--addr", "127.0.0.1:0", "--jobs", "10", "--seed", "4", stdout=out
        )
    assert {key: len(items) for key, items in seen.items()} == {
        "aurora": 10,
        "lipsyncs": 6,
        "lipsyncs_v2": 6,
        "ai_shorts": 6,
    }
    assert "6 lipsyncs, 6 lipsyncs_v2 and 6 ai_shorts jobs" in out.getvalue()
