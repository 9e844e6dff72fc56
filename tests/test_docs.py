"""The documentation is a test: every code block a reader would paste is run or checked.

Fenced blocks are read from README.md and docs/**/*.md:

- ``python`` blocks that only assign settings (``CREATIFY = {...}``, ``STORAGES``...)
  are executed on top of a ``startproject`` settings module; each name must be a real
  Django, Celery or DRF setting, each ``CREATIFY`` key one the app knows, and with the
  new values in place the app's system checks must report nothing.
- other ``python`` blocks are executed in this Django test site, against the sandbox
  (the ``creatify_sandbox`` fixture) and a real database. The few names a reader brings
  (a job's id, their own functions) are given below in ``given_names``. A block that
  defines ``test_*`` functions has them run with the fixtures they ask for; receivers a
  block connects are driven by real status transitions (and a low credit balance), and
  every function of the reader's it calls must have been called.
- ``bash``/``sh``/``console``/``cron`` blocks: every command must be one this
  repository knows (a real management command with real options, an extra that
  pyproject.toml defines, a file that exists, a Celery or MkDocs subcommand and option).
- ``json`` and ``toml`` blocks must parse.

A block that is deliberately not run is preceded by ``<!-- not-tested: reason -->`` and
counted. Then the pages are checked against the code they describe: every ``CREATIFY``
key with its real default, each family's fields and create body, each command's options,
the mkdocstrings identifiers, links and images; and the README is checked as a front
page (its size, its quick-start commands as CI runs them, absolute links).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted([README, *DOCS.rglob("*.md")])
README_MAX_BYTES = 12 * 1024
# The Homepage in pyproject.toml: README links and images point here, so that they work
# on GitHub and on PyPI alike.
REPOSITORY = "https://github.com/django-creatify/django-creatify"
RAW = "https://raw.githubusercontent.com/django-creatify/django-creatify/main/"
# The two quick-start commands; .ci/run and readers copy them as they are.
QUICK_START = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[demo]'"
    " && .venv/bin/python manage.py demo",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest",
)
CHECKED_LANGUAGES = {"python", "bash", "sh", "console", "cron", "json", "toml"}
SHELL_LANGUAGES = {"bash", "sh", "console", "cron"}
NOT_TESTED = re.compile(r"^\s*<!--\s*not-tested:\s*(?P<reason>\S.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)[^\n]*$")
# Notes about how the project was made have no place in user-facing text.
PROCESS_NOTES = (
    r"\bfound (by|while building) the\b",
    r"\bthe brief\b",
    r"\bissue #?\d+",
    r"\bsessions?\b",
    r"\bTODO\b",
    r"\bFIXME\b",
    r"\bXXX\b",
)
# Tools a page may tell a developer to install that pyproject.toml does not list.
DOCS_TOOLS = {"mkdocs-material", "mkdocstrings", "mkdocs"}


# -- Reading the pages ------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    not_tested: str | None

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks_of(page: Path) -> Iterator[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        indent = fence["indent"]
        start = index
        body = []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            body.append(
                lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index]
            )
            index += 1
        assert index < len(lines), f"{page}:{start + 1}: unclosed code block"
        previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
        marker = NOT_TESTED.match(previous)
        yield Block(
            page=page,
            line=start + 1,
            lang=fence["lang"],
            code=textwrap.dedent("\n".join(body)) + "\n",
            not_tested=marker["reason"] if marker else None,
        )
        index += 1


BLOCKS = [block for page in PAGES for block in blocks_of(page)]
TESTED = [block for block in BLOCKS if block.not_tested is None]


def blocks(*langs: str, kind: Callable[[Block], bool] = lambda block: True) -> list:
    return [
        pytest.param(block, id=block.id) for block in TESTED if block.lang in langs and kind(block)
    ]


def page_text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under a ``## heading`` (or deeper), up to the next heading of its level."""
    match = re.search(
        rf"^(?P<level>#+) {re.escape(heading)}\n(?P<body>.*?)(?=^(?P=level) |\Z)",
        text,
        re.MULTILINE | re.DOTALL,
    )
    assert match, f"no section {heading!r}"
    return match["body"]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in ``text`` (header and separator rows left out)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or re.match(r"^\|[\s\-:|]+\|$", line):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows[1:] if rows else rows


