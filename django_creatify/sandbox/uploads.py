"""The finished video PUT to a job's ``output_upload_url``, as Creatify delivers it.

Creatify documents ``output_upload_url`` on Aurora's create body and nothing else about
it. The sandbox takes the reading that loses nothing: when a job with one ends ``done``,
its video's bytes are PUT there once (``Content-Type: video/mp4``), at the moment its
webhook would go, with the same timeout; and the job's payload still carries its video
link, which keeps working until the job's retention ends (see
:mod:`~django_creatify.sandbox.ageing`). A site therefore never has to choose between
the upload and the link, and a failed upload loses nothing while the link lives.
A preview, a failed or a rejected job has no video and uploads nothing.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .webhooks import USER_AGENT, _opener

VIDEO_TYPE = "video/mp4"


@dataclass(frozen=True, slots=True)
class DueUpload:
    url: str
    job_id: str


@dataclass(frozen=True, slots=True)
class DeliveredUpload:
    """One upload attempt: ``status`` is the receiver's HTTP status, or None with
    ``error`` when it could not be reached."""

    url: str
    job_id: str
    size: int
    status: int | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "job_id": self.job_id,
            "size": self.size,
            "status": self.status,
            "error": self.error,
        }


def upload(due: DueUpload, data: bytes, *, timeout: float) -> DeliveredUpload:
    """PUT ``data``; a failure is returned, never raised."""
    size = len(data)
    if urlsplit(due.url).scheme not in ("http", "https"):
        return DeliveredUpload(due.url, due.job_id, size, None, "not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        due.url,
        data=data,
        method="PUT",
        headers={"Content-Type": VIDEO_TYPE, "User-Agent": USER_AGENT},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return DeliveredUpload(due.url, due.job_id, size, response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return DeliveredUpload(due.url, due.job_id, size, exc.code, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return DeliveredUpload(due.url, due.job_id, size, None, f"{type(exc).__name__}: {reason}")
