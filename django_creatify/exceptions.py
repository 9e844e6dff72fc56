"""One hierarchy for everything that can go wrong talking to Creatify.

Each error says three things every caller decides from, so the client's retries, the
Celery tasks, the REST API, the admin and the command all treat one failure alike:

- ``transient``: whether the same request may succeed later (retry it);
- ``http_status``: what the site's own API answers when it hits this error;
- ``public_message``: what a user of the site may be told (no key, no URL, no body).

``str(exc)`` is for logs and staff: it describes the response (status, a short excerpt
of the body) and never carries a request header, so it never holds the API key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

BODY_EXCERPT_CHARS = 300
#: HTTP statuses worth asking again: throttled, or a server or gateway that may recover.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


def excerpt(text: str | bytes | None, limit: int = BODY_EXCERPT_CHARS) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


UNAVAILABLE = _("Creatify is unavailable right now; try again later.")
CREDENTIALS = _("This site's Creatify credentials are missing or were rejected.")


class CreatifyError(Exception):
    """Base class: catch this to handle any failure of the integration."""

    transient: bool = False
    http_status: int = 503
    public_message = UNAVAILABLE


class ConfigurationError(CreatifyError):
    """The CREATIFY settings are missing or invalid."""

    public_message = CREDENTIALS


class TransportError(CreatifyError):
    """The request never got an HTTP answer: connection refused or reset, DNS, timeout."""

    transient = True


class PayloadError(CreatifyError):
    """Creatify answered, but the body is not the JSON shape expected."""

    http_status = 502
    public_message = _("Creatify sent an answer this site could not read.")


class APIError(CreatifyError):
    """Creatify answered with an HTTP error status (one no subclass describes better)."""

    http_status = 502
    public_message = _("Creatify refused the request.")

    def __init__(self, status: int, body: str | bytes | None = None, *, url: str = "") -> None:
        self.status = status
        self.body = excerpt(body)
        self.url = url
        self.data = _json_or_none(body)
        super().__init__(self.describe())

    @property
    def transient(self) -> bool:  # type: ignore[override]  # computed: a read-only property
        return self.status in TRANSIENT_STATUSES

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

    http_status = 503
    public_message = CREDENTIALS

    def describe(self) -> str:
        return (
            f"Creatify rejected the credentials (HTTP {self.status}); "
            "check CREATIFY['API_ID'] and CREATIFY['API_KEY']"
            + (f": {self.body}" if self.body else "")
        )


class InvalidRequestError(APIError):
    """400: Creatify refused the request's data; ``messages`` has its field errors."""

    http_status = 400
    public_message = _("Creatify refused the request's data.")


class NotFoundError(APIError):
    """404: no such job (or path)."""

    http_status = 404
    public_message = _("Creatify has no such job.")


class RateLimitedError(APIError):
    """429 after every retry; ``retry_after`` is the wait Creatify asked for, in seconds."""

    http_status = 503
    public_message = _("Creatify is rate limiting this site; try again shortly.")

    def __init__(
        self,
        status: int,
        body: str | bytes | None = None,
        *,
        url: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status, body, url=url)


class ServerError(APIError):
    """5xx: transient (and retried) for 500, 502, 503 and 504; any other, such as 501
    Not Implemented, will not change by asking again."""

    @property
    def http_status(self) -> int:  # type: ignore[override]  # computed: a read-only property
        return 503 if self.transient else 502

    @property
    def public_message(self) -> StrPromise:  # type: ignore[override]  # computed, read-only
        return UNAVAILABLE if self.transient else APIError.public_message


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
