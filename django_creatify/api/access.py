"""Who a request is and what it may see: staff-only parts of a job, asked for explicitly."""

from __future__ import annotations

import base64
import binascii


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_staff)


def wants_raw(request) -> bool:
    """Staff asked for the last payload with ``?expand=raw``."""
    if not is_staff(request):
        return False
    return "raw" in request.query_params.get("expand", "").split(",")


def has_nul_credentials(request) -> bool:
    """Credentials holding a NUL byte, in the header or in decoded HTTP Basic credentials.
    Django's ``ModelBackend`` looks a user name up as it came, and PostgreSQL refuses NUL
    in text with an error (a 500), so such credentials are refused before any
    authenticator reads them."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return "\x00" in value
    try:
        return b"\x00" in base64.b64decode(value.strip())
    except (binascii.Error, ValueError):
        return False  # DRF's own answer for a header it cannot read
