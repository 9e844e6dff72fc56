"""The README's demo, end to end: start it, log in as the printed user, read the changelist."""

import html
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from example_project.demo_setup import webhook_secret
from example_project.management.commands import demo as demo_command

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_demo(tmp_path, *options: str, until: str = "Quit the server") -> Iterator[dict]:
    """``manage.py demo`` in a subprocess on free ports, read until a line holds ``until``."""
    site, sandbox = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_URL", None)  # the demo runs tasks inline, as the README says
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "demo",
            "--addr",
            f"127.0.0.1:{site}",
            "--sandbox-addr",
            f"127.0.0.1:{sandbox}",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    seen = []
    try:
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"demo printed no {until!r}:\n" + "".join(seen))
            seen.append(line)
            if until in line:
                break
            if process.poll() is not None:
                pytest.fail("demo exited:\n" + "".join(seen))
        yield {
            "site": f"http://127.0.0.1:{site}",
            "sandbox": f"http://127.0.0.1:{sandbox}",
            "output": "".join(seen),
        }
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def demo(tmp_path):
    with running_demo(tmp_path, "--jobs", "12", "--new-job-every", "0") as started:
        yield started


def test_demo_serves_the_admin_with_the_sandbox_jobs(demo):
    assert "Admin login: demo / demo" in demo["output"]
    jobs = requests.get(
        f"{demo['sandbox']}/api/aurora/",
        headers={"X-API-ID": "demo-id", "X-API-KEY": "demo-key"},
        timeout=10,
    ).json()
    assert len(jobs) == 12

    browser = requests.Session()
    login_url = f"{demo['site']}/admin/login/"
    browser.get(login_url, timeout=10)
    response = browser.post(
        login_url,
        data={
            "username": "demo",
            "password": "demo",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": "/admin/django_creatify/auroraflow/",
        },
        headers={"Referer": login_url},
        timeout=10,
    )
    assert response.url.endswith("/admin/django_creatify/auroraflow/"), response.url
    page = response.text
    for job in jobs:
        shown = job["name"] if job["name"] else job["id"]
        assert html.escape(shown) in page, shown
    # Every family's jobs are in the demo's admin, synced at start.
    for family, model in (
        ("lipsyncs", "lipsync"),
        ("lipsyncs_v2", "lipsyncv2"),
        ("ai_shorts", "aishort"),
    ):
        listed = requests.get(
            f"{demo['sandbox']}/api/{family}/",
            headers={"X-API-ID": "demo-id", "X-API-KEY": "demo-key"},
            timeout=10,
        ).json()
        assert listed, family
        page = browser.get(f"{demo['site']}/admin/django_creatify/{model}/", timeout=10).text
        for job in listed:
            shown = job.get("name") or job["id"]
            assert html.escape(shown) in page, (family, shown)


def test_demo_prints_no_misleading_warning_or_settings(demo):
    output = demo["output"]
    # The checks run once the sandbox's credentials are set, so none is missing.
    assert "W001" not in output and "not configured" not in output
    assert "System check identified" not in output
    assert "using settings 'example_project.settings'" in output
    assert "using settings None" not in output


def test_jobs_the_demo_makes_post_webhooks_to_it_without_showing_the_secret(tmp_path):
    fast = ("--jobs", "0", "--speed", "50", "--refresh-every", "0.2", "--new-job-every", "0.2")
    with running_demo(tmp_path, *fast, until="/creatify/webhook/") as started:
        output = started["output"]
    (request_line,) = [line for line in output.splitlines() if "/creatify/webhook/" in line]
    assert "POST /creatify/webhook/[redacted]/" in request_line and '" 200 ' in request_line
    # (The test settings share the example site's SECRET_KEY, hence its secret.)
    assert webhook_secret() not in output


@pytest.mark.django_db
def test_the_demo_still_stops_on_a_real_problem_in_the_settings(settings, monkeypatch):
    settings.CREATIFY = {**settings.CREATIFY, "MAX_RETRIES": -1}
    called = []
    monkeypatch.setattr(demo_command, "call_command", lambda name, *a, **kw: called.append(name))
    with pytest.raises(SystemCheckError, match=r"django_creatify\.E003"):
        call_command("demo", addr="127.0.0.1:9", sandbox_addr="127.0.0.1:0", jobs=0)
    assert called == ["migrate"]  # stopped before serving
