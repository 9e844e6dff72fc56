"""The webhook secret never reaches a user who should not have it.

The site's webhook URL carries the secret in its path and is set on every job the site
creates. Staff may see it; an ordinary API user must not, in any answer, and must not be
able to point Creatify at an address of their choosing.
"""

import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.test import APIClient

from django_creatify.sandbox import Fault

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret-path-0123456789abcdef"
SITE = "https://site.example"
CREATE = "/creatify/api/aurora/"
BODY = {"audio": "https://cdn.example/a.mp3", "image": "https://cdn.example/i.png"}


@pytest.fixture(autouse=True)
def open_api(creatify_sandbox):
    with override_settings(
        CREATIFY={
            **settings.CREATIFY,
            "API_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "API_OWNER_SCOPED": True,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_BASE_URL": SITE,
            "WEBHOOK_URL_ALLOWED_HOSTS": ["hooks.customer.example"],
        }
    ):
        yield


def client_for(name, *, staff=False):
    client = APIClient()
    user = get_user_model().objects.create_user(name, password="pw", is_staff=staff)
    client.force_authenticate(user)
    return client


def assert_no_secret(response):
    assert SECRET not in response.content.decode(), response.content[:300]


def test_a_user_never_sees_the_site_webhook_url_of_their_own_job(creatify_sandbox):
    user = client_for("user")
    created = user.post(CREATE, BODY, format="json")
    assert created.status_code == 201
    job_id = created.json()["id"]
    # The job really carries the site's secret URL at Creatify...
    assert SECRET in creatify_sandbox.job(job_id)["webhook_url"]
    # ...and no answer to its creator shows it.
    assert created.json()["webhook_url"] is None
    assert_no_secret(created)
    for response in (
        user.get(f"{CREATE}{job_id}/"),
        user.get(CREATE),
        user.get(f"{CREATE}?expand=raw"),
        user.post(f"{CREATE}{job_id}/refresh/"),
        user.get(f"{CREATE}{job_id}/", HTTP_ACCEPT="text/html"),
        user.get(CREATE, HTTP_ACCEPT="text/html"),
    ):
        assert response.status_code in (200, 202), response.status_code
        assert_no_secret(response)

    staff = client_for("staff", staff=True)
    assert SECRET in staff.get(f"{CREATE}{job_id}/").json()["webhook_url"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:6379/",
        "https://evil.example/hook",
        f"{SITE}/creatify/webhook/{SECRET}/",
    ],
)
def test_a_user_may_not_choose_where_creatify_calls(creatify_sandbox, url):
    response = client_for("user").post(CREATE, {**BODY, "webhook_url": url}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"webhook_url"}
    assert_no_secret(response)
    assert creatify_sandbox.requests == []


def test_a_user_may_use_a_host_the_site_allows_and_sees_it(creatify_sandbox):
    url = "https://hooks.customer.example/creatify"
    created = client_for("user").post(CREATE, {**BODY, "webhook_url": url}, format="json")
    assert created.status_code == 201
    assert created.json()["webhook_url"] == url
    assert creatify_sandbox.job(created.json()["id"])["webhook_url"] == url


def test_staff_may_set_any_webhook(creatify_sandbox):
    url = "https://ops.example/creatify"
    created = client_for("staff", staff=True).post(
        CREATE, {**BODY, "webhook_url": url}, format="json"
    )
    assert (created.status_code, created.json()["webhook_url"]) == (201, url)


def test_creatify_echoing_the_webhook_url_in_an_error_does_not_leak_it(creatify_sandbox):
    echoed = {"webhook_url": [f"{SITE}/creatify/webhook/{SECRET}/ is not reachable"]}
    creatify_sandbox.inject(Fault.status(400, body=json.dumps(echoed)))
    response = client_for("user").post(CREATE, BODY, format="json")
    assert response.status_code == 400
    assert "is not reachable" in response.json()["webhook_url"][0]
    assert_no_secret(response)
