"""Start a real Celery worker (``celery -A example_project worker``) as a subprocess.

Shared by ``test_celery_worker.py`` and ``benchmarks/celery_refresh.py``. The worker uses
``tests.celery_worker_settings``: the given database name, sandbox and a private queue.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60.0
CHUNK_TASK = "django_creatify.tasks.refresh_jobs"
SUCCEEDED = re.compile(r"pid=(?P<pid>\d+)\] Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]+)\] succeeded")


def new_queue_name() -> str:
    return f"creatify-test-{uuid.uuid4().hex[:12]}"


class WorkerProcess:
    """A ``celery worker`` subprocess whose merged output is collected line by line."""

    def __init__(
        self,
        *,
        database_name: str,
        sandbox_url: str,
        api_id: str,
        api_key: str,
        pool: str = "prefork",
        concurrency: int = 1,
        queue: str | None = None,
        name: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """``queue`` lets several workers share one queue (each needs its own ``name``);
        ``env`` adds environment variables (see ``tests/celery_worker_settings.py``)."""
        self.queue = queue or new_queue_name()
        self.name = name or self.queue
        self.broker_url = os.environ["CELERY_BROKER_URL"]
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "example_project",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            f"--queues={self.queue}",
            f"--hostname={self.name}@%h",
            # Nothing to agree on with other workers: skip the seconds these cost at start.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.celery_worker_settings",
            "CREATIFY_WORKER_DATABASE_NAME": database_name,
            "CREATIFY_WORKER_QUEUE": self.queue,
            "CREATIFY_API_ID": api_id,
            "CREATIFY_API_KEY": api_key,
            "CREATIFY_BASE_URL": sandbox_url,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.lines: list[str] = []
        self.process: subprocess.Popen | None = None

    @property
    def nodename(self) -> str:
        """The worker's node name, for remote control (``app.control.inspect``)."""
        return f"{self.name}@{socket.gethostname()}"

    def start(self, wait: bool = True) -> WorkerProcess:
        """Start the worker; with ``wait=False`` call :meth:`wait_ready` before using it."""
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # so stop() can reach the pool's child processes too
        )
        threading.Thread(target=self._collect, daemon=True).start()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        self.wait_for(lambda: any(" ready." in line for line in self.lines), STARTUP_TIMEOUT)

    def _collect(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str = "") -> None:
        """Poll ``condition`` until true; fail with the worker's log tail at the deadline."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process is not None and self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"celery worker exited ({code}):\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what or 'worker'} not done in {timeout}s:\n{self.tail()}")
            time.sleep(0.05)

    def succeeded(self, task: str = CHUNK_TASK) -> dict[str, str]:
        """Task id -> pid of the pool process, for each ``task`` the worker log says succeeded."""
        found = {}
        for line in list(self.lines):
            match = SUCCEEDED.search(line)
            if match and match["task"] == task:
                found[match["id"]] = match["pid"]
        return found

    def tail(self, count: int = 40) -> str:
        return "\n".join(self.lines[-count:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self._forget_queue()

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool, as the OOM killer or a lost
        host would: nothing is acknowledged, requeued or cleaned up, the queue is kept."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def pool_pids(self) -> list[int]:
        """The pids of the worker's pool processes (Linux: read from /proc)."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill_pool_processes(self) -> list[int]:
        """SIGKILL the pool processes only; the worker's main process sees them die."""
        pids = self.pool_pids()
        assert pids, "the worker has no pool process"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def _forget_queue(self) -> None:
        # Each run's queue is new: drop its keys so CI's Redis does not collect them.
        import redis

        client = redis.Redis.from_url(self.broker_url)
        try:
            client.delete(self.queue, f"_kombu.binding.{self.queue}")
        finally:
            client.close()

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
