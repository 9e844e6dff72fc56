"""The webhook receiver: a hint from Creatify that a job changed, checked and recorded.

Creatify does not sign webhooks, so a request proves nothing beyond knowing the secret
path. The receiver only records that the job may have changed (one pending event per
job: :func:`hint_store.record_hint`) and asks for a drain
(:func:`tasks.request_hint_drain`); the job is then re-read through the authenticated
API together with the other hinted jobs, 100 ids a GET, and the database changes only
from what the API says. So webhooks cannot
amplify: whatever ids they name, N hints cost at most ceil(N / 100) GETs per
``WEBHOOK_BATCH_INTERVAL``, one drain message and no row per repeated hint.

Answers, whatever the body:

- 404, identical to any missing page, for a wrong secret; nothing is stored.
- 200 when the hint is recorded, also when the drain could not be queued (a broker
  down): the event waits pending and the next drain takes it.
- 503 with ``Retry-After`` when ``WEBHOOK_MAX_PENDING`` jobs are already waiting;
  nothing is stored.
- 413 for a body over ``WEBHOOK_MAX_BODY_BYTES`` (declared or read; never read past it),
  415 for a content type other than ``application/json``, 400 for anything else that is
  not a JSON object with a UUID ``id``: a bad ``Content-Length``, bytes that are not
  UTF-8 JSON, nesting too deep to decode. Nothing a request contains leads to a 5xx.

Only a bounded, sanitised copy of the documented keys is stored (:func:`stored_payload`),
never the body's own structure. A refused request is stored (an excerpt of its body) up
to ``REJECTED_STORED_PER_HOUR`` times an hour; past that it is only counted in the log.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
import threading
import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import hint_store, tasks
from .conf import creatify_settings
from .exceptions import excerpt
from .families import FAMILIES
from .models import WebhookEvent
from .storable import storable
from .webhook_urls import configured_secrets

logger = logging.getLogger(__name__)

Outcome = WebhookEvent.Outcome
#: The keys Creatify's webhooks send (``output`` or ``video_output`` by endpoint).
DOCUMENTED_KEYS = ("id", "status", "failed_reason", "output", "video_output")
#: A stored string value is cut to this many characters.
STORED_CHARS = 2048
#: Refused requests stored per rolling hour; more are only counted in the log.
REJECTED_STORED_PER_HOUR = 1000
#: A run of digits longer than this is read as a float (then stored as null if infinite),
#: not as an int: Python refuses to convert very long ones at all.
MAX_INT_DIGITS = 20
READ_BYTES = 64 * 1024
#: Larger declared lengths are not converted, only refused.
MAX_DECLARED = 10**18


def secret_matches(candidate: str) -> bool:
    """Constant-time against every configured secret, so timing says nothing about any."""
    given = candidate.encode()
    matched = False
    for secret in configured_secrets():
        matched |= hmac.compare_digest(given, secret.encode())
    return matched


@login_not_required
@csrf_exempt
@require_POST
def aurora_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    """The site's webhook URL for every family: Creatify's body does not name the job's
    family, so a hint is routed when it is drained, by finding the job."""
    return _receive(request, secret, family="")


@login_not_required
@csrf_exempt
@require_POST
def job_webhook(request: HttpRequest, secret: str, family: str) -> HttpResponse:
    """The same receiver at a URL naming the family, given to new jobs of that family."""
    if family not in FAMILIES:
        raise Http404
    return _receive(request, secret, family=family)


def _receive(request: HttpRequest, secret: str, *, family: str) -> HttpResponse:
    if not secret_matches(secret):
        raise Http404
    remote_addr = client_address(request)
    try:
        flow_id, payload = read_hint(request)
    except Rejected as rejected:
        return _reject(rejected, remote_addr)
    if not hint_store.record_hint(flow_id, payload, remote_addr, family=family):
        return _backlog_full()
    # After commit: a drain, in a worker or inline, must see the event.
    transaction.on_commit(ask_for_drain)
    return JsonResponse({"received": True, "id": str(flow_id)})


def ask_for_drain() -> None:
    """``tasks.request_hint_drain()``, which must not fail the request that asked."""
    try:
        tasks.request_hint_drain()
    except Exception as exc:
        # The event is stored pending: the next drain (a later webhook's, the active
        # refresh's or the command's) takes it.
        logger.error(
            "Could not queue the drain of Creatify webhook hints: %s: %s",
            type(exc).__name__,
            excerpt(str(exc), 200),
        )


class Rejected(Exception):
    """A request the receiver refuses: its status, the reason and the body read so far."""

    def __init__(self, status: int, reason: str, body: bytes = b"") -> None:
        super().__init__(reason)
        self.status, self.reason, self.body = status, reason, body


def read_hint(request: HttpRequest) -> tuple[uuid.UUID, dict[str, Any]]:
    """The job id and the payload to store, or ``Rejected``. Reads at most the limit + 1."""
    limit = int(creatify_settings.WEBHOOK_MAX_BODY_BYTES)
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        shown = declared if declared < MAX_DECLARED else f"over {MAX_DECLARED}"
        raise Rejected(413, f"body of {shown} bytes is over the {limit}-byte limit")
    body = _read_body(request, limit + 1)
    if len(body) > limit:
        raise Rejected(413, f"body is over the {limit}-byte limit")
    if request.content_type != "application/json":
        raise Rejected(415, "content type must be application/json", body)
    payload = _decode(body)
    flow_id = _job_id(payload)
    if flow_id is None:
        raise Rejected(400, "body has no valid job id", body)
    return flow_id, stored_payload(payload)


def stored_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The documented keys only, each a storable scalar: text clipped to ``STORED_CHARS``
    with NULs and lone surrogates scrubbed, non-finite numbers as null, and an array or
    object named rather than kept."""
    return {key: _storable_value(payload[key]) for key in DOCUMENTED_KEYS if key in payload}


