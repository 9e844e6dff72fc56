"""``manage.py creatify_sandbox --credits --retention-days``: the account the sandbox plays."""

from __future__ import annotations

import io

import pytest
import requests
from django.core.management import CommandError, call_command

from django_creatify.sandbox import SandboxServer


@pytest.fixture
def served(monkeypatch):
    """Run the command until it would block, read its control API, then "press Ctrl-C"."""
    seen: dict = {}

    def wait(server: SandboxServer) -> None:
        seen["index"] = requests.get(f"{server.url}/_sandbox/", timeout=5).json()
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "wait", wait)
    return seen


def run_command(*args: str) -> None:
    call_command("creatify_sandbox", "--addr", "127.0.0.1:0", *args, stdout=io.StringIO())


def test_the_balance_and_the_retention_are_the_ones_given(served):
    run_command("--credits", "250.5", "--retention-days", "3")
    assert served["index"]["credits"] == 250.5
    assert served["index"]["retention_days"] == 3


def test_the_defaults(served):
    run_command()
    assert served["index"]["credits"] == 100_000.0
    assert served["index"]["retention_days"] == 7


@pytest.mark.parametrize("days", ["0", "-1"])
def test_a_retention_that_is_not_positive_is_refused(served, days):
    with pytest.raises(CommandError, match="retention-days"):
        run_command("--retention-days", days)
