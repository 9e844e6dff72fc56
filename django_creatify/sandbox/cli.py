"""The shared part of ``python -m django_creatify.sandbox`` and ``manage.py creatify_sandbox``."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence

from .ageing import DEFAULT_RETENTION_DAYS
from .app import FAMILY_JOBS, Sandbox
from .credits import DEFAULT_CREDITS
from .families import AURORA, FAMILIES

DEFAULT_ADDR = "127.0.0.1:8765"
DEFAULT_API_ID = "sandbox-id"
DEFAULT_API_KEY = "sandbox-key"


def parse_addr(value: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port``, ``:port`` or ``port`` (host defaults to loopback)."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{value!r} is not host:port") from None
    if not 0 <= number <= 65535:
        raise ValueError(f"port {number} is out of range")
    return host, number


def parse_speed(value: str) -> float:
    """A positive factor for how fast jobs move, or ``instant``: they finish as they are
    created."""
    if value.strip().lower() in ("instant", "inf", "infinity"):
        return math.inf
    try:
        speed = float(value)
    except ValueError:
        raise ValueError(f"--speed must be a number or 'instant', not {value!r}") from None
    if not speed > 0:
        raise ValueError("--speed must be greater than 0")
    return speed


def settings_snippet(url: str, api_id: str, api_key: str | None) -> str:
    """The ``CREATIFY`` setting that points a site at ``url``; None hides the key."""
    key = json.dumps(api_key, ensure_ascii=False) if api_key is not None else None
    lines = [
        "CREATIFY = {",
        f'    "API_ID": {json.dumps(api_id, ensure_ascii=False)},',
        f'    "API_KEY": {key},'
        if key is not None
        else "    # API_KEY: keep the one already in your settings",
        f'    "BASE_URL": {json.dumps(url)},',
        "}",
    ]
    return "\n".join(lines)


def describe(sandbox: Sandbox, url: str, *, show_key: bool = True) -> str:
    speed = "instant" if math.isinf(sandbox.speed) else f"{sandbox.speed:g}x"
    others = [f"{sandbox.count(key)} {key}" for key in FAMILIES if key != AURORA.key]
    return (
        f"Creatify sandbox at {url}/ ({len(sandbox)} jobs, seed {sandbox.seed}, speed {speed})"
        f" at {AURORA.path},\nand {', '.join(others[:-1])} and {others[-1]} jobs at"
        " /api/<family>/.\n"
        f"Control API: {url}/_sandbox/ - quit with CONTROL-C.\n\n"
        "Point a site at it with:\n\n"
        + settings_snippet(url, sandbox.api_id, sandbox.api_key if show_key else None)
        + "\n"
    )


def run(
    sandbox: Sandbox, host: str, port: int, write: Callable[[str], object], *, show_key: bool = True
) -> None:
    """Serve in the foreground until Ctrl-C."""
    server = sandbox.serve(host, port)
    try:
        write(describe(sandbox, server.url, show_key=show_key))
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m django_creatify.sandbox",
        description="Run a local Creatify API lookalike (Aurora, lipsyncs, AI Shorts...).",
    )
    add_arguments(parser)
    options = parser.parse_args(argv)
    try:
        host, port = parse_addr(options.addr)
        speed = parse_speed(options.speed)
    except ValueError as exc:
        parser.error(str(exc))
    if options.jobs < 0 or (options.family_jobs or 0) < 0:
        parser.error("--jobs and --family-jobs must be 0 or more")
    if not options.retention_days > 0:
        parser.error("--retention-days must be greater than 0")
    sandbox = Sandbox(
        api_id=options.api_id or DEFAULT_API_ID,
        api_key=options.api_key or DEFAULT_API_KEY,
        jobs=options.jobs,
        seed=options.seed,
        speed=speed,
        family_jobs=options.family_jobs,
        retention_days=options.retention_days,
        credits=options.credits,
    )
    run(sandbox, host, port, lambda text: print(text, flush=True))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--addr", default=DEFAULT_ADDR, help=f"host:port (default {DEFAULT_ADDR})")
    parser.add_argument("--jobs", type=int, default=0, help="seeded Aurora jobs to start with")
    parser.add_argument(
        "--family-jobs",
        type=int,
        default=None,
        help=f"seeded jobs in each other family (default: --jobs, at most {FAMILY_JOBS})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the seeded jobs")
    parser.add_argument(
        "--speed",
        default="1",
        help="how many times faster jobs move (the clock keeps real time), or 'instant'"
        " (default 1)",
    )
    add_account_arguments(parser)
    parser.add_argument("--api-id", default=None, help=f"default {DEFAULT_API_ID}")
    parser.add_argument("--api-key", default=None, help=f"default {DEFAULT_API_KEY}")


def add_account_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``manage.py creatify_sandbox``."""
    parser.add_argument(
        "--retention-days",
        type=float,
        default=DEFAULT_RETENTION_DAYS,
        help="days a finished job's media is served when created without ttl_days"
        f" (default {DEFAULT_RETENTION_DAYS})",
    )
    parser.add_argument(
        "--credits",
        type=float,
        default=DEFAULT_CREDITS,
        help=f"the account's starting credit balance (default {DEFAULT_CREDITS:g})",
    )
