"""Shared by the tests of every sandbox job family (``test_sandbox_families_*.py``): what
Creatify's docs say of each family (``SPECS``), the ``sandbox`` and ``api`` fixtures, and calls
that create, read and run a family's jobs over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from django_creatify.sandbox import Sandbox

from .sandbox_support import FAMILY_SCHEMAS, api_session, schema_errors

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


# The fixtures have names of their own here so that a test module can import them without
# its tests' ``sandbox`` and ``api`` arguments shadowing the imports.


@pytest.fixture(name="sandbox")
def sandbox_fixture() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True, start=START)
    with sandbox.serve():
        yield sandbox


@pytest.fixture(name="api")
def api_fixture(sandbox: Sandbox) -> requests.Session:
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
