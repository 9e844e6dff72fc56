"""The :class:`Sandbox`: a WSGI app that behaves like Creatify's Aurora API, and the
Python handles tests use to steer it."""

from __future__ import annotations

import hmac
import random
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from .api import AuroraAPI
from .clock import Clock, to_timestamp
from .control import PREFIX as CONTROL_PREFIX
from .control import handle_control
from .faults import (
    DROP,
    LATENCY,
    SLOW,
    STREAMED,
    TRUNCATE,
    Fault,
    FaultQueue,
    fault_response,
    streamed_body,
)
from .media import serve_editor, serve_media
from .messages import RecordedRequest, Request, Response, detail, html_response, json_response
from .seed import seeded_jobs
from .server import SandboxServer
from .state import JobStore
from .timeline import ACTIVE_STATUSES, FINAL_STATUSES
from .webhooks import DeliveredWebhook, deliver

# Where payload links point when no request says which host to use (no server running).
DEFAULT_BASE = "http://testserver"
_EDITOR = re.compile(r"^/editor/([^/]+)/$")

StartResponse = Callable[..., Any]


class Sandbox:
    """A local Creatify Aurora API: call it as a WSGI app or ``serve()`` it on a port.

    Everything is guarded by one lock, so the threaded server, its webhook ticker and the
    test thread can all use it at once.
    """

    def __init__(
        self,
        api_id: str = "sandbox-id",
        api_key: str = "sandbox-key",
        jobs: int = 0,
        seed: int | str = 0,
        speed: float = 1.0,
        manual_clock: bool = False,
        *,
        start: datetime | str | float | None = None,
        editor_access: bool = True,
        webhook_timeout: float = 2.0,
    ) -> None:
        self.api_id = api_id
        self.api_key = api_key
        self.seed = seed
        self.initial_jobs = jobs
        self.webhook_timeout = webhook_timeout
        #: Outcomes ("done", "failed", "rejected") for the next jobs created by POST, in order.
        self.next_outcomes: list[str] = []
        #: The URL of the running server, if any.
        self.url: str | None = None
        self._start = None if start is None else to_timestamp(start)
        self._lock = threading.RLock()
        self._delivery_lock = threading.Lock()
        self._clock = Clock(speed=speed, manual=manual_clock, start=self._start)
        self._store = JobStore(self._clock, f"{seed}:{api_id}", editor_access)
        self._faults = FaultQueue()
        self._requests: list[RecordedRequest] = []
        self._webhooks: list[DeliveredWebhook] = []
        self._servers: list[SandboxServer] = []
        self._rng = random.Random(f"creatify-sandbox:{seed}")  # noqa: S311 - repeatable test data
        self._api = AuroraAPI(
            self._store,
            self._lock,
            credentials=lambda: (self.api_id, self.api_key),
            next_outcome=self._next_outcome,
        )
        if jobs:
            self._add_seeded(jobs, seed)

    def __repr__(self) -> str:
        # The key is the sandbox's own, but keep reprs free of keys all the same.
        return f"<Sandbox {self.url or 'not serving'} jobs={len(self)}>"

    def __len__(self) -> int:
        return len(self._store)

    @property
    def speed(self) -> float:
        return self._clock.speed

    @property
    def manual_clock(self) -> bool:
        return self._clock.manual

    def __contains__(self, job_id: object) -> bool:
        return isinstance(job_id, str) and job_id in self._store

    # -- serving ---------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Start a threaded server in the background (port 0 = any free port)."""
        server = SandboxServer(self, host, port).start()
        with self._lock:
            self._servers.append(server)
            self.url = server.url
        return server

    def _server_stopped(self, server: SandboxServer) -> None:
        with self._lock:
            if server in self._servers:
                self._servers.remove(server)
            self.url = self._servers[-1].url if self._servers else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            response = self._guard(environ, handle_control, self, request)
            return _send(start_response, request, response, None)
        recorded = RecordedRequest.of(request)
        with self._lock:
            self._requests.append(recorded)
            fault = self._faults.take(request.method, request.path)
        if fault is not None and fault.kind == DROP:
            # wsgiref treats this as the client hanging up: it closes without a byte.
            raise ConnectionAbortedError("sandbox fault: drop")
        if fault is not None and fault.kind == LATENCY:
            time.sleep(fault.seconds)
        if fault is None or fault.kind in (LATENCY, TRUNCATE, SLOW):
            response = self._guard(environ, self._route, request)
        else:
            response = fault_response(fault, request)
        recorded.status = response.status
        return _send(start_response, request, response, fault)

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/api/"):
            return self._api(request)
        if path.startswith("/media/"):
            return serve_media(request)
        if match := _EDITOR.match(path):
            job_id = match[1]
            with self._lock:
                job = self._store.get(job_id) if job_id in self._store else None
                name = job.fields.get("name") if job else None
                token = self._store.editor_token(job.id) if job else None
            token_ok = token is not None and hmac.compare_digest(
                request.query.get("token", "").encode(), token.encode()
            )
            return serve_editor(request, job_id, token_ok=token_ok, name=name)
        if path == "/":
            return json_response(
                200,
                {
                    "service": "Creatify Aurora sandbox",
                    "api": f"{request.base}/api/aurora/",
                    "control": f"{request.base}{CONTROL_PREFIX}/",
                },
            )
        return html_response(404, "<!doctype html><title>Not Found</title><h1>Not Found</h1>")

    def _guard(
        self, environ: dict[str, Any], handler: Callable[..., Response], *args: Any
    ) -> Response:
        try:
            return handler(*args)
        except Exception as exc:
            # Shown to the client like Django's 500, with the traceback on the server's stderr.
            errors = environ.get("wsgi.errors")
            if errors is not None:
                traceback.print_exc(file=errors)
            return detail(500, f"Sandbox error: {type(exc).__name__}: {exc}")

    # -- jobs ------------------------------------------------------------------------

    def add_job(self, **fields: Any) -> dict[str, Any]:
        """Insert one job as given, without validation; returns its public payload.

        Any AuroraFlow field may be given. ``status`` places the job in that state now (a
        final status stays final; an unknown one freezes); without it the job lives its
        natural life from ``created_at``. ``outcome`` says how an unfinished job ends.
        Derived fields (``video_output``, ``duration``, ``credits_used``...) given here win
        over the computed ones; ``OMIT`` leaves a field out; unknown names are served too.
        """
        with self._lock:
            job = self._store.insert(fields)
            payload = dict(self._store.payload(job, self._clock.now(), self._base()))
        self.deliver_due()
        return payload

    def add_jobs(self, n: int, *, seed: int | str | None = None, **fields: Any) -> list[dict]:
        """``n`` varied jobs (see ``seed``); ``fields`` override every one of them."""
        with self._lock:
            jobs = self._add_seeded(n, seed, fields)
            now, base = self._clock.now(), self._base()
            payloads = [dict(self._store.payload(job, now, base)) for job in jobs]
        self.deliver_due()
        return payloads

    def _add_seeded(self, n: int, seed: int | str | None, fields: dict | None = None) -> list:
        rng = random.Random(seed) if seed is not None else self._rng  # noqa: S311
        fields = fields or {}
        with self._lock:
            specs = seeded_jobs(rng, n, self._clock.now())
            if "status" in fields:
                for spec in specs:
                    spec.pop("progress", None)
                    spec.pop("outcome", None)
                    # Seeded webhook URLs are example data for finished jobs; a job that
                    # will finish here must not POST to the internet.
                    spec["webhook_url"] = None
            return [self._store.insert({**spec, **fields}) for spec in specs]

    def update_job(self, id: str, **fields: Any) -> dict[str, Any]:
        """Change a job's fields; ``status``/``progress``/``outcome`` restart its timeline
        from now. Bumps ``updated_at`` unless it is given."""
        with self._lock:
            job = self._job(id)
            self._store.update(job, fields)
            payload = dict(self._store.payload(job, self._clock.now(), self._base()))
        self.deliver_due()
        return payload

    def finish_all(self, status: str = "done") -> list[dict[str, Any]]:
        """Move every unfinished job to ``status`` now; returns their payloads."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"status must be one of {', '.join(FINAL_STATUSES)}")
        with self._lock:
            now = self._clock.now()
            active = [
                job.id
                for job in self._store.default_order()
                if job.plan.state_at(now).status in ACTIVE_STATUSES
            ]
        return [self.update_job(job_id, status=status) for job_id in active]

    def job(self, id: str) -> dict[str, Any]:
        """What ``GET /api/aurora/<id>/`` returns now (links use the server's URL)."""
        with self._lock:
            return dict(self._store.payload(self._job(id), self._clock.now(), self._base()))

    def payloads(self) -> list[dict[str, Any]]:
        """Every job as the list call returns them by default (``-created_at``)."""
        with self._lock:
            now, base = self._clock.now(), self._base()
            return [
                dict(self._store.payload(job, now, base)) for job in self._store.default_order()
            ]

    def now(self) -> datetime:
        """The sandbox clock."""
        with self._lock:
            return datetime.fromtimestamp(self._clock.now(), UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward, then send the webhooks that became due."""
        with self._lock:
            self._clock.advance(seconds)
        self.deliver_due()

    def deliver_due(self) -> list[DeliveredWebhook]:
        """Send the webhooks of jobs that finished by now (the server's ticker calls this)."""
        # One delivery round at a time: advance() returns only after every due webhook,
        # including any the ticker had already picked up, has been sent.
        with self._delivery_lock:
            with self._lock:
                due = self._store.pop_due(self._clock.now(), self._base())
            results = []
            for webhook in due:
                result = deliver(webhook.url, webhook.payload, timeout=self.webhook_timeout)
                with self._lock:
                    self._webhooks.append(result)
                results.append(result)
            return results

    # -- faults and logs -------------------------------------------------------------

    def inject(self, *faults: Fault, method: str | None = None, path_prefix: str | None = None):
        """Queue faults; each matching request (default: any ``/api/`` path) takes the next."""
        with self._lock:
            self._faults.add(faults, method, path_prefix)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    **queued.fault.to_spec(),
                    "method": queued.method,
                    "path_prefix": queued.path_prefix,
                }
                for queued in self._faults.pending()
            ]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request served outside ``/_sandbox/``, oldest first (API keys redacted).

        The live list: ``sandbox.requests.clear()`` works; server threads append to it.
        """
        return self._requests

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def webhooks(self) -> list[DeliveredWebhook]:
        """Every webhook delivery attempt, oldest first (the live list, like ``requests``)."""
        return self._webhooks

    def reset(self) -> None:
        """Back to a freshly built sandbox: the seeded jobs only, no faults, empty logs,
        the clock restarted. A running server keeps running."""
        with self._lock:
            self._store.clear()
            self._faults.clear()
            self._requests.clear()
            self._webhooks.clear()
            self.next_outcomes.clear()
            self._clock.restart(self._start)
            self._rng = random.Random(f"creatify-sandbox:{self.seed}")  # noqa: S311
        if self.initial_jobs:
            self._add_seeded(self.initial_jobs, self.seed)

    # -- internals -------------------------------------------------------------------

    def _job(self, job_id: str) -> Any:
        if job_id not in self._store:
            raise KeyError(f"No sandbox job {job_id!r}")
        return self._store.get(job_id)

    def _base(self) -> str:
        return self.url or DEFAULT_BASE

    def _next_outcome(self) -> str | None:
        return self.next_outcomes.pop(0) if self.next_outcomes else None


def _send(
    start_response: StartResponse, request: Request, response: Response, fault: Fault | None
) -> Iterable[bytes]:
    if fault is not None and fault.kind in STREAMED:
        # No Content-Length and a generator body: wsgiref then ends the body by closing
        # the connection, so the client cannot tell how much it should have got.
        start_response(response.status_line, response.header_list(with_length=False))
        return streamed_body(fault, response.body)
    start_response(response.status_line, response.header_list())
    return [b""] if request.method == "HEAD" else [response.body]
