"""The credit balance on the site's side: the client call, the cached read with its
warning and signal, the admin overview line and the optional beat task; against the
sandbox over HTTP on loopback."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings

from django_creatify import credits
from django_creatify.client import CreatifyClient
from django_creatify.conf import creatify_settings
from django_creatify.exceptions import APIError, PayloadError
from django_creatify.sandbox import Fault
from django_creatify.schedule import CHECK_CREDITS_TASK, beat_schedule
from django_creatify.signals import credits_low

ADMIN = "/admin/django_creatify/auroraflow/"
CREDITS_PATH = "/api/remaining_credits/"


@pytest.fixture(autouse=True)
def empty_cache(clear_admin_cache):
    yield


@pytest.fixture
def signals():
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    credits_low.connect(receiver)
    yield received
    credits_low.disconnect(receiver)


def settings_with(sandbox, **extra):
    return override_settings(CREATIFY={**_current(), **extra})


def _current():
    from django.conf import settings

    return dict(settings.CREATIFY)


def balance_calls(sandbox) -> int:
    return sum(1 for request in sandbox.requests if request.path == CREDITS_PATH)


# -- the client -----------------------------------------------------------------------


def test_the_client_reads_the_balance(creatify_sandbox):
    creatify_sandbox.credits = 1234.5
    with CreatifyClient() as client:
        assert client.remaining_credits() == 1234.5
    (request,) = creatify_sandbox.requests
    assert (request.method, request.path) == ("GET", CREDITS_PATH)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"{}",
        b'{"remaining_credits": "12"}',
        b'{"remaining_credits": true}',
        b'{"remaining_credits": null}',
        b'{"remaining_credits": NaN}',
        b'{"credits": 12}',
    ],
)
def test_a_bad_shape_is_a_payload_error(creatify_sandbox, body):
    creatify_sandbox.inject(Fault.body(200, body))
    with CreatifyClient() as client, pytest.raises(PayloadError) as caught:
        client.remaining_credits()
    assert "remaining_credits" in str(caught.value)


def test_an_integer_balance_is_a_float(creatify_sandbox):
    creatify_sandbox.inject(Fault.body(200, b'{"remaining_credits": 7}'))
    with CreatifyClient() as client:
        value = client.remaining_credits()
    assert value == 7.0 and isinstance(value, float)


def test_refused_credentials_are_an_api_error(creatify_sandbox):
    with CreatifyClient(api_key="wrong") as client, pytest.raises(APIError):
        client.remaining_credits()


# -- read_balance ---------------------------------------------------------------------


def test_read_balance_is_cached(creatify_sandbox):
    creatify_sandbox.credits = 500
    assert credits.read_balance() == 500.0
    creatify_sandbox.credits = 400
    assert credits.read_balance() == 500.0  # within CREDITS_CACHE_SECONDS
    assert balance_calls(creatify_sandbox) == 1
    cache.clear()
    with settings_with(creatify_sandbox, CREDITS_CACHE_SECONDS=0):
        assert credits.read_balance() == 400.0
        creatify_sandbox.credits = 300
        assert credits.read_balance() == 300.0
    assert balance_calls(creatify_sandbox) == 3


def test_each_account_has_its_own_cached_balance(creatify_sandbox):
    first = credits.cache_key()
    with settings_with(creatify_sandbox, API_ID="another-account"):
        assert credits.cache_key() != first


def test_low_balance_logs_and_signals_once_per_read(creatify_sandbox, signals, caplog):
    creatify_sandbox.credits = 40
    with (
        settings_with(creatify_sandbox, CREDITS_WARNING_THRESHOLD=50),
        caplog.at_level(logging.WARNING, logger="django_creatify.credits"),
    ):
        assert credits.read_balance() == 40.0
        assert credits.read_balance() == 40.0  # cached: no second warning
    assert signals == [
        (CreatifyClient, {"signal": credits_low, "remaining": 40.0, "threshold": 50.0})
    ]
    (record,) = [r for r in caplog.records if r.name == "django_creatify.credits"]
    assert record.levelno == logging.WARNING and "40 left" in record.getMessage()
    assert creatify_settings.API_KEY not in record.getMessage()


def test_no_threshold_no_warning(creatify_sandbox, signals, caplog):
    creatify_sandbox.credits = 0
    with caplog.at_level(logging.WARNING, logger="django_creatify.credits"):
        assert credits.read_balance() == 0.0
    assert signals == [] and not caplog.records


def test_a_balance_at_the_threshold_is_not_low(creatify_sandbox, signals):
    creatify_sandbox.credits = 50
    with settings_with(creatify_sandbox, CREDITS_WARNING_THRESHOLD=50):
        credits.read_balance()
    assert signals == []


def test_a_failing_receiver_does_not_break_the_read(creatify_sandbox, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    credits_low.connect(broken)
    try:
        creatify_sandbox.credits = 1
        with settings_with(creatify_sandbox, CREDITS_WARNING_THRESHOLD=10):
            assert credits.read_balance() == 1.0
    finally:
        credits_low.disconnect(broken)
    assert any("credits_low receiver failed" in r.getMessage() for r in caplog.records)


def test_an_unreachable_creatify_gives_none_logged_and_cached(caplog):
    # The test settings point at a closed port.
    with caplog.at_level(logging.WARNING, logger="django_creatify.credits"):
        assert credits.read_balance() is None
        balance = credits.current_balance()
    assert not balance.known and "could not connect" in balance.error
    assert len([r for r in caplog.records if r.name == "django_creatify.credits"]) == 1


def test_an_error_answer_gives_none(creatify_sandbox):
    creatify_sandbox.inject(Fault.status(503))
    assert credits.read_balance() is None
    assert balance_calls(creatify_sandbox) == 1  # one attempt: a page does not wait on retries


def test_missing_credentials_give_none():
    with override_settings(CREATIFY={"BASE_URL": "http://127.0.0.1:9"}):
        balance = credits.current_balance()
    assert balance.remaining is None and "credentials" in balance.error


# -- the admin overview ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_overview_shows_the_balance(admin_client, creatify_sandbox):
    creatify_sandbox.credits = 1234.5
    html = admin_client.get(ADMIN + "overview/").content.decode()
    assert "Credits left: 1,234.5" in html
    admin_client.get(ADMIN + "overview/")
    admin_client.get("/admin/django_creatify/lipsync/overview/")
    assert balance_calls(creatify_sandbox) == 1  # one call per cache period, whatever the views


@pytest.mark.django_db
def test_the_overview_marks_a_low_balance(admin_client, creatify_sandbox):
    creatify_sandbox.credits = 1000
    with settings_with(creatify_sandbox, CREDITS_WARNING_THRESHOLD=5000):
        html = admin_client.get(ADMIN + "overview/").content.decode()
    assert "Credits left: 1,000" in html and "below the warning threshold" in html


@pytest.mark.django_db
def test_the_overview_says_unknown_and_why(admin_client):
    response = admin_client.get(ADMIN + "overview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Credits left: unknown" in html and "could not connect" in html
    assert "test-api-key-secret" not in html


# -- the beat task --------------------------------------------------------------------


def test_the_check_is_scheduled_only_with_a_threshold(creatify_sandbox):
    assert CHECK_CREDITS_TASK not in {entry["task"] for entry in beat_schedule().values()}
    with settings_with(creatify_sandbox, CREDITS_WARNING_THRESHOLD=100):
        tasks = {entry["task"] for entry in beat_schedule().values()}
    assert CHECK_CREDITS_TASK in tasks


def test_the_check_task_reads_fresh_and_warns(creatify_sandbox, signals):
    from django_creatify.tasks import check_credits

    creatify_sandbox.credits = 80
    credits.read_balance()  # cached at 80
    creatify_sandbox.credits = 20
    with settings_with(creatify_sandbox, CREDITS_WARNING_THRESHOLD=50):
        result = check_credits.apply().get()
    assert result == {"remaining": 20.0, "low": True, "error": ""}
    assert [kwargs["remaining"] for _, kwargs in signals] == [20.0]
    assert credits.read_balance() == 20.0  # the cache was refreshed


# -- system checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("CREDITS_WARNING_THRESHOLD", "100"),
        ("CREDITS_WARNING_THRESHOLD", True),
        ("CREDITS_CACHE_SECONDS", -1),
        ("CREDITS_CACHE_SECONDS", None),
    ],
)
def test_bad_credit_settings_are_named_by_a_check(setting, value):
    from django_creatify.checks import check_numbers

    with override_settings(CREATIFY={**_current(), setting: value}):
        errors = [e for e in check_numbers() if e.id == "django_creatify.E003"]
    assert len(errors) == 1 and setting in errors[0].msg


def test_good_credit_settings_pass_the_checks():
    from django_creatify.checks import check_numbers

    with override_settings(
        CREATIFY={**_current(), "CREDITS_WARNING_THRESHOLD": 250, "CREDITS_CACHE_SECONDS": 0}
    ):
        assert [e for e in check_numbers() if e.id == "django_creatify.E003"] == []
