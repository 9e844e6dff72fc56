"""A threaded stdlib WSGI server for the sandbox, plus the webhook ticker."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

if TYPE_CHECKING:
    from .app import Sandbox

TICK_SECONDS = 0.1
STOP_TICKER_WAIT_SECONDS = 2.0


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a request stuck in a latency fault must not block exit
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many connections at once

    def server_bind(self) -> None:
        # HTTPServer.server_bind() asks DNS for our own name (socket.getfqdn), which can
        # take seconds on a machine with no resolver; loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()


class _ThreadingWSGIServerV6(_ThreadingWSGIServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class SandboxServer:
    """A running sandbox on ``url``; ``stop()`` it, or use it as a context manager."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        server_class = _ThreadingWSGIServerV6 if ":" in host else _ThreadingWSGIServer
        self._httpd = server_class((host, port), _QuietHandler)
        self._httpd.set_app(sandbox)
        self.host = host
        self.port: int = self._httpd.server_address[1]
        shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
        self.url = (
            f"http://[{shown}]:{self.port}" if ":" in shown else f"http://{shown}:{self.port}"
        )
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},  # how fast stop() returns
            name=f"creatify-sandbox:{self.port}",
            daemon=True,
        )
        self._ticker = threading.Thread(
            target=self._tick, name=f"creatify-sandbox-ticker:{self.port}", daemon=True
        )

    def start(self) -> SandboxServer:
        self._thread.start()
        self._ticker.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        # A webhook the ticker is still sending (to a host that does not answer) must not
        # hold up the stop: the ticker is a daemon and dies with the process.
        self._ticker.join(timeout=STOP_TICKER_WAIT_SECONDS)
        self.sandbox._server_stopped(self)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here).

        Sleeps rather than joining the thread: a join interrupted by Ctrl-C can leave the
        thread's lock taken, and stop()'s own join then never returns.
        """
        while self._thread.is_alive():
            time.sleep(0.2)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SandboxServer {self.url}>"

    def _tick(self) -> None:
        # Finds jobs that finished in real time and sends their webhooks.
        while not self._stopping.wait(TICK_SECONDS):
            self.sandbox.deliver_due()
