"""The README's Install section is a test: applied as written to a new startproject site.

The section's fenced blocks are read from README.md and applied mechanically:

- the ``bash`` block with ``pip install django-creatify`` runs in a fresh virtualenv, with a
  wheel built from this checkout in place of the name (its dependencies come from the
  package index);
- the ``python`` block headed ``# settings.py: add at the end`` is appended to the
  ``settings.py`` that ``django-admin startproject`` wrote;
- the ``python`` block headed ``# urls.py: the whole file`` replaces ``urls.py``;
- the other ``bash`` block's ``python manage.py ...`` lines run in order, and a line's
  ``# comment`` is (a line of) the output the README promises for it.

The test adds what a reader would fill in themselves, and says so in the settings file:
the sandbox's URL and credentials instead of a real account, and a webhook secret.
"""

from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from django_creatify.sandbox import Sandbox

from .awkward_jobs import AWKWARD_NAMES, add_awkward_jobs

ROOT = Path(__file__).resolve().parent.parent
PROJECT_NAME = "django-creatify"
SETTINGS_HEADER = "# settings.py: add at the end"
URLS_HEADER = "# urls.py: the whole file"
LOGIN_REQUIRED = "django.contrib.auth.middleware.LoginRequiredMiddleware"
WEBHOOK_SECRET = "install-test-webhook-secret-0123456789"
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin-password-for-the-install-test"
JOBS = 12  # the number the README's creatify_sync comment shows
PIP_TIMEOUT = 240
COMMAND_TIMEOUT = 60
SERVER_START_TIMEOUT = 30
HTTP_TIMEOUT = 15


# -- The README's Install section, read as data ----------------------------------------


@dataclass
class InstallSteps:
    pip: list[list[str]]
    settings: str
    urls: str
    commands: list[tuple[list[str], str | None]]


