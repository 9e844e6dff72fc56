"""The sandbox's credit balance: ``GET /api/remaining_credits/``, what creates, previews and
renders charge, refunds of failed steps, and the refusal when the balance is short."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from django_creatify.sandbox import Sandbox

from .sandbox_support import api_session

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AURORA_BODY = {"audio": "https://cdn.example.com/a.mp3", "image": "https://cdn.example.com/f.png"}
LIPSYNC_BODY = {"text": "Hello there, this is the sandbox speaking."}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True, start=START, credits=1000.0)
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def remaining(api, sandbox) -> float:
    response = api.get(f"{sandbox.url}/api/remaining_credits/")
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["remaining_credits"] and isinstance(body["remaining_credits"], float)
    return body["remaining_credits"]


def settle(api, sandbox, family: str, job_id: str) -> dict:
    sandbox.advance(120)
    return api.get(f"{sandbox.url}/api/{family}/{job_id}/").json()


def test_the_balance_it_was_told(sandbox, api):
    assert remaining(api, sandbox) == 1000.0 == sandbox.credits


def test_the_endpoint_is_authenticated_like_the_others(sandbox):
    anonymous = requests.Session()
    anonymous.trust_env = False
    response = anonymous.get(f"{sandbox.url}/api/remaining_credits/")
    assert response.status_code == 401 and "detail" in response.json()
    wrong = api_session(sandbox)
    wrong.headers["X-API-KEY"] = "nope"
    assert wrong.get(f"{sandbox.url}/api/remaining_credits/").status_code == 401
    post = api_session(sandbox).post(f"{sandbox.url}/api/remaining_credits/")
    assert post.status_code == 405


def test_a_create_is_charged_what_its_job_costs(sandbox, api):
    created = api.post(f"{sandbox.url}/api/aurora/", json=AURORA_BODY).json()
    charged = 1000.0 - remaining(api, sandbox)
    assert charged > 0
    done = settle(api, sandbox, "aurora", created["id"])
    assert done["credits_used"] == pytest.approx(charged)
    assert remaining(api, sandbox) == pytest.approx(1000.0 - done["credits_used"])


def test_a_preview_and_its_render_are_charged_in_turn(sandbox, api):
    preview = api.post(f"{sandbox.url}/api/lipsyncs/preview/", json=LIPSYNC_BODY).json()
    after_preview = remaining(api, sandbox)
    done = settle(api, sandbox, "lipsyncs", preview["id"])
    assert 1000.0 - after_preview == done["credits_used"]
    response = api.post(f"{sandbox.url}/api/lipsyncs/{preview['id']}/render/")
    assert response.status_code == 200
    rendered = settle(api, sandbox, "lipsyncs", preview["id"])
    assert rendered["output"]
    assert remaining(api, sandbox) == 1000.0 - rendered["credits_used"]


def test_a_failed_job_is_refunded(sandbox, api):
    sandbox.next_outcomes.append("failed")
    created = api.post(f"{sandbox.url}/api/aurora/", json=AURORA_BODY).json()
    assert remaining(api, sandbox) < 1000.0
    failed = settle(api, sandbox, "aurora", created["id"])
    assert failed["status"] == "failed" and failed["credits_used"] == 0
    assert remaining(api, sandbox) == 1000.0


def test_a_create_it_cannot_pay_for_is_refused_and_not_stored(sandbox, api):
    sandbox.credits = 0.5
    before = sandbox.count(None)
    response = api.post(f"{sandbox.url}/api/aurora/", json=AURORA_BODY)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Insufficient credits")
    assert sandbox.count(None) == before
    assert remaining(api, sandbox) == 0.5
    preview = api.post(f"{sandbox.url}/api/lipsyncs/preview/", json=LIPSYNC_BODY)
    assert preview.status_code == 400 and "Insufficient credits" in preview.json()["detail"]


def test_a_render_it_cannot_pay_for_is_refused(sandbox, api):
    preview = api.post(f"{sandbox.url}/api/lipsyncs/preview/", json=LIPSYNC_BODY).json()
    settle(api, sandbox, "lipsyncs", preview["id"])
    sandbox.credits = 0
    response = api.post(f"{sandbox.url}/api/lipsyncs/{preview['id']}/render/")
    assert response.status_code == 400 and "Insufficient credits" in response.json()["detail"]
    assert settle(api, sandbox, "lipsyncs", preview["id"])["output"] is None
    # A job that cannot be rendered at all still says why, whatever the balance.
    direct = api.post(f"{sandbox.url}/api/lipsyncs/", json=LIPSYNC_BODY)
    assert direct.status_code == 400
    sandbox.credits = 100
    direct = api.post(f"{sandbox.url}/api/lipsyncs/", json=LIPSYNC_BODY).json()
    again = api.post(f"{sandbox.url}/api/lipsyncs/{direct['id']}/render/")
    assert again.status_code == 400 and "Only a preview" in again.json()["detail"]


def test_the_control_api_reads_and_sets_the_balance(sandbox, api):
    control = f"{sandbox.url}/_sandbox/credits"
    assert requests.get(control, timeout=5).json() == {"credits": 1000.0}
    assert requests.put(control, json={"credits": 12.5}, timeout=5).json() == {"credits": 12.5}
    assert remaining(api, sandbox) == 12.5
    assert requests.put(control, json={"credits": "lots"}, timeout=5).status_code == 400
    sandbox.reset()
    assert sandbox.credits == 1000.0


def test_reads_are_free(sandbox, api):
    api.get(f"{sandbox.url}/api/aurora/")
    api.get(f"{sandbox.url}/api/lipsyncs/")
    assert remaining(api, sandbox) == 1000.0


def test_the_command_line_takes_the_balance_and_the_retention():
    import argparse

    from django_creatify.sandbox.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = parser.parse_args(["--credits", "250", "--retention-days", "3"])
    assert (options.credits, options.retention_days) == (250.0, 3.0)
    defaults = parser.parse_args([])
    assert (defaults.credits, defaults.retention_days) == (100_000.0, 7)
