"""The request side of a :class:`~django_creatify.sandbox.app.Sandbox`: control calls,
the request log, faults, then the API, media, editor and index routes."""

from __future__ import annotations

import hmac
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from .ageing import gone, media_expired
from .api import NOT_FOUND_PAGE
from .control import PREFIX as CONTROL_PREFIX
from .families import AURORA, FAMILIES
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
from .state import JobStore

_EDITOR = re.compile(r"^/editor/([^/]+)/$")

StartResponse = Callable[..., Any]
Handler = Callable[[Request], Response]


class SandboxApp:
    """The WSGI callable; it shares the sandbox's lock, store, fault queue and log."""

    def __init__(
        self,
        *,
        lock: threading.RLock,
        store: JobStore,
        faults: FaultQueue,
        requests: list[RecordedRequest],
        api: Handler,
        control: Handler,
        retention_days: Callable[[], float],
        video_bytes: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.lock = lock
        self.store = store
        self.faults = faults
        self.requests = requests
        self.api = api
        self.control = control
        self.retention_days = retention_days
        self.video_bytes = video_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            response = _guard(environ, self.control, request)
            return _send(start_response, request, response, None)
        recorded = RecordedRequest.of(request)
        with self.lock:
            self.requests.append(recorded)
            fault = self.faults.take(request.method, request.path)
        if fault is not None and fault.kind == DROP:
            # wsgiref treats this as the client hanging up: it closes without a byte.
            raise ConnectionAbortedError("sandbox fault: drop")
        if fault is not None and fault.kind == LATENCY:
            time.sleep(fault.seconds)
        if fault is None or fault.kind in (LATENCY, TRUNCATE, SLOW):
            response = _guard(environ, self.route, request)
        else:
            response = fault_response(fault, request)
        recorded.status = response.status
        return _send(start_response, request, response, fault)

    def route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/api/"):
            return self.api(request)
        if path.startswith("/media/"):
            name, job_id = path.removeprefix("/media/"), request.query.get("job")
            with self.lock:
                expired = media_expired(self.store, name, job_id, self.retention_days())
            return gone() if expired else serve_media(request, video_bytes=self.video_bytes())
        if match := _EDITOR.match(path):
            job_id = match[1]
            with self.lock:
                job = self.store.get(job_id) if job_id in self.store else None
                job_name = job.fields.get("name") if job else None
                token = self.store.editor_token(job.id) if job else None
            token_ok = token is not None and hmac.compare_digest(
                request.query.get("token", "").encode(), token.encode()
            )
            return serve_editor(request, job_id, token_ok=token_ok, name=job_name)
        if path == "/":
            return json_response(
                200,
                {
                    "service": "Creatify sandbox",
                    "api": f"{request.base}{AURORA.path}",
                    "families": {
                        key: f"{request.base}{family.path}" for key, family in FAMILIES.items()
                    },
                    "control": f"{request.base}{CONTROL_PREFIX}/",
                },
            )
        return html_response(404, NOT_FOUND_PAGE)


def _guard(environ: dict[str, Any], handler: Handler, request: Request) -> Response:
    try:
        return handler(request)
    except Exception as exc:
        # Shown to the client like Django's 500, with the traceback on the server's stderr.
        errors = environ.get("wsgi.errors")
        if errors is not None:
            traceback.print_exc(file=errors)
        return detail(500, f"Sandbox error: {type(exc).__name__}: {exc}")


def _send(
    start_response: StartResponse, request: Request, response: Response, fault: Fault | None
) -> Iterable[bytes]:
    if fault is not None and fault.kind in STREAMED:
        # No Content-Length and a generator body: wsgiref then ends the body by closing
        # the connection, so the client cannot tell how much it should have got.
        start_response(response.status_line, response.header_list(with_length=False))
        return streamed_body(fault, response.body)
    start_response(response.status_line, response.header_list())
    if request.method == "HEAD":
        return [b""]
    return response.stream if response.stream is not None else [response.body]
