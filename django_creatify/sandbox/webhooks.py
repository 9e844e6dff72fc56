"""Webhook POSTs to a job's ``webhook_url`` when it finishes, as Creatify sends them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "creatify-sandbox-webhook/1"

# Never route loopback deliveries through an HTTP proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class DeliveredWebhook:
    """One delivery attempt: ``status`` is the receiver's HTTP status, or None with
    ``error`` when it could not be reached."""

    url: str
    payload: dict[str, Any]
    status: int | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "payload": self.payload,
            "status": self.status,
            "error": self.error,
        }


def deliver(url: str, payload: dict[str, Any], *, timeout: float) -> DeliveredWebhook:
    """POST ``payload`` as JSON; a failure is returned, never raised."""
    if urlsplit(url).scheme not in ("http", "https"):
        return DeliveredWebhook(url, payload, None, "not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return DeliveredWebhook(url, payload, response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return DeliveredWebhook(url, payload, exc.code, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return DeliveredWebhook(url, payload, None, f"{type(exc).__name__}: {reason}")
