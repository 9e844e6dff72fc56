"""One hierarchy for everything that can go wrong talking to Creatify.

Messages describe the response (status, a short excerpt of the body) and never carry a
request header, so an exception can be logged or shown without leaking the API key.
"""

from __future__ import annotations

from typing import Any

BODY_EXCERPT_CHARS = 300


def excerpt(text: str | bytes | None, limit: int = BODY_EXCERPT_CHARS) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CreatifyError(Exception):
    """Base class: catch this to handle any failure of the integration."""


class ConfigurationError(CreatifyError):
    """The CREATIFY settings are missing or invalid."""


class TransportError(CreatifyError):
    """The request never got an HTTP answer: connection refused or reset, DNS, timeout."""


class PayloadError(CreatifyError):
    """Creatify answered, but the body is not the JSON shape expected."""


class APIError(CreatifyError):
    """Creatify answered with an HTTP error status."""

    def __init__(self, status: int, body: str | bytes | None = None, *, url: str = "") -> None:
        self.status = status
        self.body = excerpt(body)
        self.url = url
        self.data = _json_or_none(body)
        super().__init__(self.describe())

    def describe(self) -> str:
        message = f"Creatify API returned HTTP {self.status}"
        if self.body:
            message += f": {self.body}"
        return message

    @property
    def messages(self) -> Any:
        """DRF-shaped error detail: a string, a list of strings or a field -> messages dict."""
        if isinstance(self.data, dict) and set(self.data) == {"detail"}:
            return self.data["detail"]
        return self.data if self.data is not None else self.body


class AuthenticationError(APIError):
    """401/403: the API ID or key is wrong, or the account lacks access."""

    def describe(self) -> str:
        return (
            f"Creatify rejected the credentials (HTTP {self.status}); "
            "check CREATIFY['API_ID'] and CREATIFY['API_KEY']"
            + (f": {self.body}" if self.body else "")
        )


class InvalidRequestError(APIError):
    """400: Creatify refused the request's data; ``messages`` has its field errors."""


class NotFoundError(APIError):
    """404: no such job (or path)."""


class RateLimitedError(APIError):
    """429 after every retry; ``retry_after`` is the wait Creatify asked for, in seconds."""

    def __init__(self, status: int, body=None, *, url: str = "", retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(status, body, url=url)


class ServerError(APIError):
    """5xx after every retry."""


def _json_or_none(body: str | bytes | None) -> Any:
    import json

    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return None


def error_for_status(
    status: int, body: str | bytes | None, *, url: str = "", retry_after: float | None = None
) -> APIError:
    if status in (401, 403):
        return AuthenticationError(status, body, url=url)
    if status == 404:
        return NotFoundError(status, body, url=url)
    if status == 429:
        return RateLimitedError(status, body, url=url, retry_after=retry_after)
    if status >= 500:
        return ServerError(status, body, url=url)
    if status == 400:
        return InvalidRequestError(status, body, url=url)
    return APIError(status, body, url=url)
