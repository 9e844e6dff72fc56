"""System checks: configuration mistakes show up in ``manage.py check``, not at 3 a.m."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse

from .conf import creatify_settings
from .webhook_urls import configured_secrets, default_webhook_url

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@register(Tags.compatibility)
def check_credentials(app_configs=None, **kwargs):
    if creatify_settings.API_ID and creatify_settings.API_KEY:
        return []
    return [
        Warning(
            "Creatify credentials are not configured; syncing will fail.",
            hint=(
                'Set CREATIFY = {"API_ID": ..., "API_KEY": ...} in settings, or the '
                "CREATIFY_API_ID and CREATIFY_API_KEY environment variables. For local work, "
                "run `manage.py creatify_sandbox` and point BASE_URL at it."
            ),
            id="django_creatify.W001",
        )
    ]


@register(Tags.security)
def check_base_url(app_configs=None, **kwargs):
    base_url = creatify_settings.BASE_URL
    parts = urlsplit(str(base_url or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [
            Error(
                f"CREATIFY['BASE_URL'] must be an http(s) URL, not {base_url!r}.",
                id="django_creatify.E001",
            )
        ]
    # Plain http to this machine (the sandbox) never puts a key on the network.
    if parts.scheme != "https" and not settings.DEBUG and parts.hostname not in LOOPBACK_HOSTS:
        return [
            Warning(
                "CREATIFY['BASE_URL'] is not https while DEBUG is off: API keys would travel "
                "in clear text.",
                hint="Use https://api.creatify.ai, or plain http only for a local sandbox.",
                id="django_creatify.W002",
            )
        ]
    return []


@register(Tags.compatibility)
def check_numbers(app_configs=None, **kwargs):
    errors = []
    try:
        connect, read = creatify_settings.timeout
        if connect <= 0 or read <= 0:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(
            Error(
                "CREATIFY['TIMEOUT'] must be a positive number or a (connect, read) pair.",
                id="django_creatify.E002",
            )
        )
    for name in ("MAX_RETRIES", "SYNC_BATCH_SIZE"):
        value = getattr(creatify_settings, name)
        minimum = 0 if name == "MAX_RETRIES" else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            errors.append(
                Error(
                    f"CREATIFY[{name!r}] must be an integer >= {minimum}, not {value!r}.",
                    id="django_creatify.E003",
                )
            )
    threshold = creatify_settings.CREDITS_WARNING_THRESHOLD
    if threshold is not None and not _is_number(threshold):
        errors.append(
            Error(
                f"CREATIFY['CREDITS_WARNING_THRESHOLD'] must be a number or None, not "
                f"{threshold!r}.",
                id="django_creatify.E003",
            )
        )
    seconds = creatify_settings.CREDITS_CACHE_SECONDS
    if not _is_number(seconds) or seconds < 0:
        errors.append(
            Error(
                f"CREATIFY['CREDITS_CACHE_SECONDS'] must be a number >= 0, not {seconds!r}.",
                id="django_creatify.E003",
            )
        )
    return errors


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


WEBHOOK_URL_MAX = 200  # Creatify's limit on webhook_url
WEBHOOK_SECRET_MIN = 16


@register(Tags.security)
def check_webhooks(app_configs=None, **kwargs):
    messages = []
    secrets = configured_secrets()
    if creatify_settings.WEBHOOK_BASE_URL and not secrets:
        messages.append(
            Warning(
                "CREATIFY['WEBHOOK_BASE_URL'] is set but WEBHOOK_SECRET is not: the webhook "
                "endpoint is mounted without a secret and refuses every request.",
                hint="Set CREATIFY['WEBHOOK_SECRET'] to a long random string.",
                id="django_creatify.W003",
            )
        )
    if any(len(secret) < WEBHOOK_SECRET_MIN for secret in secrets):
        messages.append(
            Warning(
                f"A CREATIFY['WEBHOOK_SECRET'] is shorter than {WEBHOOK_SECRET_MIN} characters; "
                "it is all that stands between the endpoint and anyone guessing it.",
                hint="Use e.g. secrets.token_urlsafe(32).",
                id="django_creatify.W004",
            )
        )
    url = default_webhook_url() if secrets else None
    if url and len(url) > WEBHOOK_URL_MAX:
        messages.append(
            Warning(
                f"The webhook URL is {len(url)} characters; Creatify accepts at most "
                f"{WEBHOOK_URL_MAX}, so creating jobs would fail.",
                hint="Use a shorter WEBHOOK_BASE_URL, URL prefix or WEBHOOK_SECRET.",
                id="django_creatify.W005",
            )
        )
    return messages


# The browsable API renders these apps' templates; without them an HTML request to the API
# answers 500 TemplateDoesNotExist. (app, template, check id, what needs it)
API_TEMPLATES = (
    ("rest_framework", "rest_framework/api.html", "E004", "the browsable API"),
    (
        "django_filters",
        "django_filters/rest_framework/form.html",
        "E005",
        "the browsable API's filter form",
    ),
)


@register(Tags.templates)
def check_api_dependencies(app_configs=None, **kwargs):
    if not _api_is_mounted() or not _api_renders_html():
        return []
    missing = [
        Error(
            f"{app!r} is not in INSTALLED_APPS: {needed_by} is rendered from its templates.",
            hint=f'Add "{app}" to INSTALLED_APPS, next to "django_creatify".',
            id=f"django_creatify.{check_id}",
        )
        for app, _template, check_id, needed_by in API_TEMPLATES
        if not apps.is_installed(app)
    ]
    if missing:
        return missing
    unfound = [template for _app, template, *_ in API_TEMPLATES if not _template_exists(template)]
    if not unfound:
        return []
    return [
        Error(
            f"No template engine finds {', '.join(unfound)}, which the browsable API renders.",
            hint=(
                'Add a "django.template.backends.django.DjangoTemplates" backend with '
                '"APP_DIRS": True to TEMPLATES, as startproject writes it.'
            ),
            id="django_creatify.E006",
        )
    ]


def _api_is_mounted() -> bool:
    """A site that uses only the admin or the sync needs nothing the API needs."""
    if not getattr(settings, "ROOT_URLCONF", None):  # e.g. a worker's settings
        return False
    try:
        reverse("django_creatify:aurora-list")
    except NoReverseMatch:
        return False
    return True


def _api_renders_html() -> bool:
    from rest_framework.renderers import BrowsableAPIRenderer

    from .api.views import AuroraFlowViewSet

    renderers = AuroraFlowViewSet.renderer_classes
    return any(issubclass(renderer, BrowsableAPIRenderer) for renderer in renderers)


def _template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


@register(Tags.compatibility)
def check_time_zones(app_configs=None, **kwargs):
    # Creatify's times carry their offset: the mirror stores and compares aware datetimes.
    if settings.USE_TZ:
        return []
    return [
        Error(
            "django_creatify needs USE_TZ = True: Creatify's timestamps carry a time zone, "
            "and the mirror compares them to decide which payload is newer.",
            hint="Set USE_TZ = True (Django's default since 5.0).",
            id="django_creatify.E007",
        )
    ]


@register(Tags.compatibility)
def check_families(app_configs=None, **kwargs):
    from .families import FAMILIES

    names = creatify_settings.FAMILIES
    if names is None:
        return []
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        unknown = [repr(names)]
    else:
        unknown = [repr(name) for name in names if name not in FAMILIES]
    if not unknown:
        return []
    return [
        Error(
            f"CREATIFY['FAMILIES'] names no job family: {', '.join(unknown)[:200]}.",
            hint=f"List some of {', '.join(map(repr, FAMILIES))}, or leave it out for all.",
            id="django_creatify.E008",
        )
    ]


@register(Tags.compatibility)
def check_archive(app_configs=None, **kwargs):
    from .archive import KNOWN_OUTPUTS
    from .outputs import SERVE_CHOICES

    errors = []
    alias = creatify_settings.ARCHIVE_STORAGE
    aliases = getattr(settings, "STORAGES", None) or {}
    if alias and alias not in aliases:
        errors.append(
            Error(
                f"CREATIFY['ARCHIVE_STORAGE'] names no storage in STORAGES: {str(alias)[:100]!r}.",
                hint=f"Name one of {', '.join(map(repr, aliases)) or 'no alias yet'}, or add "
                "the alias to STORAGES; None turns archiving off.",
                id="django_creatify.E009",
            )
        )
    outputs = creatify_settings.ARCHIVE_OUTPUTS
    if isinstance(outputs, str) or not isinstance(outputs, list | tuple):
        unknown = [repr(outputs)]
    else:
        unknown = [repr(name) for name in outputs if name not in KNOWN_OUTPUTS]
    if unknown:
        errors.append(
            Error(
                f"CREATIFY['ARCHIVE_OUTPUTS'] names no output field: {', '.join(unknown)[:200]}.",
                hint=f"List some of {', '.join(map(repr, sorted(KNOWN_OUTPUTS)))}.",
                id="django_creatify.E010",
            )
        )
    if creatify_settings.ARCHIVE_SERVE not in SERVE_CHOICES:
        errors.append(
            Error(
                f"CREATIFY['ARCHIVE_SERVE'] must be one of {', '.join(map(repr, SERVE_CHOICES))}, "
                f"not {str(creatify_settings.ARCHIVE_SERVE)[:100]!r}.",
                id="django_creatify.E010",
            )
        )
    spool_dir = creatify_settings.ARCHIVE_SPOOL_DIR
    if spool_dir is not None and not (
        isinstance(spool_dir, str | os.PathLike) and os.path.isdir(spool_dir)
    ):
        errors.append(
            Error(
                f"CREATIFY['ARCHIVE_SPOOL_DIR'] is not a directory: {str(spool_dir)[:200]!r}.",
                hint="Name an existing directory, or None for the system's temporary one.",
                id="django_creatify.E010",
            )
        )
    for name in ("ARCHIVE_DEADLINE", "OUTPUT_RETENTION_DAYS"):
        value = getattr(creatify_settings, name)
        if not _is_number(value) or value <= 0:
            errors.append(
                Error(
                    f"CREATIFY[{name!r}] must be a number > 0, not {str(value)[:100]!r}.",
                    id="django_creatify.E003",
                )
            )
    return errors
