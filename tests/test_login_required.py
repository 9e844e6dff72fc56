"""Under Django's LoginRequiredMiddleware: Creatify's webhook and the API's own auth still work."""

import base64
import json
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver

SECRET = "login-required-webhook-secret-0123456789"

login_required_site = override_settings(
    MIDDLEWARE=[*settings.MIDDLEWARE, "django.contrib.auth.middleware.LoginRequiredMiddleware"],
    CREATIFY={**settings.CREATIFY, "WEBHOOK_SECRET": SECRET},
)


def basic_auth(username, password):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.mark.django_db
@login_required_site
def test_the_middleware_is_on_for_views_not_marked():
    # The example site's home page is a plain redirect to the admin; now it asks for a login.
    response = Client().get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(settings.LOGIN_URL)


@pytest.mark.django_db
@login_required_site
def test_the_webhook_is_accepted_without_a_login(queued_tasks):
    job_id = str(uuid.uuid4())
    response = Client().post(
        f"/creatify/webhook/{SECRET}/", json.dumps({"id": job_id}), content_type="application/json"
    )
    assert response.status_code == 200, response.headers.get("Location")
    assert response.json() == {"received": True, "id": job_id}


@pytest.mark.django_db
@login_required_site
def test_anonymous_api_clients_get_a_json_refusal_not_a_login_page():
    for method, path in [
        ("get", "/creatify/api/aurora/"),
        ("get", f"/creatify/api/aurora/{uuid.uuid4()}/"),
        ("post", f"/creatify/api/aurora/{uuid.uuid4()}/refresh/"),
    ]:
        response = getattr(Client(), method)(path, HTTP_ACCEPT="application/json")
        assert response.status_code in (401, 403), (path, response.status_code)
        assert "detail" in response.json()


@pytest.mark.django_db
@login_required_site
def test_basic_auth_clients_reach_the_api():
    get_user_model().objects.create_user("robot", password="robot-pass", is_staff=True)
    response = Client().get("/creatify/api/aurora/", **basic_auth("robot", "robot-pass"))
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.django_db
@login_required_site
def test_a_signed_in_admin_browses_the_api_and_the_admin():
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("boss", password="boss-pass"))
    page = browser.get("/creatify/api/aurora/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert browser.get("/admin/django_creatify/auroraflow/").status_code == 200


def test_every_url_of_the_app_is_marked():
    def callbacks(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern)
            else:
                yield pattern.callback

    (app_urls,) = [
        pattern
        for pattern in get_resolver().url_patterns
        if getattr(pattern, "app_name", None) == "django_creatify"
    ]
    views = list(callbacks(app_urls))
    assert len(views) >= 4
    assert all(view.login_required is False for view in views)
