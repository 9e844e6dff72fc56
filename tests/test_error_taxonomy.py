"""One failure, one verdict: the client, the tasks, the API, the admin and the command all
judge a Creatify failure by what its error class says (transient? which status? what
may a user be told?)."""

import pytest
from celery import current_app
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from django_creatify import exceptions, tasks
from django_creatify.client import CreatifyClient
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows

pytestmark = pytest.mark.django_db

API = "/creatify/api/aurora/"
BODY = {"audio": "https://cdn.example/a.mp3", "image": "https://cdn.example/i.png"}

UNAVAILABLE = "Creatify is unavailable right now; try again later."
REFUSED = "Creatify refused the request."
CREDENTIALS = "This site's Creatify credentials are missing or were rejected."
THROTTLED = "Creatify is rate limiting this site; try again shortly."
UNREADABLE = "Creatify sent an answer this site could not read."

# fault, error class, transient, the site API's status and what it tells the user
CASES = {
    "501": (lambda: Fault.status(501), exceptions.ServerError, False, 502, REFUSED),
    "500": (lambda: Fault.status(500), exceptions.ServerError, True, 503, UNAVAILABLE),
    "503": (lambda: Fault.status(503), exceptions.ServerError, True, 503, UNAVAILABLE),
    "429": (lambda: Fault.status(429), exceptions.RateLimitedError, True, 503, THROTTLED),
    "401": (lambda: Fault.status(401), exceptions.AuthenticationError, False, 503, CREDENTIALS),
    "404": (lambda: Fault.status(404), exceptions.NotFoundError, False, 404, None),
    "400": (
        lambda: Fault.status(400, body={"name": ["bad"]}),
        exceptions.InvalidRequestError,
        False,
        400,
        None,
    ),
    "418": (lambda: Fault.status(418), exceptions.APIError, False, 502, REFUSED),
    "unreadable": (lambda: Fault.body(200, b"[{"), exceptions.PayloadError, False, 502, UNREADABLE),
    "dropped": (lambda: Fault.drop(), exceptions.TransportError, True, 503, UNAVAILABLE),
}


@pytest.fixture(params=sorted(CASES))
def case(request, creatify_sandbox):
    make_fault, error_class, transient, status, told = CASES[request.param]

    def inject(times=1):
        creatify_sandbox.clear_faults()
        creatify_sandbox.inject(*[make_fault() for _ in range(times)])

    return inject, error_class, transient, status, told


def test_the_client_retries_exactly_the_transient_ones(case, creatify_sandbox, settings):
    inject, error_class, transient, _status, _told = case
    inject(times=3)  # the first try and MAX_RETRIES=2 retries
    with CreatifyClient() as client, pytest.raises(error_class) as raised:
        client.get_aurora("0b6f0f5e-3f1a-4f60-9a57-6f7a4c1c2d3e")
    assert raised.value.transient is transient
    assert client.request_count == (3 if transient else 1)


def test_a_task_on_a_worker_retries_exactly_the_transient_ones(case, creatify_sandbox):
    inject, _error_class, transient, _status, _told = case
    (job,) = creatify_sandbox.add_jobs(1)
    inject()
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = False, False
    try:
        outcome = tasks.refresh_aurora_flows.apply(args=[[job["id"]]])
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved
    assert outcome.successful() is transient
    assert len(creatify_sandbox.requests) == (2 if transient else 1)


def test_the_api_answers_with_the_errors_status_and_public_message(case, creatify_sandbox):
    _inject, _error_class, _transient, status, told = case
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.create_user("s", is_staff=True))
    _inject(times=3)
    response = staff.post(API, BODY, format="json")
    assert response.status_code == status
    if told is not None:
        assert response.json() == {"detail": told}


def test_the_admin_and_the_command_say_whether_to_try_again(case, creatify_sandbox, client):
    inject, _error_class, transient, _status, _told = case
    (job,) = creatify_sandbox.add_jobs(1)
    sync_aurora_flows()
    client.force_login(get_user_model().objects.create_superuser("boss", password="pw"))

    inject(times=3)
    response = client.post(
        "/admin/django_creatify/auroraflow/",
        {"action": "refresh_selected", "_selected_action": [job["id"]]},
        follow=True,
    )
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Creatify refresh of 1 job failed")
    assert ("try again later" in message) is transient

    inject(times=3)
    with pytest.raises(CommandError) as failed:
        call_command("creatify_sync", ids=job["id"])
    assert ("try again later" in str(failed.value)) is transient