def client_address(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR`` if it is an IP address (a zone suffix dropped), else ``None``."""
    raw = request.META.get("REMOTE_ADDR")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw.split("%", 1)[0]))
    except ValueError:
        return None


def _declared_length(request: HttpRequest) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        raise Rejected(400, "Content-Length is not a number")
    # int() refuses more than 4,300 digits; no body is near this many bytes anyway.
    return int(text) if len(text) <= len(str(MAX_DECLARED)) else MAX_DECLARED


def _read_body(request: HttpRequest, most: int) -> bytes:
    # Not request.body: it trusts Content-Length (int() of it, a 500 when it is not a
    # number) and reads everything up to DATA_UPLOAD_MAX_MEMORY_SIZE.
    chunks: list[bytes] = []
    remaining = most
    try:
        while remaining > 0:
            chunk = request.read(min(remaining, READ_BYTES))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise Rejected(400, f"body could not be read: {type(exc).__name__}") from None
    return b"".join(chunks)


def _no_constant(_name: str) -> None:
    return None


def _bounded_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


# NaN and Infinity are not JSON: read as null, as listing.py does.
_decoder = json.JSONDecoder(parse_constant=_no_constant, parse_int=_bounded_int)


def _decode(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not valid JSON: not UTF-8", body) from None
    try:
        return _decoder.decode(text.removeprefix("\ufeff"))
    except RecursionError:
        raise Rejected(400, "body is not valid JSON: nested too deeply", body) from None
    except ValueError:
        raise Rejected(400, "body is not valid JSON", body) from None


def _job_id(payload: object) -> uuid.UUID | None:
    raw = payload.get("id") if isinstance(payload, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _storable_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return storable(value[:STORED_CHARS])
    return "(a JSON array)" if isinstance(value, list) else "(a JSON object)"


class _Unstored:
    """Refused requests not stored because of the hourly cap, counted for the log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> int:
        with self._lock:
            self.count += 1
            return self.count


_unstored_rejections = _Unstored()
_busy_answers = _Unstored()


def _reject(rejected: Rejected, remote_addr: str | None) -> JsonResponse:
    since = timezone.now() - timedelta(hours=1)
    recent = WebhookEvent.objects.filter(outcome=Outcome.REJECTED, received_at__gte=since)
    if recent.order_by()[:REJECTED_STORED_PER_HOUR].count() < REJECTED_STORED_PER_HOUR:
        WebhookEvent.objects.create(
            remote_addr=remote_addr,
            body_excerpt=storable(excerpt(rejected.body)),
            outcome=Outcome.REJECTED,
            processed_at=timezone.now(),
            error=rejected.reason,
        )
        logger.warning(
            "Rejected a Creatify webhook (HTTP %d): %s", rejected.status, rejected.reason
        )
    else:
        unstored = _unstored_rejections.add()
        if unstored == 1 or unstored % 100 == 0:
            logger.warning(
                "Rejected a Creatify webhook (HTTP %d): %s; not stored, as %d were in the "
                "last hour (%d refused requests not stored by this process so far)",
                rejected.status,
                rejected.reason,
                REJECTED_STORED_PER_HOUR,
                unstored,
            )
    return JsonResponse({"detail": rejected.reason}, status=rejected.status)


def _backlog_full() -> JsonResponse:
    limit = int(creatify_settings.WEBHOOK_MAX_PENDING)
    busy = _busy_answers.add()
    if busy == 1 or busy % 100 == 0:
        logger.warning(
            "Creatify webhook answered 503: %d jobs are waiting for a refresh already "
            "(WEBHOOK_MAX_PENDING); %d such answers from this process so far",
            limit,
            busy,
        )
    # The backlog is what a drain clears: make sure one is on its way.
    transaction.on_commit(ask_for_drain)
    response = JsonResponse({"detail": "too many webhooks waiting; retry later"}, status=503)
    interval = max(0.0, float(creatify_settings.WEBHOOK_BATCH_INTERVAL))
    response["Retry-After"] = str(max(1, math.ceil(interval)))
    return response
