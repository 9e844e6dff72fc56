"""Helpers for the sandbox tests: an API session, a webhook receiver, a schema check."""

from __future__ import annotations

import json
import socketserver
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from django_creatify.sandbox import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = json.loads((FIXTURES / "auroraflow_schema.json").read_text())
#: Each job family's object schema, by the sandbox's family key.
FAMILY_SCHEMAS = {
    "aurora": SCHEMA,
    **{
        key: json.loads((FIXTURES / f"{name}_schema.json").read_text())
        for key, name in (
            ("lipsyncs", "lipsync"),
            ("lipsyncs_v2", "lipsync_v2"),
            ("ai_shorts", "ai_shorts"),
        )
    },
}


def api_session(sandbox: Sandbox) -> requests.Session:
    """A requests session carrying the sandbox's credentials (and ignoring env proxies)."""
    session = requests.Session()
    session.trust_env = False
    session.headers.update({"X-API-ID": sandbox.api_id, "X-API-KEY": sandbox.api_key})
    return session


def schema_errors(item: Any, schema: dict[str, Any] = SCHEMA) -> list[str]:
    """Everything about ``item`` that breaks the AuroraFlow schema (empty when valid).

    Also flags properties the schema does not list, so nothing unexpected (or secret)
    slips into a payload.
    """
    if not isinstance(item, dict):
        return [f"not an object: {item!r}"]
    properties = schema["properties"]
    errors = [f"{name}: missing" for name in schema["required"] if name not in item]
    for name, value in item.items():
        spec = properties.get(name)
        if spec is None:
            errors.append(f"{name}: not in the schema")
            continue
        if value is None:
            if not spec.get("nullable"):
                errors.append(f"{name}: null but not nullable")
            continue
        problem = _type_problem(value, spec)
        if problem:
            errors.append(f"{name}: {problem} ({value!r:.80})")
    return errors


def _type_problem(value: Any, spec: dict[str, Any]) -> str | None:
    kind = spec.get("type")
    if kind is None:  # typed "any"
        return None
    if kind == "array":
        return None if isinstance(value, list) else "not an array"
    if kind == "object":
        return None if isinstance(value, dict) else "not an object"
    if kind == "boolean":
        return None if isinstance(value, bool) else "not a boolean"
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else "not an integer"
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "not a number"
    if not isinstance(value, str):
        return "not a string"
    if "enum" in spec and value not in spec["enum"]:
        return "not one of the enum values"
    if "maxLength" in spec and len(value) > spec["maxLength"]:
        return f"longer than {spec['maxLength']}"
    fmt = spec.get("format")
    if fmt == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return "not a uuid"
    elif fmt == "date-time":
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "not an ISO 8601 date-time"
        if parsed.tzinfo is None:
            return "a date-time without a time zone"
    elif fmt == "uri":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "not an http(s) URL"
    return None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # Skip HTTPServer's reverse DNS lookup of our own address.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class WebhookReceiver:
    """A loopback endpoint that records the JSON bodies POSTed to it."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._changed:
                    receiver.bodies.append(json.loads(data))
                    receiver.headers.append(dict(self.headers))
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/creatify/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Any]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.bodies) >= count, timeout)
            return list(self.bodies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def free_port_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as server:
        port = server.server_address[1]
    return f"http://127.0.0.1:{port}/hook/"
