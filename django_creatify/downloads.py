"""Streaming a remote file into a local spool, counted and hashed, within set bounds.

The archive's download (:mod:`django_creatify.archive`). The SHA-256 is computed in a
thread of its own while the caller's thread receives and writes: both release the GIL,
so on two cores hashing costs no time of its own. At most :data:`HASH_QUEUE_CHUNKS`
chunks wait for the hasher, so memory stays bounded whatever the file's size.

The spool is a named temporary file that a local storage can move into place instead of
copying (``temporary_file_path()``, as Django's uploads do); it is removed on the way out
if it is still there.
"""

from __future__ import annotations

import hashlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

import requests
from django.core.files import File
from urllib3.exceptions import HTTPError as Urllib3Error

from .exceptions import PayloadError, TransportError, error_for_status

CHUNK_BYTES = 1024 * 1024
HASH_QUEUE_CHUNKS = 4
_END = b""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    #: (connect, read) seconds: read bounds each wait for bytes.
    timeout: tuple[float, float]
    #: Seconds the whole transfer may take.
    deadline: float


@dataclass(frozen=True)
class Downloaded:
    size: int
    sha256: str
    content_type: str


class SpoolFile(File):
    """The spool as a Django ``File``: read in large chunks, and movable into place."""

    DEFAULT_CHUNK_SIZE = CHUNK_BYTES
    file: IO[bytes]
    #: Set by the archive for the storage (S3 sends it as the object's Content-Type).
    content_type: str | None

    def temporary_file_path(self) -> str:
        return self.file.name


@contextmanager
def spool(directory: str | None = None, prefix: str = "creatify-archive-") -> Iterator[IO[bytes]]:
    handle = tempfile.NamedTemporaryFile(prefix=prefix, dir=directory, delete=False)  # noqa: SIM115
    try:
        yield handle
    finally:
        handle.close()
        with suppress(FileNotFoundError):  # moved into a storage
            os.unlink(handle.name)


def download(session, url: str, out: IO[bytes], *, what: str, limits: Limits) -> Downloaded:
    """Stream ``url`` into ``out``; raises ``TransportError`` (transient) when the transfer
    breaks, ends short or outlasts the deadline, ``PayloadError`` past ``max_bytes``."""
    deadline = time.monotonic() + limits.deadline
    host = urlsplit(url).hostname or "?"  # the signed query string stays out of messages
    try:
        response = session.get(
            url,
            stream=True,
            timeout=limits.timeout,
            # The bytes as stored, so that they match Content-Length and hash as served.
            headers={"Accept-Encoding": "identity"},
        )
    except requests.RequestException as exc:
        raise TransportError(f"Downloading {what} from {host} failed: {exc}") from exc
    with response:
        if response.status_code != 200:
            error = error_for_status(response.status_code, _first_bytes(response), url=host)
            # Its own words would blame "Creatify API"; this is the file host's answer.
            error.args = (f"Downloading {what} from {host} failed: HTTP {response.status_code}",)
            raise error
        declared = _declared_length(response)
        if declared is not None and declared > limits.max_bytes:
            raise PayloadError(
                f"{what} is {declared} bytes, over ARCHIVE_MAX_BYTES ({limits.max_bytes})"
            )
        hasher = _Hasher()
        size = 0
        try:
            for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise PayloadError(
                        f"{what} is over ARCHIVE_MAX_BYTES ({limits.max_bytes} bytes)"
                    )
                hasher.feed(chunk)
                out.write(chunk)
                if time.monotonic() > deadline:
                    raise TransportError(
                        f"Downloading {what} from {host} took longer than ARCHIVE_DEADLINE "
                        f"({limits.deadline:g} s) after {size} bytes"
                    )
        except (requests.RequestException, Urllib3Error, OSError) as exc:
            raise TransportError(
                f"Downloading {what} from {host} broke off after {size} bytes: {exc}"
            ) from exc
        finally:
            digest = hasher.finish()
        if declared is not None and size != declared:
            raise TransportError(
                f"Downloading {what} from {host} ended after {size} of {declared} bytes"
            )
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
    out.flush()
    return Downloaded(size, digest, content_type)


class _Hasher:
    """SHA-256 of the chunks fed to it, computed in its own thread."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._chunks: queue.Queue[bytes] = queue.Queue(HASH_QUEUE_CHUNKS)
        self._thread = threading.Thread(target=self._run, name="creatify-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while chunk := self._chunks.get():
            self._sha.update(chunk)

    def feed(self, chunk: bytes) -> None:
        if chunk:
            self._chunks.put(chunk)

    def finish(self) -> str:
        self._chunks.put(_END)
        self._thread.join()
        return self._sha.hexdigest()


def _declared_length(response) -> int | None:
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    try:
        value = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _first_bytes(response) -> bytes:
    try:
        return response.raw.read(512, decode_content=True) or b""
    except (Urllib3Error, OSError):
        return b""
