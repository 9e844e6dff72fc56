"""Scripted failures: each matching request consumes the next queued :class:`Fault`."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from .clock import Clock
from .families import AURORA, Family, by_segment, family_named
from .messages import Request, Response, detail, html_response, json_response
from .state import JobStore

STATUS, LATENCY, TRUNCATE, DROP, WRONG_TYPES, BODY, ENDLESS, SLOW = (
    "status",
    "latency",
    "truncate",
    "drop",
    "wrong_types",
    "body",
    "endless",
    "slow",
)
KINDS = (STATUS, LATENCY, TRUNCATE, DROP, WRONG_TYPES, BODY, ENDLESS, SLOW)
# Faults whose body is sent piece by piece, without a Content-Length.
STREAMED = (TRUNCATE, ENDLESS, SLOW)
ENDLESS_PIECE_BYTES = 64 * 1024
# Faults with no path_prefix hit the API only, so pages that embed media keep working.
DEFAULT_PREFIX = "/api/"


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted misbehaviour; build it with the class methods."""

    kind: str
    code: int = 200
    retry_after: str | None = None
    seconds: float = 0.0
    raw: bytes | None = None
    content_type: str = "application/json"
    chunk_bytes: int = 0

    @classmethod
    def status(
        cls, code: int, *, retry_after: float | str | datetime | None = None, body: Any = None
    ) -> Fault:
        """An error status (500, 502, 503, 429...) with a realistic body, or ``body``.

        ``retry_after`` is sent as ``Retry-After``: seconds, an HTTP-date string, or a
        datetime (formatted as an HTTP-date).
        """
        raw, content_type = _encode(body) if body is not None else (None, "application/json")
        return cls(STATUS, code, _retry_after(retry_after), raw=raw, content_type=content_type)

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (real time, on the server thread), then answer normally."""
        return cls(LATENCY, seconds=float(seconds))

    @classmethod
    def truncate(cls) -> Fault:
        """The real response, cut to half its body and ended by closing the connection."""
        return cls(TRUNCATE)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending a byte."""
        return cls(DROP)

    @classmethod
    def wrong_types(cls) -> Fault:
        """A 200 list whose items break the schema one way each (see wrong_type_items)."""
        return cls(WRONG_TYPES)

    @classmethod
    def endless(cls, pause: float = 0.0) -> Fault:
        """A 200 list that never ends: ``[`` then job items, 64 kB at a time with ``pause``
        seconds between pieces, until the client hangs up."""
        return cls(ENDLESS, seconds=float(pause), chunk_bytes=ENDLESS_PIECE_BYTES)

    @classmethod
    def slow(cls, seconds: float, chunk_bytes: int = 64) -> Fault:
        """The real response, its body dripped ``chunk_bytes`` at a time with ``seconds``
        between pieces (the first piece is sent at once)."""
        if chunk_bytes < 1:
            raise ValueError("chunk_bytes must be at least 1")
        return cls(SLOW, seconds=float(seconds), chunk_bytes=int(chunk_bytes))

    @classmethod
    def body(cls, status: int, raw: bytes | str, content_type: str = "application/json") -> Fault:
        """Any status with exactly these bytes, e.g. an object where a list belongs."""
        data = raw.encode() if isinstance(raw, str) else bytes(raw)
        return cls(BODY, status, raw=data, content_type=content_type)

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": self.kind}
        if self.kind in (STATUS, BODY):
            spec["code"] = self.code
        if self.retry_after is not None:
            spec["retry_after"] = self.retry_after
        if self.kind in (LATENCY, ENDLESS, SLOW):
            spec["seconds"] = self.seconds
        if self.kind == SLOW:
            spec["chunk_bytes"] = self.chunk_bytes
        if self.raw is not None:
            spec["body"] = self.raw.decode("utf-8", "replace")
            spec["content_type"] = self.content_type
        return spec

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Fault:
        """The inverse of to_spec(), for ``POST /_sandbox/faults``; raises ValueError."""
        if not isinstance(spec, dict):
            raise ValueError("a fault spec is a JSON object")
        kind = spec.get("kind")
        if kind == STATUS:
            return cls.status(
                _int(spec.get("code", spec.get("status"))),
                retry_after=spec.get("retry_after"),
                body=spec.get("body"),
            )
        if kind == LATENCY:
            return cls.latency(float(spec.get("seconds", 0)))
        if kind == TRUNCATE:
            return cls.truncate()
        if kind == DROP:
            return cls.drop()
        if kind == WRONG_TYPES:
            return cls.wrong_types()
        if kind == ENDLESS:
            return cls.endless(float(spec.get("seconds", 0)))
        if kind == SLOW:
            return cls.slow(float(spec.get("seconds", 0)), _int(spec.get("chunk_bytes", 64)))
        if kind == BODY:
            body = spec.get("body", "")
            raw = body if isinstance(body, str) else json.dumps(body)
            return cls.body(
                _int(spec.get("code", spec.get("status", 200))),
                raw,
                spec.get("content_type", "application/json"),
            )
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")


