"""``/api/aurora/``: Creatify's list, retrieve and create calls, with its auth and errors."""

from __future__ import annotations

import hmac
import re
import threading
import uuid
from collections.abc import Callable

from .messages import Request, Response, detail, html_response, json_response
from .state import PUBLIC_FIELDS, JobStore
from .validation import BodyError, parse_body, validate_create

COLLECTION = "/api/aurora/"
_ITEM = re.compile(r"^/api/aurora/([^/]+)/$")
MAX_IDS = 100
DEFAULT_ORDERING = [("created_at", True)]
ORDERING_FIELDS = frozenset(PUBLIC_FIELDS)
NOT_FOUND_PAGE = "<!doctype html><title>Not Found</title><h1>Not Found</h1>"


class AuroraAPI:
    """The authenticated part of the sandbox; every call runs under ``lock``."""

    def __init__(
        self,
        store: JobStore,
        lock: threading.RLock,
        *,
        credentials: Callable[[], tuple[str, str]],
        next_outcome: Callable[[], str | None],
    ) -> None:
        self.store = store
        self.lock = lock
        self.credentials = credentials
        self.next_outcome = next_outcome

    def __call__(self, request: Request) -> Response:
        if request.path == COLLECTION:
            job_id = None
        elif match := _ITEM.match(request.path):
            job_id = match[1]
        else:
            # No such URL (a missing trailing slash lands here): Django's plain 404 page.
            return html_response(404, NOT_FOUND_PAGE)
        if denied := self._authenticate(request):
            return denied
        # HEAD is GET without the body (the WSGI layer drops it), as in Django.
        method = "GET" if request.method == "HEAD" else request.method
        if job_id is None:
            if method == "GET":
                return self.list(request)
            if method == "POST":
                return self.create(request)
            return _not_allowed(request.method, "GET, POST, HEAD")
        if method == "GET":
            return self.retrieve(request, job_id)
        return _not_allowed(request.method, "GET, HEAD")

    def list(self, request: Request) -> Response:
        ids: list[str] | None = None
        raw_ids = request.query.get("ids", "").strip()
        if raw_ids:
            entries = [entry.strip() for entry in raw_ids.split(",") if entry.strip()]
            if len(entries) > MAX_IDS:
                return json_response(400, {"ids": [f"Maximum {MAX_IDS} IDs allowed."]})
            ids = []
            for entry in entries:
                try:
                    ids.append(str(uuid.UUID(entry)))
                except ValueError:
                    return json_response(400, {"ids": [f"'{entry[:100]}' is not a valid UUID."]})
        ordering = _ordering(request.query.get("ordering", ""))
        with self.lock:
            now = self.store.clock.now()
            jobs = self.store.select(
                now,
                request.base,
                ids=ids,
                ordering=None if ordering is DEFAULT_ORDERING else ordering,
            )
            parts = [self.store.payload_json(job, now, request.base) for job in jobs]
        return Response(200, b"[" + b",".join(parts) + b"]", "application/json")

    def retrieve(self, request: Request, job_id: str) -> Response:
        with self.lock:
            if job_id not in self.store:
                return detail(404, "Not found.")
            job = self.store.get(job_id)
            body = self.store.payload_json(job, self.store.clock.now(), request.base)
        return Response(200, body, "application/json")

    def create(self, request: Request) -> Response:
        try:
            data, form = parse_body(request.content_type, request.body)
        except BodyError as exc:
            return json_response(exc.status, exc.payload)
        cleaned, errors = validate_create(data, form=form)
        if errors:
            return json_response(400, errors)
        with self.lock:
            fields = {**cleaned, "status": "pending", "is_hidden": False, "media_job": None}
            # Unlike seeded jobs, jobs a test creates end "done" unless it asked otherwise.
            fields["outcome"] = self.next_outcome() or "done"
            job = self.store.insert(fields)
            body = self.store.payload_json(job, self.store.clock.now(), request.base)
        return Response(201, body, "application/json")

    def _authenticate(self, request: Request) -> Response | None:
        api_id = request.headers.get("X-API-ID")
        api_key = request.headers.get("X-API-KEY")
        if not api_id or not api_key:
            return detail(401, "Authentication credentials were not provided.")
        expected_id, expected_key = self.credentials()
        # Check both in full whatever the first says, so timing reveals neither.
        id_ok = hmac.compare_digest(_raw(api_id), expected_id.encode())
        key_ok = hmac.compare_digest(_raw(api_key), expected_key.encode())
        if not (id_ok and key_ok):
            return detail(401, "Invalid API credentials.")
        return None


def _ordering(value: str) -> list[tuple[str, bool]]:
    # Like DRF's OrderingFilter: comma-separated, unknown fields dropped, default if none left.
    fields = []
    for term in value.split(","):
        term = term.strip()
        name = term.removeprefix("-")
        if name in ORDERING_FIELDS:
            fields.append((name, term.startswith("-")))
    return fields or DEFAULT_ORDERING


def _not_allowed(method: str, allow: str) -> Response:
    return detail(405, f'Method "{method}" not allowed.', [("Allow", allow)])


def _raw(header_value: str) -> bytes:
    # WSGI decodes header bytes as latin-1; undo that to compare what was sent.
    return header_value.encode("latin-1", "replace")
