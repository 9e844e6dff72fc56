"""Creatify failures as HTTP answers a front end can act on; never a 500, never a key.

The status and the message come from the error itself (see ``exceptions``), so the API
answers a failure as the tasks, the admin and the command judge it. The bodies are the
shapes the OpenAPI schema documents (``openapi.py``): ``{"detail": text}``, or for
Creatify's own 400 the fields in error as DRF shows them.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from rest_framework.response import Response

from ..exceptions import CreatifyError, InvalidRequestError, RateLimitedError
from ..webhook_urls import redact_secrets

logger = logging.getLogger(__name__)

#: The longest wait a Retry-After passes on; Creatify's header is remote data.
MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60


def creatify_error_response(exc: CreatifyError) -> Response:
    if isinstance(exc, InvalidRequestError):
        # Creatify's own 400: pass its messages on, in DRF's shapes. What it echoes may
        # quote the site's webhook URL, whose path is a secret.
        return Response(refused_data(exc), status=exc.http_status)
    if exc.http_status >= 500:
        logger.error("Creatify request failed: %s", exc)
    headers = None
    if isinstance(exc, RateLimitedError) and (wait := retry_after(exc.retry_after)):
        headers = {"Retry-After": wait}
    return Response({"detail": str(exc.public_message)}, status=exc.http_status, headers=headers)


def refused_data(exc: InvalidRequestError) -> dict[str, Any] | list[Any]:
    """Creatify's messages as DRF would show them: ``{field: [text, ...]}`` (nested objects
    nest), a list of texts, or ``{"detail": text}``. Creatify is a DRF API, so this is
    what it sends; anything else it sends is made text rather than passed on as it came."""
    messages = redact_secrets(exc.messages)
    if isinstance(messages, dict):
        shown = _fields(messages)
        if isinstance(messages.get("detail"), str):
            shown["detail"] = messages["detail"]  # DRF's {"detail": text}, with more beside it
        return shown
    if isinstance(messages, list):
        return _messages(messages)
    if messages in (None, ""):
        return {"detail": str(exc.public_message)}
    return {"detail": _text(messages)}


def _fields(errors: dict[Any, Any]) -> dict[str, Any]:
    return {
        str(name): _fields(value) if isinstance(value, dict) else _messages(value)
        for name, value in errors.items()
    }


def _messages(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return [_fields(item) if isinstance(item, dict) else _text(item) for item in items]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def retry_after(seconds: float | None) -> str | None:
    """Whole seconds for a ``Retry-After`` header (rounded up), or None for no header."""
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return None
    return str(math.ceil(min(seconds, MAX_RETRY_AFTER_SECONDS)))
