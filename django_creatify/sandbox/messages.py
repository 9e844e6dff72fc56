"""Requests and responses as the sandbox sees them, and the log of what it was sent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

REDACTED = "***"
SECRET_HEADERS = frozenset({"x-api-key"})
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def header_name(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


class Headers(dict):
    """A dict of headers whose lookups ignore case: ``headers["X-API-ID"]`` works."""

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(header_name(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(header_name(name))

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(header_name(name), default)


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    base: str  # scheme://host[:port] as the client addressed us

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[header_name(key[5:].replace("_", "-"))] = value
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > 0:
            headers["Content-Length"] = str(length)
        content_type = environ.get("CONTENT_TYPE", "")
        # wsgiref fills in "text/plain" when a request has no Content-Type at all.
        if content_type and not (content_type == "text/plain" and length <= 0):
            headers["Content-Type"] = content_type
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        # WSGI hands over the path as latin-1 decoded bytes; clients send UTF-8.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        return cls(environ["REQUEST_METHOD"].upper(), path, query, headers, body, _base(environ))

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


@dataclass(slots=True)
class RecordedRequest:
    """One request the sandbox answered (``X-API-KEY`` redacted); status 0 = no response."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @classmethod
    def of(cls, request: Request) -> RecordedRequest:
        headers = Headers(
            (name, REDACTED if name.lower() in SECRET_HEADERS else value)
            for name, value in request.headers.items()
        )
        return cls(request.method, request.path, dict(request.query), headers, request.body)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8", "replace"),
            "status": self.status,
        }


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: A body too large to hold (``body`` is then empty), of ``length`` bytes in all.
    stream: Iterable[bytes] | None = None
    length: int = 0

    @property
    def status_line(self) -> str:
        return status_line(self.status)

    def header_list(self, *, with_length: bool = True) -> list[tuple[str, str]]:
        headers = list(self.headers)
        if self.content_type:
            headers.append(("Content-Type", self.content_type))
        if with_length:
            size = self.length if self.stream is not None else len(self.body)
            headers.append(("Content-Length", str(size)))
        return headers


def status_line(code: int) -> str:
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{code} {phrase}"


def json_response(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    # DRF's JSONRenderer defaults: compact and not ASCII-escaped.
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, "application/json", headers or [])


def detail(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return json_response(status, {"detail": message}, headers)


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode(), "text/html; charset=utf-8")


def _base(environ: dict[str, Any]) -> str:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST", "")
    if not _HOST.match(host):
        # A missing or odd Host header must not end up inside the URLs we hand out.
        host = environ.get("SERVER_NAME", "127.0.0.1")
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != {"http": "80", "https": "443"}.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme}://{host}"
