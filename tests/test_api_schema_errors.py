"""Creatify's failures come back in the shapes the OpenAPI schema documents: DRF's
``{field: [messages]}`` or ``{"detail": text}``, and a ``Retry-After`` of whole seconds
only when there is a sensible one."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_creatify.api.errors import refused_data, retry_after
from django_creatify.exceptions import InvalidRequestError
from django_creatify.sandbox import Fault
from tests.family_api_support import VALID_BODIES

API = "/creatify/api/aurora/"


def refused(body: str) -> dict | list:
    return refused_data(InvalidRequestError(400, body))


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ('{"name": ["Too long."]}', {"name": ["Too long."]}),
        ('{"name": "Too long."}', {"name": ["Too long."]}),
        ('{"n": 3, "ok": false, "gone": null}', {"n": ["3"], "ok": ["false"], "gone": ["null"]}),
        (
            '{"video_inputs": [{"voice": "No."}, {}], "music": {"url": ["Bad."]}}',
            {"video_inputs": [{"voice": ["No."]}, {}], "music": {"url": ["Bad."]}},
        ),
        ('["Not now.", {"name": "Bad."}]', ["Not now.", {"name": ["Bad."]}]),
        ('{"detail": "Insufficient credits."}', {"detail": "Insufficient credits."}),
        ('{"detail": {"name": "Bad."}}', {"name": ["Bad."]}),
        ('{"detail": "No.", "code": "refused"}', {"detail": "No.", "code": ["refused"]}),
        ('"quoted"', {"detail": "quoted"}),
        ("plain text", {"detail": "plain text"}),
        ("42", {"detail": "42"}),
        ("", {"detail": "Creatify refused the request's data."}),
    ],
)
def test_creatifys_400_is_shown_in_drfs_shapes(body, shown):
    assert refused(body) == shown


@pytest.mark.parametrize(
    ("seconds", "header"),
    [
        (None, None),
        (0, None),
        (-3, None),
        (float("nan"), None),
        (float("inf"), None),
        (2, "2"),
        (2.2, "3"),
        (1e12, "86400"),
    ],
)
def test_a_wait_is_whole_seconds_within_a_day(seconds, header):
    assert retry_after(seconds) == header


@pytest.mark.django_db
@pytest.mark.parametrize(("sent", "passed_on"), [("2", "2"), ("inf", None), ("1e999", None)])
def test_creatify_rate_limiting_is_a_503_with_its_wait(creatify_sandbox, sent, passed_on):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("s", is_staff=True))
    creatify_sandbox.inject(*[Fault.status(429, retry_after=sent)] * 3)
    response = client.post(API, VALID_BODIES["aurora"], format="json")
    assert response.status_code == 503
    assert response.json() == {"detail": "Creatify is rate limiting this site; try again shortly."}
    assert response.headers.get("Retry-After") == passed_on
