"""``manage.py creatify_sandbox`` and ``python -m django_creatify.sandbox``."""

from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import override_settings

from django_creatify.sandbox import SandboxServer
from django_creatify.sandbox.cli import parse_addr, parse_speed


@pytest.fixture
def served(monkeypatch):
    """Run the command until it would block, probe the live server, then "press Ctrl-C"."""
    seen: dict = {}

    def wait(server: SandboxServer) -> None:
        seen["url"] = server.url
        seen["sandbox"] = server.sandbox
        url, api_id = f"{server.url}/api/aurora/", server.sandbox.api_id
        seen["probe"] = requests.get(
            url, headers={"X-API-ID": api_id, "X-API-KEY": server.sandbox.api_key}
        )
        seen["wrong_key"] = requests.get(url, headers={"X-API-ID": api_id, "X-API-KEY": "wrong"})
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "wait", wait)
    monkeypatch.delenv("CREATIFY_API_ID", raising=False)
    monkeypatch.delenv("CREATIFY_API_KEY", raising=False)
    return seen


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("creatify_sandbox", "--addr", "127.0.0.1:0", *args, stdout=out)
    return out.getvalue()


def test_defaults_print_a_settings_block_to_paste(served):
    with override_settings(CREATIFY={}):
        text = run_command("--jobs", "4", "--seed", "2")
    assert served["probe"].status_code == 200 and len(served["probe"].json()) == 4
    assert (
        "CREATIFY = {\n"
        '    "API_ID": "sandbox-id",\n'
        '    "API_KEY": "sandbox-key",\n'
        f'    "BASE_URL": "{served["url"]}",\n'
        "}"
    ) in text
    assert "4 jobs, seed 2, speed 1x" in text


def test_the_sites_credentials_are_used_but_the_key_is_not_printed(served):
    with override_settings(CREATIFY={"API_ID": "site-id", "API_KEY": "site-secret-key"}):
        text = run_command()
    assert '"API_ID": "site-id"' in text
    assert "site-secret-key" not in text
    assert served["sandbox"].api_key == "site-secret-key"
    assert served["probe"].status_code == 200


def test_explicit_credentials_and_instant_speed(served):
    text = run_command("--api-id", "me", "--api-key", "mine", "--speed", "instant")
    assert '"API_KEY": "mine"' in text and "speed instant" in text
    assert served["sandbox"].api_id == "me"
    assert served["probe"].status_code == 200 and served["wrong_key"].status_code == 401


@pytest.mark.parametrize(
    "args", [("--speed", "0"), ("--speed", "fast"), ("--addr", "nowhere"), ("--jobs", "-1")]
)
def test_bad_arguments_are_command_errors(served, args):
    with pytest.raises(CommandError):
        run_command(*args)


def test_parsers():
    assert parse_addr("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_addr("8765") == ("127.0.0.1", 8765)
    assert parse_addr(":0") == ("127.0.0.1", 0)
    assert parse_addr("[::1]:9000") == ("::1", 9000)
    assert parse_speed("instant") == float("inf") and parse_speed("2.5") == 2.5
    with pytest.raises(ValueError):
        parse_addr("localhost:99999")


def test_python_dash_m_serves_until_interrupted():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "django_creatify.sandbox", "--addr", "127.0.0.1:0", "--jobs", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell starts background jobs with Ctrl-C ignored, and children inherit that:
        # run from such a job (CI, nohup), the sandbox would never see the SIGINT below.
        preexec_fn=_default_sigint,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "the sandbox printed nothing"
        first_line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first_line)[0]
        response = requests.get(
            f"{url}/api/aurora/", headers={"X-API-ID": "sandbox-id", "X-API-KEY": "sandbox-key"}
        )
        assert response.status_code == 200 and len(response.json()) == 3
        process.send_signal(signal.SIGINT)
        # communicate(), not wait(): it drains the pipes, so a chatty exit cannot block.
        _, errors = process.communicate(timeout=20)
        assert process.returncode == 0, errors[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
