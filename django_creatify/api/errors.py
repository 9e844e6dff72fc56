"""Creatify failures as HTTP answers a front end can act on; never a 500, never a key."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from ..exceptions import (
    AuthenticationError,
    ConfigurationError,
    CreatifyError,
    InvalidRequestError,
    NotFoundError,
    PayloadError,
    RateLimitedError,
)
from ..webhook_urls import redact_secrets

logger = logging.getLogger(__name__)


def creatify_error_response(exc: CreatifyError) -> Response:
    if isinstance(exc, InvalidRequestError):
        # Creatify's own 400: pass its messages on, in DRF's shapes.
        # What Creatify echoes may quote the site's webhook URL, whose path is a secret.
        messages = redact_secrets(exc.messages)
        data = messages if isinstance(messages, dict | list) else {"detail": messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotFoundError):
        return Response(
            {"detail": _("Creatify has no such job.")}, status=status.HTTP_404_NOT_FOUND
        )

    logger.error("Creatify request failed: %s", exc)
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(int(exc.retry_after))} if exc.retry_after else None
        detail, code = _("Creatify is rate limiting this site; try again shortly."), 503
        return Response({"detail": detail}, status=code, headers=headers)
    if isinstance(exc, AuthenticationError | ConfigurationError):
        detail = _("This site's Creatify credentials are missing or were rejected.")
        return Response({"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, PayloadError):
        detail = _("Creatify sent an answer this site could not read.")
        return Response({"detail": detail}, status=status.HTTP_502_BAD_GATEWAY)
    detail = _("Creatify is unavailable right now; try again later.")
    return Response({"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
