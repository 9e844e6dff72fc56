"""The sandbox's outputs age out after the job's retention, and finished videos are PUT to
``output_upload_url``: all over real HTTP on loopback, on the manual clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests

from django_creatify.sandbox import Sandbox
from django_creatify.sandbox.media import read as media_bytes

from .sandbox_support import _QuietServer, api_session, free_port_url

DAY = 24 * 60 * 60
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AURORA_BODY = {"audio": "https://cdn.example.com/a.mp3", "image": "https://cdn.example.com/f.png"}
LIPSYNC_BODY = {"text": "Hello there, this is the sandbox speaking."}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True, start=START)
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def create(api, sandbox, family: str = "aurora", *, preview: bool = False, **fields) -> dict:
    body = AURORA_BODY if family == "aurora" else LIPSYNC_BODY
    tail = "preview/" if preview else ""
    response = api.post(f"{sandbox.url}/api/{family}/{tail}", json={**body, **fields})
    assert response.status_code in (200, 201), response.text
    return response.json()


def finished(api, sandbox, job: dict, family: str = "aurora") -> dict:
    # Every sandbox job ends within about a minute of sandbox time.
    sandbox.advance(120)
    payload = api.get(f"{sandbox.url}/api/{family}/{job['id']}/").json()
    assert payload["status"] == "done"
    return payload


def status_of(url: str) -> int:
    return requests.get(url, timeout=5).status_code


# -- ageing ---------------------------------------------------------------------------


def test_a_finished_video_is_served_for_the_default_seven_days(sandbox, api):
    job = finished(api, sandbox, create(api, sandbox))
    links = [job["video_output"], job["preview"]]
    assert all(status_of(link) == 200 for link in links)
    sandbox.advance(7 * DAY - 200)
    assert all(status_of(link) == 200 for link in links)
    sandbox.advance(200)
    for link in links:
        response = requests.get(link, timeout=5)
        assert response.status_code == 403
        assert len(response.content) < 200 and b"AccessDenied" in response.content
    # The payload keeps the dead links, as Creatify's would.
    again = api.get(f"{sandbox.url}/api/aurora/{job['id']}/").json()
    assert again["video_output"] == job["video_output"] and again["preview"] == job["preview"]


def test_ttl_days_given_at_create_decides(sandbox, api):
    short = finished(api, sandbox, create(api, sandbox, ttl_days=1))
    default = create(api, sandbox)
    sandbox.advance(120)
    default = api.get(f"{sandbox.url}/api/aurora/{default['id']}/").json()
    sandbox.advance(DAY)
    assert status_of(short["video_output"]) == 403
    assert status_of(default["video_output"]) == 200
    assert "ttl_days" not in short  # taken, acted on, still not echoed


def test_retention_counts_from_when_the_job_finished(sandbox, api):
    job = finished(api, sandbox, create(api, sandbox, ttl_days=1))
    created = datetime.fromisoformat(job["created_at"])
    ended = datetime.fromisoformat(job["updated_at"])
    took = (ended - created).total_seconds()
    assert took > 2
    now = sandbox.now()
    # A day after the create, the job's day of retention has not run out...
    sandbox.advance(DAY - (now - created).total_seconds() + took / 2)
    assert status_of(job["video_output"]) == 200
    # ...a day after it finished, it has.
    sandbox.advance(took / 2 + 1)  # updated_at is shown to the second
    assert status_of(job["video_output"]) == 403


def test_the_default_retention_is_what_the_sandbox_is_told():
    sandbox = Sandbox(manual_clock=True, start=START, retention_days=2)
    with sandbox.serve():
        api = api_session(sandbox)
        job = finished(api, sandbox, create(api, sandbox))
        sandbox.advance(DAY)
        assert status_of(job["video_output"]) == 200
        sandbox.advance(DAY)
        assert status_of(job["video_output"]) == 403


def test_a_lipsync_thumbnail_and_a_preview_age_too(sandbox, api):
    direct = finished(api, sandbox, create(api, sandbox, "lipsyncs"), "lipsyncs")
    preview = finished(api, sandbox, create(api, sandbox, "lipsyncs", preview=True), "lipsyncs")
    links = [direct["output"], direct["video_thumbnail"], preview["preview"]]
    assert all(status_of(link) == 200 for link in links)
    sandbox.advance(7 * DAY)
    assert all(status_of(link) == 403 for link in links)


def test_inputs_and_links_without_a_job_keep_working(sandbox, api):
    job = finished(api, sandbox, create(api, sandbox))
    sandbox.advance(30 * DAY)
    assert status_of(job["video_output"]) == 403
    assert status_of(f"{sandbox.url}/media/video.mp4") == 200
    assert status_of(f"{sandbox.url}/media/image.png?job={job['id']}") == 200


def test_seeded_outputs_are_fresh_when_the_sandbox_starts():
    sandbox = Sandbox(jobs=30, seed=3, manual_clock=True, start=START)
    with sandbox.serve():
        done = [job for job in sandbox.payloads() if job["status"] == "done"]
        assert done and all(status_of(job["video_output"]) == 200 for job in done)
        sandbox.advance(7 * DAY)
        assert all(status_of(job["video_output"]) == 403 for job in done)


# -- uploads to output_upload_url -----------------------------------------------------


class UploadReceiver:
    """A loopback endpoint that records the bodies PUT to it."""

    def __init__(self, status: int = 200) -> None:
        self.puts: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.puts.append(
                    {"path": self.path, "type": self.headers["Content-Type"], "body": data}
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/bucket/out.mp4?sig=abc"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def __enter__(self) -> UploadReceiver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_a_finished_video_is_put_to_output_upload_url(sandbox, api):
    with UploadReceiver() as receiver:
        job = create(api, sandbox, output_upload_url=receiver.url)
        assert "output_upload_url" not in job
        assert receiver.puts == []
        payload = finished(api, sandbox, job)
        # advance() returns once due deliveries are sent: no waiting needed.
        assert len(receiver.puts) == 1
        put = receiver.puts[0]
        assert put["path"] == "/bucket/out.mp4?sig=abc" and put["type"] == "video/mp4"
        assert put["body"] == media_bytes("video.mp4")
        (upload,) = sandbox.uploads
        assert (upload.url, upload.job_id, upload.status) == (receiver.url, job["id"], 200)
        assert upload.size == len(put["body"])
        # The video stays where the payload says, too.
        assert requests.get(payload["video_output"], timeout=5).content == put["body"]
        sandbox.advance(60)
        assert len(receiver.puts) == 1  # once


def test_a_failed_job_uploads_nothing(sandbox, api):
    sandbox.next_outcomes.append("failed")
    with UploadReceiver() as receiver:
        create(api, sandbox, output_upload_url=receiver.url)
        sandbox.advance(120)
        assert receiver.puts == [] and sandbox.uploads == []


def test_a_failed_upload_is_recorded_not_raised(sandbox, api):
    with UploadReceiver(status=403) as refused:
        create(api, sandbox, output_upload_url=refused.url)
        unreachable = free_port_url()
        create(api, sandbox, output_upload_url=unreachable)
        sandbox.advance(120)
    by_url = {upload.url: upload for upload in sandbox.uploads}
    assert by_url[refused.url].status == 403 and by_url[refused.url].error == "HTTP 403"
    assert by_url[unreachable].status is None and by_url[unreachable].error


def test_uploads_and_webhooks_both_go(sandbox, api):
    with UploadReceiver() as receiver:
        from .sandbox_support import WebhookReceiver

        with WebhookReceiver() as hooks:
            job = create(api, sandbox, output_upload_url=receiver.url, webhook_url=hooks.url)
            sandbox.advance(120)
            assert [body["id"] for body in hooks.bodies] == [job["id"]]
            assert len(receiver.puts) == 1


def test_the_control_api_lists_uploads(sandbox, api):
    with UploadReceiver() as receiver:
        job = create(api, sandbox, output_upload_url=receiver.url)
        sandbox.advance(120)
    listed = requests.get(f"{sandbox.url}/_sandbox/uploads", timeout=5).json()
    assert listed == [
        {
            "url": receiver.url,
            "job_id": job["id"],
            "size": len(media_bytes("video.mp4")),
            "status": 200,
            "error": None,
        }
    ]
    sandbox.reset()
    assert sandbox.uploads == []


def test_a_sandbox_told_video_bytes_streams_a_video_that_large():
    size = 5 * 1024 * 1024 + 17
    sandbox = Sandbox(video_bytes=size)
    with sandbox.serve():
        job = sandbox.add_job("aurora", status="done")
        url = job["video_output"]
        with requests.get(url, stream=True, timeout=10) as response:
            assert response.status_code == 200
            assert response.headers["Content-Length"] == str(size)
            body = b"".join(response.iter_content(1024 * 1024))
        assert len(body) == size and body[:256] == bytes(range(256))
        # The preview is still the bundled clip.
        assert requests.get(job["preview"], timeout=10).content == media_bytes("video.mp4")
