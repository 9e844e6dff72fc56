"""The README's demo, end to end: start it, log in as the printed user, read the changelist."""

import html
import os
import queue
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
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
            "--jobs",
            "12",
            "--new-job-every",
            "0",
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
                pytest.fail("demo did not start:\n" + "".join(seen))
            seen.append(line)
            if "Starting development server" in line or "Quit the server" in line:
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