def code_names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# -- Every block is checked, or marked --------------------------------------------------


def test_every_block_is_checked_or_marked_with_a_reason():
    unchecked = [block.id for block in TESTED if block.lang not in CHECKED_LANGUAGES]
    assert not unchecked, (
        "code blocks with no check for their language; give them one of "
        f"{sorted(CHECKED_LANGUAGES)} or a <!-- not-tested: reason --> line: {unchecked}"
    )
    marked = [block for block in BLOCKS if block.not_tested is not None]
    # The count is part of the contract: a new unrun block is a decision, not an accident.
    assert len(marked) <= 12, [block.id for block in marked]
    assert len(TESTED) >= 50, len(TESTED)


# -- Settings blocks ---------------------------------------------------------------------

STARTPROJECT_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]


def assigned_names(code: str) -> list[str] | None:
    """The names a block assigns, when assigning upper-case names is all it does."""
    names = []
    for statement in ast.parse(code).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
        elif isinstance(statement, ast.AugAssign | ast.AnnAssign):
            target = statement.target
        else:
            return None
        if not (isinstance(target, ast.Name) and target.id.isupper()):
            return None
        names.append(target.id)
    return names


def is_settings(block: Block) -> bool:
    return block.lang == "python" and assigned_names(block.code) is not None


def is_code(block: Block) -> bool:
    return block.lang == "python" and assigned_names(block.code) is None


def known_setting(name: str) -> bool:
    from celery.app.defaults import DEFAULTS as CELERY_DEFAULTS
    from django.conf import global_settings

    if name.startswith("CELERY_"):
        return name.removeprefix("CELERY_").lower() in CELERY_DEFAULTS
    return name in ("CREATIFY", "REST_FRAMEWORK") or hasattr(global_settings, name)


@pytest.mark.parametrize("block", blocks("python", kind=is_settings))
def test_a_settings_block_names_real_settings_and_passes_the_system_checks(block):
    from django.core.checks import run_checks
    from django.utils.module_loading import import_string
    from rest_framework.settings import DEFAULTS as DRF_DEFAULTS

    from django_creatify.conf import DEFAULTS

    namespace: dict = {"INSTALLED_APPS": list(STARTPROJECT_APPS)}
    exec(compile(block.code, block.id, "exec"), namespace)
    names = assigned_names(block.code)
    unknown = [name for name in names if not known_setting(name)]
    assert not unknown, f"not a Django, Celery or DRF setting: {unknown}"
    creatify = namespace.get("CREATIFY", {})
    assert set(creatify) <= set(DEFAULTS), set(creatify) - set(DEFAULTS)
    assert set(namespace.get("REST_FRAMEWORK", {})) <= set(DRF_DEFAULTS)
    for app in namespace["INSTALLED_APPS"]:
        importlib.import_module(app)
    for storage in namespace.get("STORAGES", {}).values():
        import_string(storage["BACKEND"])

    overrides = {name: namespace[name] for name in names if name != "INSTALLED_APPS"}
    with override_settings(**overrides):
        messages = [
            message
            for message in run_checks()
            if message.id and message.id.startswith("django_creatify.")
        ]
    assert not messages, messages


def test_the_settings_page_lists_every_key_with_its_real_default():
    from django_creatify.conf import DEFAULTS

    rows = table_rows(page_text("settings.md"))
    documented = {}
    for row in rows:
        if len(row) != 4 or not row[0].startswith("`"):
            continue
        (key,) = code_names(row[0])
        default = code_names(row[2])[0]
        assert key not in documented, f"{key} is documented twice"
        documented[key] = eval(default, {"__builtins__": {}})  # our own page's Python literals
    assert set(documented) == set(DEFAULTS), set(documented) ^ set(DEFAULTS)
    for key, default in documented.items():
        assert default == DEFAULTS[key], (key, default, DEFAULTS[key])


# -- Code blocks, run against the sandbox ------------------------------------------------


