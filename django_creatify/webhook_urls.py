"""Where Creatify should send a job's webhook: this site's endpoint and its secrets."""

from __future__ import annotations

from urllib.parse import urljoin

from django.urls import reverse

from .conf import creatify_settings


def configured_secrets() -> list[str]:
    value = creatify_settings.WEBHOOK_SECRET
    secrets = [value] if isinstance(value, str) else list(value or [])
    return [secret for secret in secrets if secret]


def default_webhook_url() -> str | None:
    """This site's webhook URL for new jobs, when WEBHOOK_BASE_URL and a secret are set."""
    base, secrets = creatify_settings.WEBHOOK_BASE_URL, configured_secrets()
    if not base or not secrets:
        return None
    path = reverse("django_creatify:aurora-webhook", kwargs={"secret": secrets[0]})
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))
