"""The HTTP client's smaller promises: ordering sent, pools released, dates without a zone,
and the error body of a streamed listing kept for the message."""

from datetime import UTC, datetime

import pytest
import requests

from django_creatify import exceptions
from django_creatify.client import CreatifyClient, parse_retry_after
from django_creatify.sandbox import Fault


def api_requests(sandbox):
    return [r for r in sandbox.requests if r.path.startswith("/api/aurora/")]


def test_the_ordering_asked_for_is_sent(creatify_sandbox):
    with CreatifyClient() as client:
        client.list_aurora(ordering="-created_at")
    (request,) = api_requests(creatify_sandbox)
    assert request.query["ordering"] == "-created_at"


def test_closing_the_client_releases_its_pooled_connections(creatify_sandbox):
    session = requests.Session()
    pools = session.get_adapter("http://").poolmanager.pools
    with CreatifyClient(session=session) as client:
        client.list_aurora()
        assert len(pools) == 1
    assert len(pools) == 0


def test_an_http_date_without_a_zone_is_read_as_utc():
    # RFC 5322's "-0000": a time in UTC whose zone the sender does not vouch for.
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 22 Nov 2026 12:00:10 -0000", now=now) == 10.0


def test_a_listing_refused_with_a_body_says_what_the_body_said(creatify_sandbox):
    creatify_sandbox.inject(Fault.body(400, b'{"detail": "ordering: unknown field"}'))
    refused = pytest.raises(exceptions.InvalidRequestError)
    with CreatifyClient() as client, refused as caught, client.open_aurora_listing():
        pass
    assert "ordering: unknown field" in str(caught.value)
    assert len(api_requests(creatify_sandbox)) == 1
