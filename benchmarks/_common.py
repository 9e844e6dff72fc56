"""Shared harness for the benchmarks: Django set-up, query counting, peak memory, the
sandbox in a subprocess and a description of the machine.

Import it from a script in this folder (``python benchmarks/<script>.py`` puts this folder
on ``sys.path``); it is not a package and never runs as a test.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SANDBOX_API_ID = "sandbox-id"
SANDBOX_API_KEY = "sandbox-key"
DAY = 24 * 60 * 60

# -- Django ---------------------------------------------------------------------------


def configure_django(
    database_url: str, *, creatify: dict[str, Any] | None = None, **more_settings: Any
) -> None:
    """A minimal host site: admin, DRF, the app; DEBUG off so no query log grows.
    ``more_settings`` are added as they are (``STORAGES=...``)."""
    import django
    from django.conf import settings

    from example_project.database_url import parse_database_url

    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-not-secret",
        ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"],
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "rest_framework",
            "django_filters",
            "django_creatify",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        ROOT_URLCONF=__name__,
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": parse_database_url(database_url)},
        USE_TZ=True,
        TIME_ZONE="UTC",
        STATIC_URL="static/",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CREATIFY=creatify or {"API_ID": SANDBOX_API_ID, "API_KEY": SANDBOX_API_KEY},
        LOGGING={
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "loggers": {"django_creatify": {"handlers": ["console"], "level": "WARNING"}},
        },
        **more_settings,
    )
    django.setup()


def _floor_list(request, family: str):
    """The DRF list's floor: a plain view, the same staff check, ``.values()`` as JSON."""
    from django.http import HttpResponseForbidden, JsonResponse

    from django_creatify.families import get_family

    if not request.user.is_staff:
        return HttpResponseForbidden()
    model = get_family(family).model
    return JsonResponse(list(model.objects.values()[:100]), safe=False)


def __getattr__(name: str) -> Any:
    # ROOT_URLCONF is this module; the patterns need Django set up, so build them lazily.
    if name == "urlpatterns":
        from django.contrib import admin
        from django.urls import include, path

        return [
            path("admin/", admin.site.urls),
            path("creatify/", include("django_creatify.urls")),
            path("bench/floor/<str:family>/", _floor_list),
        ]
    raise AttributeError(name)


WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
CTE_WRITE_SQL = re.compile(r"^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


class QueryCounter:
    """Counts every statement Django sends, the writing ones, and the rows they changed.

    ``rows_written`` is the drivers' ``rowcount`` summed over INSERT/UPDATE/DELETE
    statements, so it counts what the database really changed, whatever the ORM call.
    """

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self.queries = 0
        self.write_statements = 0
        self.rows_written = 0
        self._wrapper = None

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        result = execute(sql, params, many, context)
        if WRITE_SQL.match(sql) or CTE_WRITE_SQL.match(sql):
            self.write_statements += 1
            rowcount = getattr(context["cursor"], "rowcount", -1)
            if rowcount and rowcount > 0:
                self.rows_written += rowcount
        return result

    def __enter__(self) -> QueryCounter:
        from django.db import connections

        self._wrapper = connections[self.alias].execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._wrapper.__exit__(*exc_info)


# -- memory ---------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux: ``VmHWM`` from ``/proc/self/status``, the high-water mark of this process
    image only (``ru_maxrss`` can carry the parent's peak across fork+exec). Elsewhere:
    ``getrusage(RUSAGE_SELF).ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# -- the sandbox in its own process ---------------------------------------------------


class SandboxProcess:
    """``python -m django_creatify.sandbox`` on a free loopback port, driven over HTTP.

    Its memory stays out of the measured process. It holds ``jobs`` jobs of ``family``
    and none of any other, seeded through the control API. Every job is then moved to a
    final status (the clock is advanced two days, and any job still moving is finished),
    so payloads do not change between reads unless :meth:`change` changes them; the list
    is read once to warm its caches.
    """

    def __init__(self, jobs: int, family: str = "aurora", seed: int = 1) -> None:
        import requests

        self.jobs = jobs
        self.family = family
        self.changes = 0
        command = [sys.executable, "-m", "django_creatify.sandbox", "--addr", "127.0.0.1:0"]
        command += ["--jobs", "0", "--family-jobs", "0", "--seed", str(seed)]
        command += ["--api-id", SANDBOX_API_ID, "--api-key", SANDBOX_API_KEY]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.process.stdout.readline()
        match = re.search(r"(http://\S+?)/? ", line)
        if not match:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.url = match[1].rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False
        try:
            self._seed(jobs, seed)
        except BaseException:
            self.stop()
            raise

    def _seed(self, jobs: int, seed: int) -> None:
        # The answer lists every new job: drained, not decoded, since only the count matters.
        with self.session.post(
            f"{self.url}/_sandbox/jobs",
            json={"family": self.family, "count": jobs, "seed": seed},
            stream=True,
            timeout=3600,
        ) as response:
            response.raise_for_status()
            for _chunk in response.iter_content(1 << 20):
                pass
        self.control("POST", "advance", {"seconds": 2 * DAY})
        self.control("POST", "finish", {"status": "done", "family": self.family})
        self.ids, moving = self._list()
        if len(self.ids) != jobs:
            raise RuntimeError(f"the sandbox lists {len(self.ids)} {self.family} jobs, not {jobs}")
        if moving:
            raise RuntimeError(f"{moving} {self.family} jobs are still moving")
        self.clear_requests()

    @property
    def path(self) -> str:
        return f"/api/{self.family}/"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-ID": SANDBOX_API_ID, "X-API-KEY": SANDBOX_API_KEY}

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.session.request(
            method, f"{self.url}/_sandbox/{path}", json=body, timeout=600
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def _list(self) -> tuple[list[str], int]:
        """The ids in list order and how many jobs are not final (reading the list also
        warms the sandbox's payload caches)."""
        from django_creatify.listing import JsonArrayBody
        from django_creatify.sandbox.timeline import FINAL_STATUSES

        with (
            tempfile.TemporaryFile() as spool,
            self.session.get(
                self.url + self.path, headers=self.headers, stream=True, timeout=600
            ) as response,
        ):
            response.raise_for_status()
            for chunk in response.iter_content(1 << 20):
                spool.write(chunk)
            # No Django settings in this process: the item limit is given, not read.
            body = JsonArrayBody(spool, source="list", max_item_bytes=1 << 30)
            ids, moving = [], 0
            for item in body.scan():
                ids.append(item.value["id"])
                moving += item.value["status"] not in FINAL_STATUSES
            return ids, moving

    def warm(self) -> None:
        """Read the list once (rebuilds the payloads a change invalidated), untimed."""
        with self.session.get(
            self.url + self.path, headers=self.headers, stream=True, timeout=600
        ) as response:
            response.raise_for_status()
            for _chunk in response.iter_content(1 << 20):
                pass
        self.clear_requests()

    def change(self, fraction: float) -> int:
        """Rename every (1/fraction)-th job: a real remote change. Each call renames
        another slice of the jobs, to names never used before, so that however many
        changes came before (for another database, say) every renamed job differs."""
        step = round(1 / fraction)
        generation = self.changes
        self.changes += 1
        changed = self.ids[generation % step :: step]
        for number, job_id in enumerate(changed):
            self.control("PATCH", f"jobs/{job_id}", {"name": f"renamed {generation}-{number}"})
        self.warm()
        return len(changed)

    def api_requests(self) -> int:
        return len(self.control("GET", "requests"))

    def clear_requests(self) -> None:
        self.control("DELETE", "requests")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# -- children, machine ----------------------------------------------------------------

RESULT_PREFIX = "RESULT "


def run_child(script: Path, spec: dict[str, Any], timeout: float = 3600) -> dict[str, Any]:
    """Run ``script --worker SPEC`` in a fresh interpreter; return its RESULT line as a dict."""
    completed = subprocess.run(
        [sys.executable, str(script), "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = (completed.stderr or completed.stdout).strip().splitlines()[-15:]
    return {"error": f"exit {completed.returncode}: " + " | ".join(tail)}


def emit_result(data: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(data), flush=True)


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self.started


def machine(postgres_version: str | None = None) -> dict[str, Any]:
    memory_gb = None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import django

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
    }
