"""What the sandbox serves besides a job's timeline: its list (ordering, ids, seeded
jobs, every create kept under concurrent load, ten thousand jobs in linear time), media files
and links, and the sandbox as a plain WSGI app."""

from __future__ import annotations

import gc
import json
import re
import threading
import time
import uuid
from datetime import datetime, timedelta
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from django_creatify.sandbox import FAMILIES, Sandbox
from django_creatify.sandbox.timeline import FAILED_REASONS

from .awkward_jobs import AWKWARD_NAMES, HTML_NAME, LONG_NAME, add_awkward_jobs
from .sandbox_aurora_support import (
    START,
    api_fixture,  # noqa: F401 (the api fixture)
    create,
    sandbox_fixture,  # noqa: F401 (the sandbox fixture)
)
from .sandbox_support import api_session, schema_errors

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# -- list: ordering and ids -------------------------------------------------------------


def test_default_order_is_newest_first(sandbox, api):
    sandbox.add_jobs(20, seed=2)
    items = api.get(f"{sandbox.url}/api/aurora/").json()
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)
    assert items == sandbox.payloads()


@pytest.mark.parametrize(
    "field", ["name", "progress", "credits_used", "duration", "status", "updated_at"]
)
def test_ordering_by_any_field(sandbox, api, field):
    sandbox.add_jobs(20, seed=2)
    url = f"{sandbox.url}/api/aurora/"
    ascending = api.get(url, params={"ordering": field}).json()
    descending = api.get(url, params={"ordering": f"-{field}"}).json()
    assert len(ascending) == len(descending) == 20

    def key(item):
        return (item[field] is None, item[field] if item[field] is not None else 0)

    assert [key(item) for item in ascending] == sorted(key(item) for item in ascending)
    values = [item[field] for item in descending if item[field] is not None]
    assert values == sorted(values, reverse=True)


def test_multi_field_and_unknown_ordering(sandbox, api):
    sandbox.add_jobs(20, seed=2)
    url = f"{sandbox.url}/api/aurora/"
    default = api.get(url).json()
    assert api.get(url, params={"ordering": "no_such_field"}).json() == default
    assert api.get(url, params={"ordering": "-created_at"}).json() == default
    assert api.get(url, params={"ordering": "created_at"}).json() == default[::-1]
    items = api.get(url, params={"ordering": "status,-created_at"}).json()
    pairs = [(item["status"], item["created_at"]) for item in items]
    assert pairs == sorted(pairs, key=lambda pair: (pair[0], _negate(pair[1])))


def _negate(text: str) -> list[int]:
    return [-ord(char) for char in text]


def test_ids_filter(sandbox, api):
    items = sandbox.add_jobs(10, seed=4)
    wanted = [items[1]["id"], items[7]["id"], str(uuid.uuid4()), items[1]["id"].upper()]
    response = api.get(f"{sandbox.url}/api/aurora/", params={"ids": ",".join(wanted)})
    assert response.status_code == 200
    assert sorted(item["id"] for item in response.json()) == sorted(
        [items[1]["id"], items[7]["id"]]
    )
    spaced = api.get(f"{sandbox.url}/api/aurora/", params={"ids": f" {items[2]['id']} ,"})
    assert [item["id"] for item in spaced.json()] == [items[2]["id"]]


# -- seeding ----------------------------------------------------------------------------


def test_seeding_is_repeatable():
    first = Sandbox(jobs=40, seed=11, manual_clock=True, start=START).payloads()
    second = Sandbox(jobs=40, seed=11, manual_clock=True, start=START).payloads()
    other = Sandbox(jobs=40, seed=12, manual_clock=True, start=START).payloads()
    assert first == second
    assert {item["id"] for item in first}.isdisjoint({item["id"] for item in other})
    assert len({item["id"] for item in first}) == 40


def test_seeded_jobs_cover_every_status():
    items = Sandbox(jobs=14, seed=0, manual_clock=True).payloads()
    for item in items:
        assert not schema_errors(item)
    assert {item["status"] for item in items} == {
        "pending",
        "in_queue",
        "running",
        "done",
        "failed",
        "rejected",
    }
    assert any("text_prompt" not in item for item in items)
    assert any(item["is_hidden"] for item in items) and any(item["media_job"] for item in items)
    assert {item["model_version"] for item in items} == {"aurora_v1", "aurora_v1_fast"}
    created = [datetime.fromisoformat(item["created_at"]) for item in items]
    assert max(created) - min(created) > timedelta(hours=1)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_seeded_jobs_read_like_a_real_account(family):
    """Every job named like a campaign video, no markup or bare ids; a few failures, each
    with a reason a user could act on."""
    sandbox = Sandbox(jobs=60, family_jobs=30, seed=4, manual_clock=True)
    items = sandbox.payloads(family)
    names = [item["name"] for item in items]
    assert all(isinstance(name, str) and 0 < len(name) <= 80 for name in names), names
    assert not [name for name in names if set(name) & set("<>&\"'") or UUID_TEXT.search(name)]
    assert len(set(names)) > len(names) // 2  # varied, not one name repeated
    assert any(not name.isascii() for name in names)  # a few languages
    failed = [item for item in items if item["status"] == "failed"]
    assert 0 < len(failed) <= len(items) // 4
    assert {item["failed_reason"] for item in failed} <= set(FAILED_REASONS)


