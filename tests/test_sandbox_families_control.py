"""Every job family the sandbox serves, and what a test makes it do: faults aimed at one
family, the Python and control APIs, the index, and the seed (also the
``creatify_sandbox`` command's)."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from django_creatify.sandbox import Fault, Sandbox, SandboxServer, wrong_type_items

from .sandbox_family_support import (
    ALL,
    SPECS,
    START,
    WITH_PREVIEW,
    api_fixture,  # noqa: F401 (the api fixture)
    assert_valid,
    params,
    sandbox_fixture,  # noqa: F401 (the sandbox fixture)
    url,
)
from .sandbox_support import WebhookReceiver, api_session, schema_errors

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
