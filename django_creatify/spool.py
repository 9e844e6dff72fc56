"""A response body on its way to the parser, within a size and a time bound.

Used by :mod:`django_creatify.client` for list responses: they are streamed into a
:class:`BodySpool` (memory, then a temporary file) one socket read at a time, so that
neither a giant nor an endless body nor a slow drip can hold a sync for ever.

Tuned for speed: ``benchmarks/sync_benchmark.py`` times an unchanged resync against a mere
download of the same body, so what the spool adds per chunk (the bounds, the escape scan,
the copy) shows there.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import requests
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

from .exceptions import PayloadError, TransportError
from .listing import has_unstorable_escape

# A body larger than this goes to a temporary file instead of memory: a listing of about
# 35,000 jobs (the file costs a copy and a write per chunk; the memory, RSS at the peak).
SPOOL_MEMORY_BYTES = 32 * 1024 * 1024


class BodySpool:
    """A response body on its way to the parser: in memory while small, else on disk.

    ``max_bytes`` and ``deadline`` (seconds from now, when the spool is made before the
    request is sent) bound what it accepts; past either it raises and keeps nothing.
    """

    def __init__(
        self, *, max_bytes: int | None = None, deadline: float | None = None, source: str = ""
    ) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        #: Whether the body has escapes that may decode to text a database cannot store.
        self.needs_scrubbing = False
        self.max_bytes = max_bytes
        self.deadline = deadline
        self._source = source or "the request"
        self._ends_at = None if deadline is None else time.monotonic() + deadline

    def __enter__(self) -> BodySpool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()

    def seconds_left(self) -> float | None:
        """What is left of the deadline (None: no deadline); raises once it has passed."""
        if self._ends_at is None:
            return None
        left = self._ends_at - time.monotonic()
        if left <= 0:
            raise TransportError(
                f"Creatify's answer to {self._source} was still arriving after "
                f"{self.deadline:g} s, the limit set by CREATIFY['SYNC_DEADLINE']; "
                "stopped reading it"
            )
        return left

    def fill(self, chunks: Iterable[bytes]) -> None:
        self._file.seek(0)
        self._file.truncate()
        self.needs_scrubbing = False
        tail = b""
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if self.max_bytes is not None and size > self.max_bytes:
                self._file.truncate(0)
                raise PayloadError(
                    f"Creatify's answer to {self._source} is larger than {self.max_bytes:,} "
                    "bytes, the limit set by CREATIFY['SYNC_MAX_BODY_BYTES']; stopped reading it"
                )
            self.seconds_left()
            self._file.write(chunk)
            # The last bytes of the previous chunk too: an escape may straddle two chunks.
            if not self.needs_scrubbing and (
                has_unstorable_escape(chunk) or has_unstorable_escape(tail + chunk[:5])
            ):
                self.needs_scrubbing = True
            tail = chunk[-5:]

    def rewound(self) -> IO[bytes]:
        self._file.seek(0)
        return self._file


def arriving(
    response: requests.Response,
    seconds_left: Callable[[], float | None],
    read_timeout: float,
    chunk_bytes: int,
) -> Iterator[bytes]:
    """A streamed body as it arrives, one socket read at a time, so that a slow drip is
    seen between reads; each read also waits no longer than the deadline leaves.

    Errors are those of ``requests``' ``iter_content``, and are retried the same way.
    """
    raw = response.raw
    sock = _socket_under(raw)
    try:
        while True:
            left = seconds_left()
            if sock is not None and left is not None:
                try:
                    sock.settimeout(min(read_timeout, left))
                except OSError:
                    sock = None  # closed with the body's end: the next read says so
            chunk = raw.read1(chunk_bytes, decode_content=True)
            if not chunk:
                return
            yield chunk
    except ReadTimeoutError as exc:
        seconds_left()  # the deadline's error, if that is what cut the read short
        raise requests.ConnectionError(exc) from None
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None
    except DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None


def _socket_under(raw: object) -> object | None:
    """The socket a urllib3 response reads from, or None where it cannot be reached (each
    read may then wait the whole read timeout, even past the deadline)."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        # A body that ends when the connection closes: http.client has handed the socket
        # over to the response's file (a SocketIO under a buffered reader).
        reader = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock if callable(getattr(sock, "settimeout", None)) else None


def first_bytes(chunks: Iterable[bytes], limit: int) -> bytes:
    content = bytearray()
    for chunk in chunks:
        content += chunk
        if len(content) >= limit:
            break
    return bytes(content[:limit])