class Recorder:
    """A function of the reader's own (``send_video_ready_email(flow)``), recording calls."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple] = []

    def __call__(self, *args, **kwargs) -> None:
        self.calls.append(args)


READERS_FUNCTIONS = ("send_video_ready_email", "publish")


@pytest.fixture
def given_names(creatify_sandbox) -> dict:
    """What a reader has in their own code where a block uses it."""
    lipsync = creatify_sandbox.add_job("lipsyncs", status="running")
    shorts = creatify_sandbox.add_jobs(3, "ai_shorts")
    return {
        "job_id": lipsync["id"],
        "job_ids": [job["id"] for job in shorts],
        **{name: Recorder(name) for name in READERS_FUNCTIONS},
    }


def run_transitions(sandbox) -> None:
    """Jobs of every family appear, then finish (done and failed), through real syncs."""
    from django_creatify.families import FAMILIES
    from django_creatify.sync import sync_jobs

    for family in FAMILIES:
        done = sandbox.add_job(family, status="running")
        failed = sandbox.add_job(family, status="running")
        sync_jobs(family)
        sandbox.update_job(done["id"], status="done")
        sandbox.update_job(failed["id"], status="failed", failed_reason="The audio is silent.")
        sync_jobs(family)


def run_low_credits(sandbox, mailoutbox) -> None:
    from django.conf import settings

    from django_creatify import credits

    sandbox.credits = 5
    creatify = {**settings.CREATIFY, "CREDITS_WARNING_THRESHOLD": 100}
    with override_settings(CREATIFY=creatify, ADMINS=[("Billing", "billing@example.com")]):
        credits.refresh_balance()
    assert mailoutbox, "a credits_low receiver was connected, but nothing was sent"


@pytest.fixture
def restored_signals_and_celery():
    """Receivers a block connects, and the Celery app it makes, do not outlive it."""
    from celery import _state

    from django_creatify import signals

    all_signals = [signals.job_status_changed, signals.aurora_status_changed, signals.credits_low]
    before = {signal: list(signal.receivers) for signal in all_signals}
    current_app = _state.get_current_app()
    yield before
    _state._set_current_app(current_app)
    for signal, receivers in before.items():
        with signal.lock:
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("block", blocks("python", kind=is_code))
def test_a_python_block_runs(
    block, request, creatify_sandbox, given_names, restored_signals_and_celery, mailoutbox
):
    from celery import Celery
    from django.contrib.admin import AdminSite, site

    from django_creatify.schedule import beat_schedule

    namespace = {"__name__": "docs_example", **given_names}
    exec(compile(block.code, block.id, "exec"), namespace)

    for name, function in list(namespace.items()):
        if name.startswith("test_") and callable(function):
            params = function.__code__.co_varnames[: function.__code__.co_argcount]
            function(*(request.getfixturevalue(param) for param in params))

    from django_creatify import signals

    connected = {
        signal: [receiver for receiver in signal.receivers if receiver not in receivers]
        for signal, receivers in restored_signals_and_celery.items()
    }
    if connected[signals.job_status_changed] or connected[signals.aurora_status_changed]:
        run_transitions(creatify_sandbox)
    if connected[signals.credits_low]:
        run_low_credits(creatify_sandbox, mailoutbox)
    for name in READERS_FUNCTIONS:
        if re.search(rf"\b{name}\(", block.code):
            assert namespace[name].calls, f"{name}() was never called"

    for value in namespace.values():
        if isinstance(value, Celery):
            assert set(beat_schedule()) <= set(value.conf.beat_schedule)
        if isinstance(value, AdminSite) and value is not site:
            assert value._registry, f"nothing registered on {value.name}"


@pytest.mark.parametrize("block", blocks("json"))
def test_a_json_block_parses(block):
    json.loads(block.code)


@pytest.mark.parametrize("block", blocks("toml"))
def test_a_toml_block_parses(block):
    tomllib.loads(block.code)


# -- Shell blocks: real commands, options, extras and files ------------------------------


def logical_lines(block: Block) -> list[str]:
    text = block.code.replace("\\\n", " ")
    lines = []
    for line in text.splitlines():
        if block.lang == "console":
            if not line.startswith("$ "):
                continue  # output
            line = line[2:]
        elif block.lang == "cron":
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            line = line.split(None, 5)[5]
        lines.append(line)
    return lines


def commands_of(block: Block) -> Iterator[list[str]]:
    """Each simple command of the block, as argv: ``&&``/``;``/``|`` split, comments,
    leading ``VAR=value`` and ``flock -n FILE`` wrappers removed."""
    for line in logical_lines(block):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        argv: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("&&", "||", ";", "|"):
                while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", argv[0]):
                    argv.pop(0)
                if argv[:2] == ["flock", "-n"]:
                    argv = argv[3:]
                if argv:
                    yield argv
                argv = []
            else:
                argv.append(token)


def program(name: str) -> str:
    name = name.removeprefix(".venv/bin/")
    return "python" if name in ("python3", "python") else name


def option_names(args: list[str]) -> list[str]:
    return [arg.split("=", 1)[0] for arg in args if arg.startswith("-") and arg != "-"]


def script_options(path: Path) -> set[str]:
    """The ``--options`` a script's argparse declares, read from its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("-")
    }


