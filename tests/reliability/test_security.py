"""Security cases: authentication and CSRF where Django expects them, nothing leaked."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault

pytestmark = pytest.mark.django_db

CREATE = "/creatify/api/aurora/"
BODY = {"audio": "https://cdn.example/a.mp3", "image": "https://cdn.example/i.png"}


@pytest.fixture
def staff_session():
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def test_api_writes_from_a_session_need_the_csrf_token(staff_session, creatify_sandbox):
    refused = staff_session.post(CREATE, BODY, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert creatify_sandbox.requests == []

    staff_session.get("/admin/")  # a page with a form sets the CSRF cookie
    token = staff_session.cookies["csrftoken"].value
    accepted = staff_session.post(
        CREATE, BODY, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201


def test_api_writes_need_authentication(creatify_sandbox):
    anonymous = Client()
    assert anonymous.post(CREATE, BODY, content_type="application/json").status_code in (401, 403)
    job = AuroraFlow.objects.create(id="0b6f0f5e-3f1a-4f60-9a57-6f7a4c1c2d3e", status="running")
    assert anonymous.post(f"{CREATE}{job.pk}/refresh/").status_code in (401, 403)
    assert creatify_sandbox.requests == []


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.drop(), Fault.truncate()])
def test_error_responses_carry_no_trace_or_key_with_debug_off(
    staff_session, creatify_sandbox, fault
):
    staff_session.get("/admin/")
    token = staff_session.cookies["csrftoken"].value
    creatify_sandbox.inject(fault)
    with override_settings(DEBUG=False):
        response = staff_session.post(
            CREATE, BODY, content_type="application/json", headers={"X-CSRFToken": token}
        )
    text = response.content.decode()
    assert response.status_code in (502, 503)
    assert set(response.json()) == {"detail"}
    for leak in ("Traceback", 'File "', creatify_sandbox.api_key, creatify_sandbox.url):
        assert leak not in text


def test_the_webhook_reveals_nothing_on_a_wrong_secret():
    secret = "the-real-webhook-secret-0123456789"
    with override_settings(
        DEBUG=False, CREATIFY={"API_ID": "a", "API_KEY": "b", "WEBHOOK_SECRET": secret}
    ):
        wrong = Client().post("/creatify/webhook/guess/", b"{}", content_type="application/json")
        unknown_path = Client().post(
            "/creatify/nothing-here/", b"{}", content_type="application/json"
        )
    assert wrong.status_code == unknown_path.status_code == 404
    assert wrong.content == unknown_path.content  # indistinguishable from any missing page
    assert secret not in wrong.content.decode()


def test_admin_actions_need_the_csrf_token(creatify_sandbox):
    user = get_user_model().objects.create_superuser("boss", password="pw")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/admin/django_creatify/auroraflow/sync/").status_code == 403
    assert Client().post("/admin/django_creatify/auroraflow/sync/").status_code == 302  # login
    assert creatify_sandbox.requests == []
