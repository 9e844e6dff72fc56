"""A response body on its way to the parser, within a size and a time bound.

Used by :mod:`django_creatify.client` for list responses: they are streamed into a
:class:`BodySpool` (memory, then a temporary file) one socket read at a time, so that
neither a giant nor an endless body nor a slow drip can hold a sync for ever. A sync reads
the body from another thread while it arrives (:class:`SpoolReader`), so that parsing
overlaps the download.

Tuned for speed: ``benchmarks/sync_benchmark.py`` times an unchanged resync against a mere
download of the same body, so what the spool adds per chunk (the bounds, the lock, the
hand-over to the reading thread) shows there.
"""

from __future__ import annotations

import bisect
import io
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Protocol

import requests
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

from .exceptions import PayloadError, TransportError

# A body larger than this goes to a temporary file instead of memory: a listing of about
# 35,000 jobs (the file costs a copy and a write per chunk; the memory, RSS at the peak).
SPOOL_MEMORY_BYTES = 32 * 1024 * 1024


class BodySpool:
    """A response body on its way to the parser: in memory while small, else on disk.

    ``max_bytes`` and ``deadline`` (seconds from :meth:`start_clock`, else from when the
    spool is made) bound what it accepts; past either it raises and keeps nothing.

    One thread may :meth:`fill` it while another reads it through :meth:`reader`, so that
    a body is parsed as it arrives: the reader waits for bytes not yet there. In memory
    the chunks are kept as they came, not copied into one buffer.
    """

    def __init__(
        self, *, max_bytes: int | None = None, deadline: float | None = None, source: str = ""
    ) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        self._source = source or "the request"
        self._ends_at = None if deadline is None else time.monotonic() + deadline
        self._changed = threading.Condition()
        self._chunks: list[bytes] = []
        self._starts: list[int] = []  # the body offset of each chunk
        self._file: IO[bytes] | None = None  # once the body outgrew memory
        self._size = 0
        #: How many times a body was begun again from its start (a retried request).
        self.restarts = 0
        #: True once a body has arrived whole; False once none will (the fetch gave up).
        self.complete: bool | None = None

    def __enter__(self) -> BodySpool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._changed:
            self._drop()

    def start_clock(self) -> None:
        """Let the deadline run from now: when the request is sent, not when the spool
        was made (a sync makes its spools before it sends their requests, one by one)."""
        if self.deadline is not None:
            self._ends_at = time.monotonic() + self.deadline

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
        """Take a whole body, in place of any earlier one; raises, keeping nothing, past a
        bound (or when ``chunks`` does)."""
        self._truncate()
        size = 0
        try:
            for chunk in chunks:
                size += len(chunk)
                if self.max_bytes is not None and size > self.max_bytes:
                    raise PayloadError(
                        f"Creatify's answer to {self._source} is larger than "
                        f"{self.max_bytes:,} bytes, the limit set by "
                        "CREATIFY['SYNC_MAX_BODY_BYTES']; stopped reading it"
                    )
                self.seconds_left()
                with self._changed:
                    self._append(chunk)
                    self._changed.notify_all()
        except BaseException:
            self._truncate()
            raise
        self.finish(complete=True)

    def _append(self, chunk: bytes) -> None:
        if self._file is None and self._size + len(chunk) > SPOOL_MEMORY_BYTES:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _drop)
            self._file.writelines(self._chunks)
            self._chunks, self._starts = [], []
        if self._file is not None:
            self._file.seek(0, io.SEEK_END)
            self._file.write(chunk)
        else:
            self._starts.append(self._size)
            self._chunks.append(chunk)
        self._size += len(chunk)

    def finish(self, *, complete: bool) -> None:
        """Say that no more bytes will come: the body is whole, or none will be."""
        with self._changed:
            if self.complete is None:
                self.complete = complete
            self._changed.notify_all()

    def _truncate(self) -> None:
        with self._changed:
            if self._size:
                self.restarts += 1
            self._drop()
            self._changed.notify_all()

    def _drop(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._chunks, self._starts = [], []
        self._size = 0

    def reader(self) -> SpoolReader:
        """The body, to read from its start (as it arrives, when it has not yet)."""
        return SpoolReader(self)

    def _read(self, position: int, size: int, restarts: int) -> bytes:
        with self._changed:
            while True:
                if self.restarts != restarts:
                    raise BodyRestarted
                if position < self._size:
                    return self._bytes_at(position, min(size, self._size - position))
                if self.complete is not None:
                    if not self.complete:
                        raise BodyAbandoned
                    return b""
                self._changed.wait()

    def _bytes_at(self, position: int, size: int) -> bytes:
        if self._file is not None:
            self._file.seek(position)
            return self._file.read(size)
        index = bisect.bisect_right(self._starts, position) - 1
        start = position - self._starts[index]
        # A whole chunk asked for comes back without a copy: slicing all of a bytes object
        # and joining one piece both return it as it is.
        pieces = []
        while size > 0 and index < len(self._chunks):
            piece = self._chunks[index][start : start + size]
            pieces.append(piece)
            size -= len(piece)
            index, start = index + 1, 0
        return b"".join(pieces)

    def wait_finished(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.complete is not None)


class BodyRestarted(Exception):
    """The body a reader was reading is being received again from its start."""


class BodyAbandoned(Exception):
    """No body will arrive: the fetch failed, and says why itself."""


class SpoolReader(io.RawIOBase):
    """The body in a :class:`BodySpool`, read from as it arrives: a read waits until bytes
    are there or the body has ended. Raises BodyRestarted once the body begins again
    (:meth:`restart` then reads the new one) and BodyAbandoned if it will never end."""

    def __init__(self, spool: BodySpool) -> None:
        self._spool = spool
        self._position = 0
        self._restarts = spool.restarts

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET:
            raise io.UnsupportedOperation("only absolute positions")
        self._position = position
        return position

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        data = self._spool._read(self._position, size, self._restarts)
        self._position += len(data)
        return data

    @property
    def stale(self) -> bool:
        """Whether the body read so far has since begun again."""
        return self._restarts != self._spool.restarts

    def restart(self) -> None:
        """Read the body that began again, from its start."""
        self._restarts = self._spool.restarts
        self._position = 0


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


class _Socket(Protocol):
    def settimeout(self, value: float | None, /) -> None: ...


def _socket_under(raw: object) -> _Socket | None:
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
