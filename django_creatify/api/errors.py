"""Creatify failures as HTTP answers a front end can act on; never a 500, never a key.

The status and the message come from the error itself (see ``exceptions``), so the API
answers a failure as the tasks, the admin and the command judge it.
"""

from __future__ import annotations

import logging

from rest_framework.response import Response

from ..exceptions import CreatifyError, InvalidRequestError, RateLimitedError
from ..webhook_urls import redact_secrets

logger = logging.getLogger(__name__)


def creatify_error_response(exc: CreatifyError) -> Response:
    if isinstance(exc, InvalidRequestError):
        # Creatify's own 400: pass its messages on, in DRF's shapes. What it echoes may
        # quote the site's webhook URL, whose path is a secret.
        messages = redact_secrets(exc.messages)
        data = messages if isinstance(messages, dict | list) else {"detail": messages}
        return Response(data, status=exc.http_status)
    if exc.http_status >= 500:
        logger.error("Creatify request failed: %s", exc)
    headers = None
    if isinstance(exc, RateLimitedError) and exc.retry_after:
        headers = {"Retry-After": str(int(exc.retry_after))}
    return Response({"detail": str(exc.public_message)}, status=exc.http_status, headers=headers)