def install_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Install\n(.*?)(?=^## )", readme, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Install' section"
    return match.group(1)


def shell_lines(block: str) -> list[tuple[list[str], str | None]]:
    """Each line's argv and the output shown in its trailing ``# comment``, if any."""
    lines = []
    for line in block.splitlines():
        command, _, shown = line.partition(" #")
        if command.strip():
            lines.append((shlex.split(command), shown.strip() or None))
    return lines


def install_steps() -> InstallSteps:
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", install_section(), re.MULTILINE | re.DOTALL)
    python = {body.splitlines()[0]: body for lang, body in blocks if lang == "python"}
    assert set(python) == {SETTINGS_HEADER, URLS_HEADER}, list(python)
    pip, commands = [], []
    for lang, body in blocks:
        if lang != "bash":
            continue
        for argv, shown in shell_lines(body):
            if argv[:2] == ["pip", "install"]:
                assert PROJECT_NAME in argv, argv
                pip.append(argv)
            else:
                assert argv[:2] == ["python", "manage.py"], f"no rule to apply {argv}"
                commands.append((argv, shown))
    assert pip and commands
    return InstallSteps(pip, python[SETTINGS_HEADER], python[URLS_HEADER], commands)


# -- Processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env() -> dict[str, str]:
    """This test run's environment without what would point the new site elsewhere."""
    dropped = ("DJANGO_", "CREATIFY_", "CELERY_")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(dropped) and key not in ("DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV")
    }
    # A bare startproject site has no Celery app; Celery's default one reads its broker
    # from here. In memory, the webhook's refresh is queued without any network.
    env["CELERY_BROKER_URL"] = "memory://"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(argv, cwd, timeout=COMMAND_TIMEOUT, check=True, **env) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(arg) for arg in argv],
        cwd=cwd,
        env={**site_env(), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, f"{argv} failed:\n{result.stdout}{result.stderr}"
    return result


@dataclass
class Site:
    root: Path
    python: Path
    jobs: list[dict]

    def manage(self, *args, **kwargs) -> subprocess.CompletedProcess:
        return run([self.python, "manage.py", *args], self.root, **kwargs)


@pytest.fixture(scope="session")
def install_plan() -> InstallSteps:
    return install_steps()


@pytest.fixture(scope="session")
def installed_python(tmp_path_factory, install_plan) -> Path:
    """A fresh virtualenv after the README's pip command, with this checkout's wheel."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "django_creatify",
        source / "django_creatify",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    dist = work / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, source]
    run(pip_wheel, work, timeout=PIP_TIMEOUT)
    (wheel,) = dist.glob("django_creatify-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv], work)
    for argv in install_plan.pip:
        args = [wheel if arg == PROJECT_NAME else arg for arg in argv[1:]]
        run([venv / "bin" / "pip", "-q", *args], work, timeout=PIP_TIMEOUT)
    return venv / "bin" / "python"


@pytest.fixture(scope="session")
def served_sandbox():
    # Seeded jobs and awkward ones (no name, the longest, markup): the installed admin must
    # show each escaped.
    sandbox = Sandbox(jobs=JOBS - len(AWKWARD_NAMES), seed=11, manual_clock=True)
    add_awkward_jobs(sandbox)
    server = sandbox.serve()
    try:
        yield server.url, sandbox.payloads()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def site(tmp_path_factory, install_plan, installed_python, served_sandbox) -> Site:
    """startproject, then the README's settings, urls.py and commands, in that order."""
    url, jobs = served_sandbox
    root = tmp_path_factory.mktemp("site")
    django_admin = installed_python.parent / "django-admin"
    run([django_admin, "startproject", "hostsite", root], root)
    package = root / "hostsite"
    settings_py = package / "settings.py"
    settings_py.write_text(
        settings_py.read_text()
        + "\n"
        + install_plan.settings
        + "\n# Added by tests/test_install.py, not from the README: the sandbox instead of"
        + " Creatify,\n# and a webhook secret.\n"
        + f"CREATIFY.update(API_ID='sandbox-id', API_KEY='sandbox-key', BASE_URL={url!r},"
        + f" WEBHOOK_SECRET={WEBHOOK_SECRET!r})\n"
    )
    (package / "urls.py").write_text(install_plan.urls)
    # Variants for the tests below, each the README's settings plus one change.
    (package / "settings_login_required.py").write_text(
        f"from .settings import *  # noqa\n\nMIDDLEWARE = [*MIDDLEWARE, {LOGIN_REQUIRED!r}]\n"
    )
    (package / "settings_without_filters.py").write_text(
        "from .settings import *  # noqa\n\n"
        "INSTALLED_APPS = [app for app in INSTALLED_APPS if app != 'django_filters']\n"
    )
    new_site = Site(root, installed_python, jobs)

    checked = new_site.manage("check")
    assert "System check identified no issues" in checked.stdout, checked.stdout
    for argv, shown in install_plan.commands:
        result = new_site.manage(*argv[2:])
        if shown is not None:
            # A command printing a line per family shows one of them in the README.
            assert shown in result.stdout.splitlines(), (argv, result.stdout, result.stderr)
    new_site.manage(
        "createsuperuser",
        "--noinput",
        f"--username={ADMIN_USER}",
        "--email=admin@example.com",
        DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
    )
    return new_site


@contextmanager
def serving(site: Site, settings_module: str):
    """``manage.py runserver`` on a free loopback port, until it answers."""
    port = free_port()
    log_path = site.root / f"runserver-{port}.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(site.python),
                "manage.py",
                "runserver",
                "--noreload",
                f"--settings={settings_module}",
                f"127.0.0.1:{port}",
            ],
            cwd=site.root,
            env=site_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                requests.get(f"{base}/admin/login/", timeout=HTTP_TIMEOUT)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"runserver did not start:\n{log_path.read_text()}")
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def logged_in(base: str) -> requests.Session:
    browser = requests.Session()
    login_url = f"{base}/admin/login/"
    browser.get(login_url, timeout=HTTP_TIMEOUT)
    response = browser.post(
        login_url,
        data={
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": login_url},
        timeout=HTTP_TIMEOUT,
    )
    assert response.url == f"{base}/admin/", response.url
    return browser


# -- What the README promises ----------------------------------------------------------


@pytest.mark.parametrize("login_required", [False, True], ids=["plain", "login_required"])
def test_the_install_section_gives_a_working_site(site, login_required):
    module = "hostsite.settings_login_required" if login_required else "hostsite.settings"
    job_ids = {job["id"] for job in site.jobs}
    hooked = site.jobs[int(login_required)]
    # Every view of a bare startproject site (the admin's) is exempt or answers the same
    # under the middleware, so look at the settings the server will run with.
    middleware = site.manage("diffsettings", f"--settings={module}").stdout
    assert (LOGIN_REQUIRED in middleware) is login_required
    with serving(site, module) as base:
        webhook = requests.post(
            f"{base}/creatify/webhook/{WEBHOOK_SECRET}/",
            json={"id": hooked["id"], "status": "done"},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert webhook.status_code == 200, webhook.headers.get("Location")
        assert webhook.json() == {"received": True, "id": hooked["id"]}

        anonymous = requests.get(
            f"{base}/creatify/api/aurora/",
            headers={"Accept": "application/json"},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert anonymous.status_code in (401, 403), anonymous.headers.get("Location")
        assert "detail" in anonymous.json()

        basic = requests.get(
            f"{base}/creatify/api/aurora/",
            auth=(ADMIN_USER, ADMIN_PASSWORD),
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert basic.status_code == 200, basic.headers.get("Location")
        assert {job["id"] for job in basic.json()["results"]} == job_ids

        browser = logged_in(base)
        as_json = browser.get(
            f"{base}/creatify/api/aurora/",
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
        assert as_json.status_code == 200 and as_json.json()["count"] == JOBS

        browsable = browser.get(
            f"{base}/creatify/api/aurora/", headers={"Accept": "text/html"}, timeout=HTTP_TIMEOUT
        )
        assert browsable.status_code == 200, browsable.text[:2000]
        assert browsable.headers["Content-Type"].startswith("text/html")
        assert 'name="status"' in browsable.text  # django-filter's form rendered

        changelist = browser.get(f"{base}/admin/django_creatify/auroraflow/", timeout=HTTP_TIMEOUT)
        assert changelist.status_code == 200
        for job in site.jobs:
            assert html.escape(job["name"] or job["id"]) in changelist.text, job["id"]

        change = browser.get(
            f"{base}/admin/django_creatify/auroraflow/{hooked['id']}/change/",
            timeout=HTTP_TIMEOUT,
        )
        assert change.status_code == 200 and hooked["id"] in change.text

        events = browser.get(f"{base}/admin/django_creatify/webhookevent/", timeout=HTTP_TIMEOUT)
        assert events.status_code == 200 and hooked["id"] in events.text
        assert "Refresh queued" in events.text  # to the in-memory broker; no worker here


def test_leaving_out_django_filters_is_named_by_check(site):
    result = site.manage("check", "--settings=hostsite.settings_without_filters", check=False)
    assert result.returncode == 1
    assert "django_creatify.E005" in result.stderr
    assert 'Add "django_filters" to INSTALLED_APPS' in result.stderr
