"""Fixtures for the archive tests: a storage in a temporary directory, archiving turned on,
and a tiny file server that can misbehave in ways the sandbox does not (a body shorter
than its Content-Length, a reset mid-body, a large body made on the fly)."""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PIECE = bytes(range(256)) * 256  # 64 KiB, sent again and again


def body_of(size: int) -> bytes:
    return (PIECE * (size // len(PIECE) + 1))[:size]


def sha256_of_size(size: int) -> str:
    digest = hashlib.sha256()
    whole, rest = divmod(size, len(PIECE))
    for _ in range(whole):
        digest.update(PIECE)
    digest.update(PIECE[:rest])
    return digest.hexdigest()


class FileHandler(BaseHTTPRequestHandler):
    """``/file/<size>.mp4``: that many bytes; ``/short/<size>``: Content-Length ``size``,
    half of it, then the connection closes; ``/reset/<size>``: half, then a TCP reset;
    ``/status/<code>``: that status."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.paths.append(self.path)
        kind, _, arg = self.path.lstrip("/").partition("/")
        if kind == "status":
            self.send_response(int(arg))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        size = int(arg.split(".")[0])
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        sent = size if kind == "file" else size // 2
        whole, rest = divmod(sent, len(PIECE))
        for _ in range(whole):
            self.wfile.write(PIECE)
        self.wfile.write(PIECE[:rest])
        self.wfile.flush()
        if kind == "reset":
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if kind != "file":
            self.close_connection = True


@pytest.fixture
def file_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FileHandler)
    server.daemon_threads = True
    server.paths = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def archive_dir(request, settings, tmp_path):
    """Archiving on, into a ``FileSystemStorage`` under a temporary directory."""
    if "creatify_sandbox" in request.fixturenames:
        request.getfixturevalue("creatify_sandbox")  # its CREATIFY first, then ours on top
    location = tmp_path / "archive"
    location.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_STORAGE": "archive"}
    return location


def stored_files(location) -> list[str]:
    return sorted(str(path.relative_to(location)) for path in location.rglob("*") if path.is_file())
