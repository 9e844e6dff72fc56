"""Where Creatify should send a job's webhook: this site's endpoint and its secrets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from django.urls import reverse

from .conf import creatify_settings


def configured_secrets() -> list[str]:
    value = creatify_settings.WEBHOOK_SECRET
    secrets = [value] if isinstance(value, str) else list(value or [])
    return [secret for secret in secrets if secret]


def default_webhook_url(family=None) -> str | None:
    """This site's webhook URL for new jobs, when WEBHOOK_BASE_URL and a secret are set.

    Jobs of families other than Aurora get a URL naming their family, so that their
    hints need no lookup; Aurora's jobs keep the URL they always had.
    """
    base, secrets = creatify_settings.WEBHOOK_BASE_URL, configured_secrets()
    if not base or not secrets:
        return None
    if family is None or family.name == "aurora":
        path = reverse("django_creatify:aurora-webhook", kwargs={"secret": secrets[0]})
    else:
        path = reverse(
            "django_creatify:job-webhook", kwargs={"secret": secrets[0], "family": family.name}
        )
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))


REDACTED = "[redacted]"


def reveals_secret(text: str) -> bool:
    """Whether ``text`` holds a webhook secret (the site's own webhook URL does)."""
    return any(secret in text for secret in configured_secrets())


def redact_secrets(value: Any) -> Any:
    """``value`` (text, or JSON made of lists and dicts) with every webhook secret hidden,
    for anything Creatify echoes back that a user may see."""
    if isinstance(value, str):
        for secret in configured_secrets():
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [redact_secrets(item) for item in value]
    if isinstance(value, dict):
        return {redact_secrets(key): redact_secrets(item) for key, item in value.items()}
    return value


def allowed_for_non_staff(url: str) -> bool:
    """Whether a non-staff user may name ``url`` as a job's webhook: only hosts the site
    lists in ``WEBHOOK_URL_ALLOWED_HOSTS``. Anything else would let any account make
    Creatify call an address of its choosing (a cloud metadata service, an intranet)."""
    allowed = {host.lower() for host in creatify_settings.WEBHOOK_URL_ALLOWED_HOSTS}
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    return host.lower() in allowed and not reveals_secret(url)
