"""Shared by the tests of the sandbox's AuroraFlow calls (``test_sandbox_timeline.py``,
``test_sandbox_listing_and_media.py``, ``test_sandbox_faults_and_control.py``): the
``sandbox`` and ``api`` fixtures, and creating a job over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from django_creatify.sandbox import Sandbox

from .sandbox_support import api_session

AUDIO = "https://cdn.example.com/voice/take-1.mp3"
IMAGE = "https://cdn.example.com/faces/anna.png"
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


# The fixtures have names of their own here so that a test module can import them without
# its tests' ``sandbox`` and ``api`` arguments shadowing the imports.


@pytest.fixture(name="sandbox")
def sandbox_fixture() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True)
    with sandbox.serve():
        yield sandbox


@pytest.fixture(name="api")
def api_fixture(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def create(api: requests.Session, sandbox: Sandbox, **fields) -> dict:
    response = api.post(
        f"{sandbox.url}/api/aurora/", json={"audio": AUDIO, "image": IMAGE, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()