def check_manage_py(args: list[str]) -> None:
    from django.core.management import get_commands, load_command_class

    name, *options = args
    commands = get_commands()
    assert name in commands, f"manage.py has no command {name!r}"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    parser.parse_args(options)  # CommandError for an unknown option or a bad value


def check_pip(args: list[str]) -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = pyproject()
    extras = set(project["project"]["optional-dependencies"])
    groups = set(project.get("dependency-groups", {}))
    named = {
        canonicalize_name(Requirement(spec).name)
        for specs in [
            project["project"]["dependencies"],
            *project["project"]["optional-dependencies"].values(),
        ]
        for spec in specs
    }
    assert args[0] == "install", args
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg in ("-q", "-e", "-U", "--upgrade"):
            continue
        if arg == "--group":
            group = rest.pop(0)
            assert group in groups, f"pyproject.toml has no dependency group {group!r}"
            continue
        assert not arg.startswith("-"), f"pip option {arg} has no rule here"
        if arg.startswith("."):
            wanted = set(re.findall(r"\[(.*)\]", arg)[0].split(",")) if "[" in arg else set()
            assert wanted <= extras, f"pyproject.toml has no extra {wanted - extras}"
            continue
        requirement = Requirement(arg)
        name = canonicalize_name(requirement.name)
        if name == "django-creatify":
            assert requirement.extras <= extras, requirement.extras - extras
        else:
            assert name in named | {"pip"} | DOCS_TOOLS, f"{name} is not a dependency"


def check_python(args: list[str]) -> None:
    if args[:2] == ["-m", "venv"]:
        return
    if args[0] == "manage.py":
        check_manage_py(args[1:])
    elif args[:2] == ["-m", "django_creatify.sandbox"]:
        import argparse

        from django_creatify.sandbox import cli

        parser = argparse.ArgumentParser(prog="python -m django_creatify.sandbox")
        cli.add_arguments(parser)
        try:
            parser.parse_args(args[2:])
        except SystemExit:
            raise AssertionError(f"python -m django_creatify.sandbox refuses {args[2:]}") from None
    elif args[:2] == ["-m", "tools.mutation"]:
        unknown = set(option_names(args[2:])) - script_options(ROOT / "tools/mutation/__main__.py")
        assert not unknown, unknown
    elif args[0].endswith(".py"):
        script = ROOT / args[0]
        assert script.is_file(), f"no script {args[0]}"
        unknown = set(option_names(args[1:])) - script_options(script)
        assert not unknown, f"{args[0]} has no option {unknown}"
    else:
        raise AssertionError(f"no rule for python {args}")


def check_click(group, args: list[str], what: str) -> None:
    """A click program's subcommand and options exist (no callback runs)."""
    group_options = {opt for param in group.params for opt in [*param.opts, *param.secondary_opts]}
    while args and args[0].startswith("-"):
        option = args.pop(0)
        assert option.split("=")[0] in group_options, f"{what} has no option {option}"
        if "=" not in option and args:
            args.pop(0)  # its value
    name, *rest = args
    assert name in group.commands, f"{what} has no subcommand {name!r}"
    command = group.commands[name]
    known = {opt for param in command.params for opt in [*param.opts, *param.secondary_opts]}
    unknown = set(option_names(rest)) - known
    assert not unknown, f"{what} {name} has no option {unknown}"


