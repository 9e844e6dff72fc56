"""What a request may see: staff-only parts of a job, asked for explicitly."""

from __future__ import annotations


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_staff)


def wants_raw(request) -> bool:
    """Staff asked for the last payload with ``?expand=raw``."""
    if not is_staff(request):
        return False
    return "raw" in request.query_params.get("expand", "").split(",")
