import pytest
from django.conf import settings
from django.core.checks import ERROR, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_creatify import checks
from django_creatify.conf import creatify_settings


def ids(messages):
    return [message.id for message in messages]


def test_settings_reload_when_overridden():
    assert creatify_settings.API_ID == "test-api-id"
    with override_settings(CREATIFY={"API_ID": "other", "API_KEY": "k"}):
        assert creatify_settings.API_ID == "other"
        assert creatify_settings.BASE_URL == "https://api.creatify.ai"
    assert creatify_settings.API_ID == "test-api-id"


def test_credentials_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("CREATIFY_API_ID", "env-id")
    monkeypatch.setenv("CREATIFY_API_KEY", "env-key")
    with override_settings(CREATIFY={}):
        assert (creatify_settings.API_ID, creatify_settings.API_KEY) == ("env-id", "env-key")
        assert checks.check_credentials() == []


def test_unknown_setting_is_an_error_and_repr_hides_the_key():
    with pytest.raises(AttributeError, match="NOPE"):
        creatify_settings.NOPE
    assert "test-api-key-secret" not in repr(creatify_settings)


def test_timeout_accepts_a_number_or_a_pair():
    with override_settings(CREATIFY={"TIMEOUT": 7}):
        assert creatify_settings.timeout == (7.0, 7.0)
    with override_settings(CREATIFY={"TIMEOUT": (2, 9)}):
        assert creatify_settings.timeout == (2.0, 9.0)


def test_missing_credentials_warn_with_a_hint(monkeypatch):
    monkeypatch.delenv("CREATIFY_API_ID", raising=False)
    monkeypatch.delenv("CREATIFY_API_KEY", raising=False)
    with override_settings(CREATIFY={}):
        (warning,) = checks.check_credentials()
    assert warning.id == "django_creatify.W001"
    assert "CREATIFY_API_ID" in warning.hint


def test_plain_http_base_url_warns_outside_debug():
    with override_settings(DEBUG=False, CREATIFY={"BASE_URL": "http://api.example"}):
        assert ids(checks.check_base_url()) == ["django_creatify.W002"]
    with override_settings(DEBUG=True, CREATIFY={"BASE_URL": "http://api.example"}):
        assert checks.check_base_url() == []
    with override_settings(DEBUG=False, CREATIFY={"BASE_URL": "http://127.0.0.1:8765"}):
        assert checks.check_base_url() == []  # the sandbox on loopback
    with override_settings(DEBUG=False, CREATIFY={"BASE_URL": "https://api.creatify.ai"}):
        assert checks.check_base_url() == []


def test_base_url_must_be_http():
    with override_settings(CREATIFY={"BASE_URL": "ftp://x"}):
        assert ids(checks.check_base_url()) == ["django_creatify.E001"]


def test_bad_numbers_are_errors():
    with override_settings(CREATIFY={"TIMEOUT": "soon", "MAX_RETRIES": -1, "SYNC_BATCH_SIZE": 0}):
        errors = ids(checks.check_numbers())
    assert errors == ["django_creatify.E002", "django_creatify.E003", "django_creatify.E003"]


@pytest.mark.django_db  # Django 6 checks may query the database
def test_checks_are_registered_with_django():
    bad = {"BASE_URL": "ftp://x", "API_ID": "a", "API_KEY": "b"}
    with override_settings(CREATIFY=bad):
        found = ids(run_checks())
    assert "django_creatify.E001" in found


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    call_command("makemigrations", "django_creatify", "--check", "--dry-run", verbosity=0)


def test_webhook_checks():
    base = {"API_ID": "a", "API_KEY": "b"}
    with override_settings(CREATIFY={**base, "WEBHOOK_BASE_URL": "https://site.example"}):
        assert ids(checks.check_webhooks()) == ["django_creatify.W003"]
    with override_settings(
        CREATIFY={**base, "WEBHOOK_SECRET": ["long-enough-secret-1234", "short"]}
    ):
        assert ids(checks.check_webhooks()) == ["django_creatify.W004"]
    long_origin = "https://" + "x" * 180 + ".example"
    secret = "s" * 32
    with override_settings(
        CREATIFY={**base, "WEBHOOK_SECRET": secret, "WEBHOOK_BASE_URL": long_origin}
    ):
        assert ids(checks.check_webhooks()) == ["django_creatify.W005"]
    good = {**base, "WEBHOOK_SECRET": secret, "WEBHOOK_BASE_URL": "https://site.example"}
    with override_settings(CREATIFY=good):
        assert checks.check_webhooks() == []


WITHOUT_FILTERS = [app for app in settings.INSTALLED_APPS if app != "django_filters"]
WITHOUT_API_APPS = [
    app for app in settings.INSTALLED_APPS if app not in ("django_filters", "rest_framework")
]

# A site that mounts none of the app's URLs (used as ROOT_URLCONF below).
urlpatterns = []


def test_the_example_site_has_everything_the_api_needs():
    assert checks.check_api_dependencies() == []


def test_a_missing_django_filters_is_an_error_that_names_it():
    with override_settings(INSTALLED_APPS=WITHOUT_FILTERS):
        (error,) = checks.check_api_dependencies()
    assert error.id == "django_creatify.E005"
    assert error.level == ERROR
    assert '"django_filters"' in error.hint and "INSTALLED_APPS" in error.hint


def test_each_missing_app_is_named():
    with override_settings(INSTALLED_APPS=WITHOUT_API_APPS):
        errors = checks.check_api_dependencies()
    assert ids(errors) == ["django_creatify.E004", "django_creatify.E005"]
    assert '"rest_framework"' in errors[0].hint


def test_templates_no_engine_can_find_are_an_error():
    with override_settings(TEMPLATES=[]):
        (error,) = checks.check_api_dependencies()
    assert error.id == "django_creatify.E006"
    assert "rest_framework/api.html" in error.msg and "APP_DIRS" in error.hint


def test_a_site_without_the_api_urls_needs_neither_app():
    with override_settings(INSTALLED_APPS=WITHOUT_API_APPS, ROOT_URLCONF=__name__):
        assert checks.check_api_dependencies() == []


def test_settings_without_a_urlconf_need_neither_app():
    with override_settings(INSTALLED_APPS=WITHOUT_API_APPS):
        del settings.ROOT_URLCONF
        assert checks.check_api_dependencies() == []


def test_an_api_that_renders_no_html_needs_no_templates(monkeypatch):
    from rest_framework.renderers import JSONRenderer

    from django_creatify.api.views import AuroraFlowViewSet

    monkeypatch.setattr(AuroraFlowViewSet, "renderer_classes", [JSONRenderer])
    with override_settings(INSTALLED_APPS=WITHOUT_API_APPS):
        assert checks.check_api_dependencies() == []


@pytest.mark.django_db
def test_manage_py_check_fails_on_a_missing_app():
    missing = override_settings(INSTALLED_APPS=WITHOUT_FILTERS)
    with missing, pytest.raises(SystemCheckError, match=r"django_creatify\.E005"):
        call_command("check")


def test_use_tz_off_is_an_error_with_a_hint(settings):
    from django_creatify.checks import check_time_zones

    settings.USE_TZ = False
    (error,) = check_time_zones()
    assert error.id == "django_creatify.E007" and "USE_TZ = True" in error.hint
    settings.USE_TZ = True
    assert check_time_zones() == []
