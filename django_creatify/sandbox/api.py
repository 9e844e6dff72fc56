"""``/api/<family>/``: Creatify's list, retrieve, create, preview and render calls, with
its auth and errors, for every family alike; and ``/api/remaining_credits/``."""

from __future__ import annotations

import hmac
import threading
import uuid
from collections.abc import Callable

from .credits import Ledger, step_price
from .families import Family, by_segment
from .jobs import DIRECT, PREVIEW, RENDER
from .messages import Request, Response, detail, html_response, json_response
from .state import JobStore, NotRenderable
from .validation import BodyError, parse_body

MAX_IDS = 100
DEFAULT_ORDERING = [("created_at", True)]
NOT_FOUND_PAGE = "<!doctype html><title>Not Found</title><h1>Not Found</h1>"
PREVIEW_SEGMENT, RENDER_SEGMENT = "preview", "render"
CREDITS_PATH = "/api/remaining_credits/"


class CreatifyAPI:
    """The authenticated part of the sandbox; every call runs under ``lock``."""

    def __init__(
        self,
        store: JobStore,
        lock: threading.RLock,
        *,
        credentials: Callable[[], tuple[str, str]],
        next_outcome: Callable[[], str | None],
        ledger: Ledger,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.lock = lock
        self.credentials = credentials
        self.next_outcome = next_outcome

    def __call__(self, request: Request) -> Response:
        if request.path == CREDITS_PATH:
            return self.remaining_credits(request)
        route = _route(request.path)
        if route is None:
            # No such URL (a missing trailing slash lands here): Django's plain 404 page.
            return html_response(404, NOT_FOUND_PAGE)
        family, job_id, action = route
        if denied := self._authenticate(request):
            return denied
        # HEAD is GET without the body (the WSGI layer drops it), as in Django.
        method = "GET" if request.method == "HEAD" else request.method
        if action == PREVIEW_SEGMENT:
            if method == "POST":
                return self.create(request, family, PREVIEW)
            return _not_allowed(request.method, "POST")
        if action == RENDER_SEGMENT:
            assert job_id is not None
            if method == "POST":
                return self.render(request, family, job_id)
            return _not_allowed(request.method, "POST")
        if job_id is None:
            if method == "GET":
                return self.list(request, family)
            if method == "POST":
                return self.create(request, family, DIRECT)
            return _not_allowed(request.method, "GET, POST, HEAD")
        if method == "GET":
            return self.retrieve(request, family, job_id)
        return _not_allowed(request.method, "GET, HEAD")

    def remaining_credits(self, request: Request) -> Response:
        if denied := self._authenticate(request):
            return denied
        if request.method not in ("GET", "HEAD"):
            return _not_allowed(request.method, "GET, HEAD")
        with self.lock:
            return json_response(200, {"remaining_credits": self.ledger.remaining(self.store)})

    def list(self, request: Request, family: Family) -> Response:
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
        # Families whose list documents no ``ordering`` ignore it, as DRF ignores any
        # query parameter no filter reads.
        ordering = _ordering(family, request.query.get("ordering", "")) if family.ordering else []
        with self.lock:
            now = self.store.clock.now()
            jobs = self.store.select(
                family,
                now,
                request.base,
                ids=ids,
                ordering=None if ordering in ([], DEFAULT_ORDERING) else ordering,
            )
            parts = [self.store.payload_json(job, now, request.base) for job in jobs]
        return Response(200, b"[" + b",".join(parts) + b"]", "application/json")

    def retrieve(self, request: Request, family: Family, job_id: str) -> Response:
        with self.lock:
            if not self._exists(family, job_id):
                return detail(404, "Not found.")
            job = self.store.get(job_id)
            body = self.store.payload_json(job, self.store.clock.now(), request.base)
        return Response(200, body, "application/json")

    def create(self, request: Request, family: Family, stage: str) -> Response:
        """A direct create (201) or a preview (200, as Creatify documents it)."""
        try:
            data, form = parse_body(request.content_type, request.body)
        except BodyError as exc:
            return json_response(exc.status, exc.payload)
        cleaned, errors = family.validate(data, form)
        if errors:
            return json_response(400, errors)
        with self.lock:
            fields = {**cleaned, "status": "pending", "stage": stage}
            if "is_hidden" in family.public_fields:
                fields["is_hidden"] = False
            fields["media_job"] = None
            # Unlike seeded jobs, jobs a test creates end "done" unless it asked otherwise.
            fields["outcome"] = self.next_outcome() or "done"
            job = self.store.insert(fields, family)
            # The price depends on the job's video length, known once the job is built.
            price = step_price(job)
            if refusal := self.ledger.refusal(self.store, price):
                self.store.discard(job)
                return detail(400, refusal)
            self.ledger.charge(job, price)
            body = self.store.payload_json(job, self.store.clock.now(), request.base)
        return Response(201 if stage == DIRECT else 200, body, "application/json")

    def render(self, request: Request, family: Family, job_id: str) -> Response:
        # The body is documented as empty; like DRF, whatever is sent is not read.
        with self.lock:
            if not self._exists(family, job_id):
                return detail(404, "Not found.")
            job = self.store.get(job_id)
            try:
                self.store.check_renderable(job)
            except NotRenderable as exc:
                return detail(400, str(exc))
            if refusal := self.ledger.refusal(self.store, step_price(job, RENDER)):
                return detail(400, refusal)
            self.store.render(job, request.base, self.next_outcome() or "done")
            self.ledger.charge(job, step_price(job))
            body = self.store.payload_json(job, self.store.clock.now(), request.base)
        return Response(200, body, "application/json")

    def _exists(self, family: Family, job_id: str) -> bool:
        # A job is only found under its own family's path.
        return job_id in self.store and self.store.get(job_id).family is family

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


def _route(path: str) -> tuple[Family, str | None, str | None] | None:
    """(family, job id, action) for an API path, None for no such URL. Like DRF's
    router, ``<family>/preview/`` is the preview action where the family has one and a
    job id elsewhere."""
    if not path.startswith("/api/") or not path.endswith("/"):
        return None
    parts = path[len("/api/") : -1].split("/")
    family = by_segment(parts[0])
    if family is None or not all(parts):
        return None
    if len(parts) == 1:
        return family, None, None
    if len(parts) == 2:
        if parts[1] == PREVIEW_SEGMENT and family.preview_render:
            return family, None, PREVIEW_SEGMENT
        return family, parts[1], None
    if len(parts) == 3 and parts[2] == RENDER_SEGMENT and family.preview_render:
        return family, parts[1], RENDER_SEGMENT
    return None


def _ordering(family: Family, value: str) -> list[tuple[str, bool]]:
    # Like DRF's OrderingFilter: comma-separated, unknown fields dropped, default if none left.
    fields = []
    for term in value.split(","):
        term = term.strip()
        name = term.removeprefix("-")
        if name in family.public_fields:
            fields.append((name, term.startswith("-")))
    return fields or DEFAULT_ORDERING


def _not_allowed(method: str, allow: str) -> Response:
    return detail(405, f'Method "{method}" not allowed.', [("Allow", allow)])


def _raw(header_value: str) -> bytes:
    # WSGI decodes header bytes as latin-1; undo that to compare what was sent.
    return header_value.encode("latin-1", "replace")