def check_command(argv: list[str]) -> None:
    name, args = program(argv[0]), argv[1:]
    if name in ("cd", "apt-get", "ruff", "tox", "flock"):
        return  # standard tools; nothing of this project's to check
    if name == "python":
        check_python(args)
    elif name == "pip":
        check_pip(args)
    elif name == "pytest":
        for arg in args:
            if not arg.startswith("-"):
                assert (ROOT / arg.split("::")[0]).exists(), f"no test file {arg}"
    elif name == "celery":
        from celery.bin.celery import celery

        check_click(celery, list(args), "celery")
    elif name == "mkdocs":
        mkdocs_main = pytest.importorskip("mkdocs.__main__")
        check_click(mkdocs_main.cli, list(args), "mkdocs")
    elif name == "mypy":
        assert not args, "mypy takes its files and options from mypy.ini"
        assert (ROOT / "mypy.ini").is_file()
    else:
        raise AssertionError(f"no rule to check the command {argv}")


@pytest.mark.parametrize("block", blocks(*SHELL_LANGUAGES))
def test_a_shell_block_names_real_commands_and_options(block):
    commands = list(commands_of(block))
    assert commands, "no command in a shell block"
    for argv in commands:
        check_command(argv)


def test_a_wrong_command_or_option_is_caught():
    def fails(line: str) -> bool:
        block = Block(README, 1, "bash", line + "\n", None)
        try:
            for argv in commands_of(block):
                check_command(argv)
        except Exception:
            return True
        return False

    assert not fails("python manage.py creatify_sync --active")
    assert fails("python manage.py creatify_sync --everything")
    assert fails("python manage.py creatify_nothing")
    assert fails(".venv/bin/pip install -q -e '.[nothing]'")
    assert fails("python -m django_creatify.sandbox --jobz 5")
    assert fails(".venv/bin/python benchmarks/sync_benchmark.py --fastest")
    assert fails("celery -A proj worker --no-such-option")
    assert fails("rm -rf /")


# -- The pages against the code they describe --------------------------------------------

FAMILY_PAGES = {
    "aurora": "families/aurora.md",
    "lipsyncs": "families/lipsync.md",
    "lipsyncs_v2": "families/lipsync-v2.md",
    "ai_shorts": "families/ai-shorts.md",
}


@pytest.mark.parametrize("family", list(FAMILY_PAGES))
def test_a_family_page_lists_its_fields_and_create_body(family):
    from django_creatify.families import get_family

    description = get_family(family)
    text = page_text(FAMILY_PAGES[family])
    fields = {name for row in table_rows(section(text, "Fields")) for name in code_names(row[0])}
    assert fields == {"id", *description.fields}, fields ^ {"id", *description.fields}
    body = section(text, "Create")
    create = {name for row in table_rows(body) for name in code_names(row[0])}
    assert create == set(description.create_fields), create ^ set(description.create_fields)
    assert f"/api/{family}/" in section(text, "Endpoints")
    webhook = section(text, "Webhook")
    payload = json.loads(re.search(r"```json\n(.*?)```", webhook, re.DOTALL)[1])
    assert description.output_field in payload


def command_sections() -> list[tuple[str, str]]:
    text = page_text("reference/commands.md")
    return re.findall(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize(
    "name,text", command_sections(), ids=[name for name, _ in command_sections()]
)
def test_the_commands_page_lists_every_option_of_each_command(name, text):
    from django.core.management import BaseCommand, get_commands, load_command_class

    parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
    base = BaseCommand().create_parser("manage.py", name)  # Django's own options
    ours = {
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--")
    } - {option for action in base._actions for option in action.option_strings}
    documented = {
        option
        for row in table_rows(text)
        for cell in code_names(row[0])
        for option in re.findall(r"--[\w-]+", cell)
    }
    assert documented == ours, documented ^ ours


def mkdocstrings_identifiers() -> list[tuple[Path, str]]:
    return [
        (page, identifier)
        for page in DOCS.rglob("*.md")
        for identifier in re.findall(
            r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), re.MULTILINE
        )
    ]


def resolve(identifier: str):
    try:
        return importlib.import_module(identifier)
    except ImportError:
        module_name, _, attribute = identifier.rpartition(".")
        return getattr(importlib.import_module(module_name), attribute)


