"""A pool of workers, each with its own scratch copy of the repository.

The user's work tree is only read, once, to make the copies; mutated files are written in
the copies alone, and each is restored by its worker after every job.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import config


@dataclass
class Job:
    """One pytest run: ``source`` is the mutated text of ``path``, ``None`` for the original."""

    name: str
    path: str
    tests: tuple[str, ...]
    timeout: float
    source: str | None = None
    database_url: str | None = None
    payload: Any = None
    answer: dict = field(default_factory=dict)

    def message(self, worker_index: int) -> str:
        env = {}
        if self.database_url:
            env["DATABASE_URL"] = per_worker_url(self.database_url, worker_index)
        module_name = self.path.removesuffix(".py").replace("/", ".")
        return json.dumps(
            {
                "path": self.path,
                "module_name": module_name,
                "source": self.source,
                "tests": list(self.tests),
                "timeout": self.timeout,
                "env": env,
                "pytest_args": list(config.PYTEST_ARGS),
            }
        )


def per_worker_url(url: str, index: int) -> str:
    """Each worker its own database: ``.../wt_mutation`` becomes ``.../wt_mutation_1``."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "mutation"
    return urlunsplit(parts._replace(path=f"/{name}_{index}"))


def make_copy(repo: Path, dest: Path) -> None:
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns(*config.SCRATCH_IGNORE))


class Worker:
    def __init__(self, index: int, root: Path, python: str):
        self.index = index
        self.root = root
        env = dict(os.environ, MUTATION_PACKAGE=config.PACKAGE, PYTHONDONTWRITEBYTECODE="1")
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
            [python, "-m", "tools.mutation.worker", str(root)],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.process.stdout.readline()
        if not ready:
            raise RuntimeError(f"mutation worker {index} did not start (see its stderr above)")

    def run(self, job: Job) -> dict:
        self.process.stdin.write(job.message(self.index) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"mutation worker {self.index} stopped during {job.name}")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the worker kills its running child, then exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Pool:
    """``jobs`` workers; ``run`` feeds them jobs and lets a finished job queue follow-ups."""

    def __init__(self, repo: Path, jobs: int, python: str = sys.executable, keep: bool = False):
        self.scratch = Path(tempfile.mkdtemp(prefix="mutation-"))
        self.keep = keep
        self.workers: list[Worker] = []
        try:
            for index in range(1, jobs + 1):
                root = self.scratch / f"w{index}"
                make_copy(repo, root)
                self.workers.append(Worker(index, root, python))
        except BaseException:
            self.close()
            raise

    def run(self, jobs: Iterable[Job], done: Callable[[Job], Iterable[Job]]) -> None:
        """Run every job; ``done(job)`` is called with the answer set and may return more."""
        pending: queue.Queue[Job | None] = queue.Queue()
        count = 0
        for job in jobs:
            pending.put(job)
            count += 1
        lock = threading.Lock()
        stop = threading.Event()
        outstanding = [count]
        failures: list[BaseException] = []

        def serve(worker: Worker) -> None:
            while True:
                job = pending.get()
                if job is None or stop.is_set():
                    return
                try:
                    job.answer = worker.run(job)
                    with lock:
                        more = list(done(job))
                        outstanding[0] += len(more) - 1
                        finished = outstanding[0] == 0
                    for extra in more:
                        pending.put(extra)
                except BaseException as exc:  # reported after the threads stop
                    failures.append(exc)
                    stop.set()
                    finished = True
                if finished:
                    for _ in self.workers:
                        pending.put(None)

        if count == 0:
            return
        threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in self.workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        if not self.keep:
            shutil.rmtree(self.scratch, ignore_errors=True)
