"""HTTP access to Creatify's job APIs. Knows nothing of models or the database.

Failures the error hierarchy calls transient (connection errors, timeouts, 429,
500/502/503/504: see :mod:`django_creatify.exceptions`) are retried with exponential
backoff and full jitter, honouring ``Retry-After``; everything else raises at once.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests

from . import __version__
from .conf import creatify_settings
from .exceptions import (
    ConfigurationError,
    PayloadError,
    RateLimitedError,
    TransportError,
    error_for_status,
    excerpt,
)
from .listing import JsonArrayBody, Unreadable
from .spool import BodySpool, arriving, first_bytes
from .storable import has_unstorable_escape, storable

logger = logging.getLogger(__name__)

AURORA_PATH = "/api/aurora/"
CREDITS_PATH = "/api/remaining_credits/"
MAX_IDS_PER_REQUEST = 100
STREAM_CHUNK_BYTES = 256 * 1024
# Enough of an error answer to a listing to show it; the rest is not read.
ERROR_BODY_BYTES = 64 * 1024
USER_AGENT = f"django-creatify/{__version__}"
_T = TypeVar("_T")


def pause(seconds: float) -> None:
    """Wait between retries; a module function so tests can record waits instead."""
    time.sleep(seconds)


def normalize_ids(ids: Iterable[str | uuid.UUID]) -> list[str]:
    """Validate ids as UUIDs and return them canonical, de-duplicated, in order."""
    seen: dict[str, None] = {}
    for raw_id in ids:
        try:
            value = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id).strip())
        except (ValueError, AttributeError, TypeError):
            raise ValueError(f"Not a UUID: {str(raw_id)[:64]!r}") from None
        seen.setdefault(str(value), None)
    return list(seen)


def chunked(items: list[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class CreatifyClient:
    """A small, thread-unsafe client: make one per unit of work (a sync, a request)."""

    def __init__(
        self,
        api_id: str | None = None,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        api_id = api_id or creatify_settings.API_ID
        api_key = api_key or creatify_settings.API_KEY
        if not api_id or not api_key:
            raise ConfigurationError(
                "Creatify credentials are missing: set CREATIFY['API_ID'] and CREATIFY['API_KEY'] "
                "(or the CREATIFY_API_ID / CREATIFY_API_KEY environment variables)"
            )
        self.base_url = str(base_url or creatify_settings.BASE_URL).rstrip("/")
        if timeout is None:
            timeout = creatify_settings.timeout
        self.timeout = timeout if isinstance(timeout, tuple) else (float(timeout), float(timeout))
        self.max_retries = creatify_settings.MAX_RETRIES if max_retries is None else max_retries
        self.backoff_base = float(creatify_settings.BACKOFF_BASE)
        self.backoff_max = float(creatify_settings.BACKOFF_MAX)
        self.retry_after_max = float(creatify_settings.RETRY_AFTER_MAX)
        self._sleep = sleep
        self._api_id = str(api_id)
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "X-API-ID": str(api_id),
                "X-API-KEY": str(api_key),
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            }
        )
        #: How many HTTP requests this client sent, retries included.
        self.request_count = 0

    def __repr__(self) -> str:
        return f"<CreatifyClient {self.base_url} api_id={self._api_id[:4]}…>"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> CreatifyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- any job family (``path``: its list path, ``/api/<family>/``) ------------------

    def list_jobs(
        self, path: str, ids: Iterable[str | uuid.UUID] | None = None, ordering: str | None = None
    ) -> list[dict[str, Any]]:
        """Every job, or just ``ids`` (split into requests of at most 100 ids)."""
        params: dict[str, str] = {}
        if ordering:
            params["ordering"] = ordering
        if ids is None:
            return self._get_list(path, params)
        items: list[dict[str, Any]] = []
        for chunk in chunked(normalize_ids(ids), MAX_IDS_PER_REQUEST):
            items.extend(self._get_list(path, {**params, "ids": ",".join(chunk)}))
        return items

    @contextmanager
    def open_listing(
        self, path: str, ids: Iterable[str | uuid.UUID] | None = None, ordering: str | None = None
    ) -> Iterator[JsonArrayBody]:
        """The list response (every job, or at most 100 ``ids``) as a spooled body.

        The body goes to memory, or to a temporary file past a few MB, and is read item by
        item (:meth:`JsonArrayBody.scan`), so even a listing of 100,000 jobs is never held
        whole. The file is removed when the block ends. A body larger than
        ``SYNC_MAX_BODY_BYTES`` raises PayloadError, and one still arriving
        ``SYNC_DEADLINE`` seconds after the first attempt was sent raises TransportError.
        """
        with self.listing_spool(path) as spool:
            self.fill_listing(spool, path, ids, ordering)
            yield JsonArrayBody(spool.reader(), source=path)

    def listing_spool(self, path: str) -> BodySpool:
        """A spool for the list response of ``path``, bounded by the sync's settings. Use
        it as a context manager, then :meth:`fill_listing` (which starts its deadline)."""
        return BodySpool(
            max_bytes=int(creatify_settings.SYNC_MAX_BODY_BYTES),
            deadline=float(creatify_settings.SYNC_DEADLINE),
            source=f"GET {path}",
        )

    def fill_listing(
        self,
        spool: BodySpool,
        path: str,
        ids: Iterable[str | uuid.UUID] | None = None,
        ordering: str | None = None,
    ) -> None:
        """Receive the list response into ``spool`` (with retries, each starting the body
        again), so that another thread may read it as it arrives (:meth:`BodySpool.reader`).
        Whatever happens, the spool is told when no more bytes will come."""
        params: dict[str, str] = {}
        if ordering:
            params["ordering"] = ordering
        try:
            if ids is not None:
                wanted = normalize_ids(ids)
                if len(wanted) > MAX_IDS_PER_REQUEST:
                    raise ValueError(f"At most {MAX_IDS_PER_REQUEST} ids per request")
                params["ids"] = ",".join(wanted)
            spool.start_clock()
            self._send("GET", path, params=params, sink=spool)
        finally:
            spool.finish(complete=False)  # a no-op once the body arrived whole

    def iter_jobs(self, path: str, ordering: str | None = None) -> Iterator[dict[str, Any]]:
        """Every job, one at a time, in bounded memory, for listings too big to hold whole.

        The whole body is checked to be one JSON array before the first item is yielded,
        so a truncated or malformed body raises before a caller has acted on any item. An
        item that cannot be read (see :class:`~django_creatify.listing.Unreadable`) is
        logged and left out.
        """
        with self.open_listing(path, ordering=ordering) as body:
            positions = array("q")
            for item in body.scan():
                positions.extend((item.offset, item.length))
            for at in range(0, len(positions), 2):
                value = body.read(positions[at], positions[at + 1]).value
                if isinstance(value, Unreadable):
                    logger.warning("Creatify listed an item that was skipped: %s", value.reason)
                    continue
                yield value

    def get_job(self, path: str, job_id: str | uuid.UUID) -> dict[str, Any]:
        (canonical,) = normalize_ids([job_id])
        return _job_object(self._request("GET", f"{path}{canonical}/"), f"job {canonical}")

    def create_job(
        self, path: str, body: dict[str, Any], *, preview: bool = False
    ) -> dict[str, Any]:
        """POST a new job (or, with ``preview``, a preview of one); returns Creatify's
        answer, the new job."""
        target = f"{path}preview/" if preview else path
        answer = self._request("POST", target, json=body, idempotent=False)
        return _job_object(answer, "the created job")

    def render_job(self, path: str, job_id: str | uuid.UUID) -> dict[str, Any]:
        """POST ``<id>/render/`` (no body): render a previewed job into its video."""
        (canonical,) = normalize_ids([job_id])
        answer = self._request("POST", f"{path}{canonical}/render/", idempotent=False)
        return _job_object(answer, f"the rendered job {canonical}")

    # -- the account -------------------------------------------------------------------

    def remaining_credits(self) -> float:
        """The account's credit balance (``GET /api/remaining_credits/``, free of charge).
        PayloadError unless the body is ``{"remaining_credits": <finite number>}``."""
        body = self._request("GET", CREDITS_PATH)
        value = body.get("remaining_credits") if isinstance(body, dict) else None
        # NaN and infinities arrive as None (see _decode_json); a bool is no balance.
        if isinstance(value, bool) or not isinstance(value, int | float):
            got = (
                f"remaining_credits={excerpt(repr(value), 40)}"
                if isinstance(body, dict)
                else _kind(body)
            )
            raise PayloadError(f'Expected {{"remaining_credits": <number>}}, got {got}')
        return float(value)

    # -- Aurora, by the names it always had ---------------------------------------------

    def list_aurora(
        self, ids: Iterable[str | uuid.UUID] | None = None, ordering: str | None = None
    ) -> list[dict[str, Any]]:
        return self.list_jobs(AURORA_PATH, ids, ordering)

    def open_aurora_listing(
        self, ids: Iterable[str | uuid.UUID] | None = None, ordering: str | None = None
    ) -> AbstractContextManager[JsonArrayBody]:
        return self.open_listing(AURORA_PATH, ids, ordering)

    def iter_aurora(self, ordering: str | None = None) -> Iterator[dict[str, Any]]:
        return self.iter_jobs(AURORA_PATH, ordering)

    def get_aurora(self, flow_id: str | uuid.UUID) -> dict[str, Any]:
        return self.get_job(AURORA_PATH, flow_id)

    def create_aurora(self, **fields: Any) -> dict[str, Any]:
        """POST a new job; returns Creatify's 201 body (the new AuroraFlow)."""
        return self.create_job(AURORA_PATH, fields)

    # -- plumbing ---------------------------------------------------------------------

    def _get_list(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        body = self._request("GET", path, params=params)
        if not isinstance(body, list):
            raise PayloadError(f"Expected a JSON array from {path}, got {_kind(body)}")
        return body

    def _request(self, method: str, path: str, **options: Any) -> Any:
        return _decode_json(self._send(method, path, **options), method, path)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        idempotent: bool = True,
        sink: BodySpool | None = None,
    ) -> bytes:
        """Send with retries; the body of a 2xx answer, or b"" once it is streamed into ``sink``."""
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                self.request_count += 1
                response = self.session.request(
                    method, url, params=params, json=json, timeout=self.timeout, stream=True
                )
                # Closed whatever happens: a body abandoned half-read must not be pooled.
                with response:
                    if sink is None:
                        content = response.content
                    else:
                        chunks = arriving(
                            response, sink.seconds_left, self.timeout[1], STREAM_CHUNK_BYTES
                        )
                        if response.status_code < 400:
                            sink.fill(chunks)
                            return b""
                        content = first_bytes(chunks, ERROR_BODY_BYTES)
            except requests.RequestException as exc:
                # A POST that timed out connecting never reached Creatify; anything later may have.
                retryable = idempotent or isinstance(exc, requests.ConnectTimeout)
                if retryable and attempt < self.max_retries:
                    self._wait(attempt, None, f"{method} {path}: {type(exc).__name__}")
                    attempt += 1
                    continue
                raise TransportError(_describe_transport_error(method, path, exc)) from None

            if response.status_code < 400:
                return content

            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = error_for_status(
                response.status_code, content, url=path, retry_after=retry_after
            )
            # A POST that Creatify answered may have created a job: only a refusal (429)
            # is safe to send again.
            retryable = error.transient and (idempotent or isinstance(error, RateLimitedError))
            if retryable and attempt < self.max_retries:
                self._wait(attempt, retry_after, f"{method} {path}: HTTP {response.status_code}")
                attempt += 1
                continue
            raise error

    def _wait(self, attempt: int, retry_after: float | None, reason: str) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.retry_after_max)
        else:
            ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
            delay = random.uniform(0, ceiling)  # noqa: S311 (jitter, not cryptography)
        logger.warning(
            "Creatify %s; retry %d/%d in %.2fs", reason, attempt + 1, self.max_retries, delay
        )
        (self._sleep or pause)(delay)


def _job_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict) or "id" not in body:
        raise PayloadError(f"Expected {what} as a JSON object, got {_kind(body)}")
    return body


def _decode_json(content: bytes, method: str, path: str) -> Any:
    try:
        # NaN/Infinity are not JSON and PostgreSQL's jsonb refuses them: read them as null.
        data = json.loads(content, parse_constant=lambda _constant: None)
    except ValueError:
        raise PayloadError(
            f"Creatify sent a body that is not valid JSON for {method} {path} "
            f"({len(content)} bytes): {excerpt(content, 120)!r}"
        ) from None
    if has_unstorable_escape(content):
        data = storable(data)
    return data


def _describe_transport_error(method: str, path: str, exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        what = "timed out"
    elif isinstance(exc, requests.ConnectionError):
        what = "could not connect or the connection was dropped"
    else:
        what = f"failed ({type(exc).__name__})"
    return f"Creatify request {method} {path} {what}"


def _kind(value: Any) -> str:
    return "an object" if isinstance(value, dict) else type(value).__name__
