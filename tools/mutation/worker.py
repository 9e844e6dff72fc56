"""One worker: owns a scratch copy of the repository and runs pytest there, one job at a time.

Started as ``python -m tools.mutation.worker ROOT`` with ROOT its scratch copy. It imports
pytest, its plugins and the heavy third-party libraries once, then forks a child per job, so
a run pays the few seconds of imports once instead of once per mutant. Nothing of the
project is imported before the fork: each child imports the (mutated) package afresh.

Jobs arrive as JSON lines on stdin; each answer is one JSON line on stdout.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

PRELOAD = (
    "django",
    "django.test",
    "django.db.models",
    "rest_framework",
    "celery",
    "requests",
    "psycopg",
    "hypothesis",
)
# The child's view of the environment: SQLite unless a job names a database, no broker,
# and CI unset so tests that need absent services skip instead of failing.
SCRUBBED_ENV = ("DATABASE_URL", "CELERY_BROKER_URL", "CI")


def preload(package: str) -> None:
    for name in PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for plugin in entry_points(group="pytest11"):
        if plugin.value.split(".")[0] == package:
            continue
        with contextlib.suppress(Exception):
            plugin.load()
    import pytest  # noqa: F401

    if package in sys.modules:
        sys.exit(f"mutation worker: {package} was imported before the fork; mutants would not load")


def run_child(root: Path, job: dict, log: Path, result: Path) -> None:
    """In the forked child: run pytest on the job's files and never return."""
    code = 4
    try:
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        for name in SCRUBBED_ENV:
            os.environ.pop(name, None)
        os.environ.update(job.get("env", {}))
        os.chdir(root)
        sys.path.insert(0, str(root))
        # Only unmutated runs write bytecode, so no cached file can hold a mutant; later runs
        # reuse pytest's rewritten tests, and a mutated module's new mtime rules out its cache.
        sys.dont_write_bytecode = job.get("source") is not None
        import pytest

        code = int(pytest.main([*job["pytest_args"], *job["tests"]]))
        module = sys.modules.get(job["module_name"])
        origin = getattr(module, "__file__", None)
        result.write_text(json.dumps({"origin": origin}))
    except BaseException as exc:  # the child must always reach _exit
        with contextlib.suppress(Exception):
            os.write(2, f"\nmutation worker child: {exc!r}\n".encode())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def wait(pid: int, timeout: float) -> tuple[int | None, float]:
    """The child's exit code (``None`` on timeout, after killing its process group)."""
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        elapsed = time.monotonic() - start
        if done:
            return os.waitstatus_to_exitcode(status), elapsed
        if elapsed > timeout:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None, elapsed
        time.sleep(0.05)


def outcome(code: int | None, origin: str | None, target: Path) -> str:
    if code is None:
        return "timeout"
    if code in (1, 2, 3):  # failed, interrupted (a collection error), internal error
        return "killed"
    if code == 0:
        if origin is None or Path(origin).resolve() != target.resolve():
            return "error"  # the tests passed without loading the mutated file
        return "survived"
    return "error"  # usage error, no tests collected, killed by a signal


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def failed_test(path: Path) -> str | None:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" ", 2)[1]
    return None


def stop(signum, frame):
    raise SystemExit(1)


def serve(root: Path) -> None:
    signal.signal(signal.SIGTERM, stop)
    package = os.environ.get("MUTATION_PACKAGE", "django_creatify")
    preload(package)
    log, result = root / ".mutation-log.txt", root / ".mutation-result.json"
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        target = root / job["path"]
        original = target.read_bytes()
        result.unlink(missing_ok=True)
        try:
            if job.get("source") is not None:
                target.write_text(job["source"], encoding="utf-8")
            pid = os.fork()
            if pid == 0:
                run_child(root, job, log, result)
            try:
                code, seconds = wait(pid, job["timeout"])
            except BaseException:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                raise
        finally:
            if job.get("source") is not None:
                target.write_bytes(original)
        origin = None
        if result.exists():
            origin = json.loads(result.read_text()).get("origin")
        status = outcome(code, origin, target)
        answer = {"status": status, "exit": code, "seconds": round(seconds, 2)}
        if status == "killed":
            answer["failed"] = failed_test(log)
        if status == "error" or job.get("source") is None:
            answer["log"] = tail(log)
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve(Path(sys.argv[1]).resolve())