def test_awkward_jobs_are_served_as_given(sandbox):
    """Text the seed never makes (the longest name, other alphabets, markup, no name)
    comes back byte for byte and within the schema."""
    added = add_awkward_jobs(sandbox)
    served = {item["id"]: item for item in sandbox.payloads()}
    assert [served[job["id"]]["name"] for job in added] == list(AWKWARD_NAMES)
    assert len(LONG_NAME) == 255 and HTML_NAME in AWKWARD_NAMES and None in AWKWARD_NAMES
    for job in added:
        assert not schema_errors(served[job["id"]])


def test_seeded_unfinished_jobs_move_on():
    sandbox = Sandbox(jobs=30, seed=5, manual_clock=True)
    sandbox.advance(3600)
    assert {item["status"] for item in sandbox.payloads()} <= {"done", "failed", "rejected"}


# -- media and editor -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "magic"),
    [
        ("/media/image.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("/media/audio.wav", "audio/wav", b"RIFF"),
        ("/media/video.mp4", "video/mp4", b"ftyp"),
        ("/media/preview.mp4", "video/mp4", b"ftyp"),
    ],
)
def test_media_files(sandbox, path, content_type, magic):
    response = requests.get(f"{sandbox.url}{path}?job=x")  # no credentials needed
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert magic in response.content[:12]
    assert 1000 < len(response.content) < 100_000


def test_media_byte_ranges(sandbox):
    url = f"{sandbox.url}/media/video.mp4"
    full = requests.get(url).content
    part = requests.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == full[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(full)}"
    tail = requests.get(url, headers={"Range": "bytes=-5"})
    assert tail.content == full[-5:]
    assert requests.get(url, headers={"Range": f"bytes={len(full)}-"}).status_code == 416


def test_payload_links_resolve(sandbox, api):
    job = sandbox.add_job(status="done")
    for field, content_type in [
        ("video_output", "video/mp4"),
        ("preview", "video/mp4"),
        ("audio", "audio/wav"),
        ("image", "image/png"),
    ]:
        response = requests.get(job[field])
        assert response.status_code == 200, field
        assert response.headers["Content-Type"] == content_type
    editor = requests.get(job["editor_url"])
    assert editor.status_code == 200 and job["id"] in editor.text
    for token in ("forged", "ünïcode"):
        forged = requests.get(job["editor_url"].split("?")[0], params={"token": token})
        assert forged.status_code == 403


def test_head_is_get_without_a_body(sandbox, api):
    sandbox.add_jobs(3, seed=1)
    head = api.head(f"{sandbox.url}/api/aurora/")
    get = api.get(f"{sandbox.url}/api/aurora/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))


def test_links_follow_the_host_the_client_used(sandbox, api):
    job = sandbox.add_job(status="done")
    other_host = api.get(
        f"{sandbox.url}/api/aurora/{job['id']}/", headers={"Host": "localhost:9999"}
    ).json()
    assert other_host["video_output"].startswith("http://localhost:9999/media/")
    assert sandbox.job(job["id"])["video_output"].startswith(sandbox.url)


def test_the_sandbox_is_a_plain_wsgi_app():
    sandbox = Sandbox(api_key="k", jobs=3, manual_clock=True)
    environ = {"PATH_INFO": "/api/aurora/", "HTTP_X_API_ID": "sandbox-id", "HTTP_X_API_KEY": "k"}
    setup_testing_defaults(environ)
    captured = {}

    def start_response(status, headers):
        captured["status"] = status

    body = b"".join(sandbox(environ, start_response))
    assert captured["status"] == "200 OK"
    items = json.loads(body)
    assert len(items) == 3 and items[0]["audio"].startswith("http://127.0.0.1/media/")


# -- load -------------------------------------------------------------------------------


def test_concurrent_creates_are_all_kept(sandbox):
    errors: list[BaseException] = []

    def worker():
        session = api_session(sandbox)
        try:
            for _ in range(10):
                create(session, sandbox)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(sandbox) == 80 and len({item["id"] for item in sandbox.payloads()}) == 80


def timed_listing(jobs: int) -> tuple[float, int]:
    """Seconds to list ``jobs`` fresh jobs over HTTP (each payload built for the first
    time), and how many came back. The collector is paused while timing: a collection
    landing in one of two measurements would be noise, not the listing's cost."""
    sandbox = Sandbox(jobs=jobs, seed=1, manual_clock=True)
    with sandbox.serve():
        api = api_session(sandbox)
        api.get(f"{sandbox.url}/")  # connect first: only the listing is timed
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            response = api.get(f"{sandbox.url}/api/aurora/")
            elapsed = time.perf_counter() - started
        finally:
            gc.enable()
    assert response.status_code == 200
    return elapsed, len(response.json())


def test_ten_thousand_jobs_list_in_linear_time():
    """Against a baseline taken in the same run, so that a slow machine slows both alike.
    Ten times the jobs costs about ten times as long here (6 to 19 times over many runs);
    work per job that grows with the listing would cost a hundred times."""
    small, small_count = timed_listing(1_000)
    large, large_count = timed_listing(10_000)
    assert (small_count, large_count) == (1_000, 10_000)
    assert large < 40 * small, f"1,000 jobs in {small:.3f} s, 10,000 in {large:.3f} s"
