"""The ``creatify_sandbox`` fixture, used the way a host site's tests would use it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import requests
from django.conf import settings

from django_creatify.sandbox import Sandbox
from django_creatify.testing.pytest_plugin import _creatify_settings_for


def test_a_host_site_test_can_create_and_read_a_job(creatify_sandbox):
    conf = settings.CREATIFY
    assert conf["BASE_URL"] == creatify_sandbox.url
    headers = {"X-API-ID": conf["API_ID"], "X-API-KEY": conf["API_KEY"]}
    created = requests.post(
        f"{conf['BASE_URL']}/api/aurora/",
        json={"audio": "https://cdn.example.com/a.mp3", "image": "https://cdn.example.com/a.png"},
        headers=headers,
    )
    assert created.status_code == 201
    job_id = created.json()["id"]

    creatify_sandbox.advance(120)  # the fixture's clock only moves when told
    job = requests.get(f"{conf['BASE_URL']}/api/aurora/{job_id}/", headers=headers).json()
    assert job["status"] == "done" and job["video_output"]
    assert [request.method for request in creatify_sandbox.requests] == ["POST", "GET"]


def test_the_fixture_keeps_the_sites_other_settings(creatify_sandbox):
    # tests/settings.py sets MAX_RETRIES; only the connection keys are replaced.
    assert settings.CREATIFY["MAX_RETRIES"] == 2
    assert settings.CREATIFY["API_ID"] == creatify_sandbox.api_id == "sandbox-id"
    assert settings.CREATIFY["API_KEY"] == creatify_sandbox.api_key == "sandbox-key"


def test_the_apps_settings_object_follows_the_fixture(creatify_sandbox):
    from django_creatify.conf import creatify_settings

    assert creatify_sandbox.url == creatify_settings.BASE_URL
    assert creatify_settings.API_KEY == "sandbox-key"


def test_settings_come_back_afterwards():
    before = dict(settings.CREATIFY)
    sandbox = Sandbox()
    with _creatify_settings_for(sandbox, "http://127.0.0.1:1"):
        assert settings.CREATIFY["BASE_URL"] == "http://127.0.0.1:1"
    assert before == settings.CREATIFY


def test_the_session_server(creatify_sandbox_server):
    response = requests.get(
        f"{creatify_sandbox_server.url}/api/aurora/",
        headers={"X-API-ID": "sandbox-id", "X-API-KEY": "sandbox-key"},
    )
    assert response.status_code == 200 and response.json() == []


HOST_SETTINGS = """
SECRET_KEY = "host-site"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
CREATIFY = {"API_ID": "live-id", "API_KEY": "live-secret", "TIMEOUT": 3}
"""

HOST_TESTS = """
import requests
from django.conf import settings


def test_uses_the_sandbox(creatify_sandbox):
    conf = settings.CREATIFY
    assert conf["BASE_URL"] == creatify_sandbox.url and conf["TIMEOUT"] == 3
    headers = {"X-API-ID": conf["API_ID"], "X-API-KEY": conf["API_KEY"]}
    created = requests.post(
        conf["BASE_URL"] + "/api/aurora/",
        data={"audio": "https://cdn.example.com/a.wav", "image": "https://cdn.example.com/a.jpg"},
        headers=headers,
    ).json()
    creatify_sandbox.advance(120)
    job = requests.get(conf["BASE_URL"] + "/api/aurora/" + created["id"] + "/", headers=headers)
    assert job.json()["status"] == "done"


def test_settings_are_restored():
    assert settings.CREATIFY == {"API_ID": "live-id", "API_KEY": "live-secret", "TIMEOUT": 3}
"""


def test_the_entry_point_serves_a_host_project(tmp_path):
    """A project with no conftest gets the fixture from the installed package alone."""
    (tmp_path / "host_settings.py").write_text(textwrap.dedent(HOST_SETTINGS))
    (tmp_path / "test_host.py").write_text(textwrap.dedent(HOST_TESTS))
    (tmp_path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = host_settings\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_host.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