@dataclass(frozen=True, slots=True)
class QueuedFault:
    fault: Fault
    method: str | None
    path_prefix: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix or DEFAULT_PREFIX)


class FaultQueue:
    def __init__(self) -> None:
        self._queue: list[QueuedFault] = []

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, faults: tuple[Fault, ...], method: str | None, path_prefix: str | None) -> None:
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"expected a Fault, got {type(fault).__name__}")
            self._queue.append(QueuedFault(fault, method, path_prefix))

    def take(self, method: str, path: str) -> Fault | None:
        for index, queued in enumerate(self._queue):
            if queued.matches(method, path):
                del self._queue[index]
                return queued.fault
        return None

    def clear(self) -> None:
        self._queue.clear()

    def pending(self) -> list[QueuedFault]:
        return list(self._queue)


def wrong_type_items(base: str, family: str | Family = AURORA.key) -> list[Any]:
    """What ``Fault.wrong_types()`` serves, in this order, shaped like ``family``'s objects
    (the family whose path was asked for).

    Item 0 is well typed. Then one wrong thing each: an id that is not a UUID,
    ``duration`` "abc", ``progress`` of the other type (Aurora: "45", a numeric string as
    sibling endpoints send; lipsync families: 0.45, a number as their older pages send),
    ``credits_used`` "7.5" (likewise), ``status`` 5, ``created_at`` "yesterday", a bare
    string instead of an object, and an object with no id.
    """
    kind = family_named(family)
    progress: Any = 0.45 if kind.progress_as_string else "45"

    def item(number: int, **changes: Any) -> dict[str, Any]:
        return {**_valid_item(kind, number, base), **changes}

    no_id = item(8)
    del no_id["id"]
    return [
        item(0),
        item(1, id="not-a-uuid"),
        item(2, duration="abc"),
        item(3, progress=progress),
        item(4, credits_used="7.5"),
        item(5, status=5),
        item(6, created_at="yesterday"),
        "not an object",
        no_id,
    ]


def _valid_item(family: Family, number: int, base: str) -> dict[str, Any]:
    # A finished 12-second job, built as the API builds any payload.
    store = JobStore(Clock(manual=True, start=0.0), "wrong-types", editor_access=False)
    job = store.insert(
        {
            "id": str(uuid.UUID(int=0xC0FFEE00 + number, version=4)),
            "status": "done",
            "created_at": "2025-01-02T03:04:05.678901Z",
            "updated_at": "2025-01-02T03:05:06.789012Z",
            "name": f"Wrong types #{number}",
            "duration": 12,
        },
        family,
    )
    return dict(store.payload(job, store.clock.now(), base))


def fault_response(fault: Fault, request: Request) -> Response:
    """What a fault answers instead of the API (not for latency, truncate and slow, which
    change the real answer's timing or body)."""
    if fault.kind == WRONG_TYPES:
        family = by_segment(request.path.removeprefix("/api/").split("/", 1)[0]) or AURORA
        return json_response(200, wrong_type_items(request.base, family))
    if fault.kind == BODY:
        return Response(fault.code, fault.raw or b"", fault.content_type)
    if fault.kind == ENDLESS:
        return Response(200)  # the body is streamed_body()'s
    assert fault.kind == STATUS
    headers = [("Retry-After", fault.retry_after)] if fault.retry_after is not None else []
    if fault.raw is not None:
        return Response(fault.code, fault.raw, fault.content_type, headers)
    if fault.code == 429:
        wait = f" Expected available in {fault.retry_after} seconds." if fault.retry_after else ""
        return detail(429, f"Request was throttled.{wait}", headers)
    if fault.code in (502, 503, 504):
        # What a load balancer in front of the API sends: HTML, not JSON.
        title = Response(fault.code).status_line
        page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        response = html_response(fault.code, page)
        response.headers = headers
        return response
    if fault.code == 500:
        response = html_response(500, "<h1>Server Error (500)</h1>")
        response.headers = headers
        return response
    return detail(fault.code, Response(fault.code).status_line.split(" ", 1)[1], headers)


def streamed_body(fault: Fault, body: bytes) -> Iterator[bytes]:
    """The body of a STREAMED fault, piece by piece; a generator, so it stops when the
    client hangs up (wsgiref's next write fails)."""
    if fault.kind == TRUNCATE:
        yield body[: len(body) // 2]
    elif fault.kind == SLOW:
        for start in range(0, len(body), fault.chunk_bytes):
            if start:
                time.sleep(fault.seconds)
            yield body[start : start + fault.chunk_bytes]
    else:
        yield b"["
        item = json.dumps({"id": str(uuid.UUID(int=0xE7D1E55, version=4)), "status": "done"})
        piece = ((item + ",") * (fault.chunk_bytes // (len(item) + 1))).encode()
        while True:
            yield piece
            if fault.seconds:
                time.sleep(fault.seconds)


def _encode(body: Any) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


def _retry_after(value: float | str | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return format_datetime(aware, usegmt=True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        raise ValueError("a fault needs a numeric status code")
    return int(value)