def test_every_reference_identifier_and_member_exists():
    found = mkdocstrings_identifiers()
    assert len(found) >= 30
    for page, identifier in found:
        target = resolve(identifier)
        members = re.search(
            rf"^::: {re.escape(identifier)}\n    options:\n(?:      \w+: \w+\n)*"
            rf"      members:\n((?:        - \w+\n)+)",
            page.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
        for member in re.findall(r"- (\w+)", members[1] if members else ""):
            assert hasattr(target, member), (page, identifier, member)


def test_every_page_is_in_the_nav_and_every_image_exists():
    nav = re.findall(r"([\w/-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    pages = {str(page.relative_to(DOCS)) for page in DOCS.rglob("*.md")}
    assert pages == set(nav), pages ^ set(nav)
    shown = set()
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text):
            assert (page.parent / image).resolve().is_file(), (page, image)
        shown |= {
            (page.parent / link).resolve() for link in re.findall(r"\(([\w./-]+\.png)\)", text)
        }
    # Every screenshot the browser tests make is shown or linked somewhere.
    assert {png.resolve() for png in DOCS.glob("*.png")} <= shown


def repository_links(text: str) -> list[str]:
    return re.findall(rf"{re.escape(REPOSITORY)}/(?:blob|tree)/main/([^)\s#]+)", text)


def test_links_into_the_repository_name_files_that_exist():
    for page in PAGES:
        for path in repository_links(page.read_text(encoding="utf-8")):
            assert (ROOT / path).exists(), (page, path)


def test_no_page_carries_notes_about_how_it_was_made():
    for page in PAGES:
        prose = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        for pattern in PROCESS_NOTES:
            match = re.search(pattern, prose, re.IGNORECASE)
            assert not match, f"{page.relative_to(ROOT)}: {match[0]!r}"


# -- The README is a front page ----------------------------------------------------------


def documentation_url() -> str:
    """Where the site is published: pyproject.toml's Documentation URL and mkdocs.yml's
    site_url, which must agree."""
    urls = pyproject()["project"]["urls"]
    site_url = re.search(r"^site_url: (\S+)$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)[1]
    assert urls.get("Documentation", site_url) == site_url
    assert urls["Homepage"] == REPOSITORY
    return site_url


def page_for(url: str) -> Path:
    """The docs/ page a URL of the published site shows (MkDocs' directory URLs)."""
    path = url.removeprefix(documentation_url()).split("#")[0].strip("/")
    return DOCS / (f"{path}/index.md" if (DOCS / path / "index.md").is_file() else f"{path}.md")


def test_the_readme_is_a_front_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) < README_MAX_BYTES, len(text.encode())
    site = documentation_url()
    # PyPI shows the README too: links and images must be absolute.
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    for target in targets:
        assert target.startswith(("https://", "http://")), target
        if target.startswith(site):
            assert page_for(target).is_file(), target
    assert len([target for target in targets if target.startswith(site)]) >= 10
    for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text):
        assert image.startswith(RAW) and (ROOT / image.removeprefix(RAW)).is_file(), image
    for path in repository_links(text):
        assert (ROOT / path).exists(), path


def test_the_quick_start_commands_are_the_ones_ci_runs():
    quick_start = section(README.read_text(encoding="utf-8"), "Quick start")
    commands = [
        block.code.strip() for block in blocks_of(README) if block.code.strip() in QUICK_START
    ]
    assert commands == list(QUICK_START)
    for command in QUICK_START:
        assert f"```bash\n{command}\n```" in quick_start
    # .ci/run runs the README's test command as it is written.
    assert QUICK_START[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_getting_started_shows_the_install_steps_the_readme_tests():
    """tests/test_install.py applies the README's Install section; the site shows the same."""
    readme = {block.code for block in blocks_of(README) if block.lang == "python"}
    guide = {
        block.code for block in blocks_of(DOCS / "getting-started.md") if block.lang == "python"
    }
    assert {code for code in readme if code.startswith(("# settings.py", "# urls.py"))} <= guide


# -- The site builds ------------------------------------------------------------------------


def test_the_site_builds_without_a_warning(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
