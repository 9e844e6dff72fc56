"""Whose HTTP client a sync closes: its own, never one the caller passed and may reuse."""

from __future__ import annotations

import pytest
import requests

from django_creatify.client import CreatifyClient
from django_creatify.sync import pipeline as sync_module
from django_creatify.sync import sync_aurora_flows

pytestmark = pytest.mark.django_db


class CountedSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def test_a_client_the_caller_passes_is_left_open(creatify_sandbox):
    creatify_sandbox.add_jobs(2, status="done")
    session = CountedSession()
    client = CreatifyClient(session=session)
    assert sync_aurora_flows(client=client).created == 2
    assert sync_aurora_flows(client=client).unchanged == 2
    assert session.closed == 0
    assert client.request_count == 2


def test_a_client_the_sync_makes_is_closed(creatify_sandbox, monkeypatch):
    creatify_sandbox.add_jobs(1, status="done")
    sessions: list[CountedSession] = []

    def own_client():
        sessions.append(CountedSession())
        return CreatifyClient(session=sessions[-1])

    monkeypatch.setattr(sync_module, "CreatifyClient", own_client)
    assert sync_aurora_flows().created == 1
    assert [session.closed for session in sessions] == [1]
