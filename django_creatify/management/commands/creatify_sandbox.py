"""``manage.py creatify_sandbox``: run the local Creatify lookalike in the foreground."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_creatify.sandbox import Sandbox
from django_creatify.sandbox.app import FAMILY_JOBS
from django_creatify.sandbox.cli import (
    DEFAULT_ADDR,
    DEFAULT_API_ID,
    DEFAULT_API_KEY,
    add_account_arguments,
    parse_addr,
    parse_speed,
    run,
)


class Command(BaseCommand):
    help = (
        "Run a local stand-in for Creatify's API (Aurora, lipsyncs, lipsyncs_v2, AI Shorts) "
        "until Ctrl-C, and print the CREATIFY setting that points a site at it."
    )
    # The sandbox is how a site gets to a working configuration: don't gate it on one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr", default=DEFAULT_ADDR, help=f"host:port (default {DEFAULT_ADDR})"
        )
        parser.add_argument("--jobs", type=int, default=0, help="Seeded Aurora jobs to start with.")
        parser.add_argument(
            "--family-jobs",
            type=int,
            default=None,
            help=f"Seeded jobs in each other family (default: --jobs, at most {FAMILY_JOBS}).",
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed for the seeded jobs.")
        parser.add_argument(
            "--speed",
            default="1",
            help="How many times faster jobs move (the clock keeps real time), or 'instant'"
            " (default 1).",
        )
        add_account_arguments(parser)
        parser.add_argument(
            "--api-id", default=None, help="Default: CREATIFY['API_ID'], else sandbox-id."
        )
        parser.add_argument(
            "--api-key", default=None, help="Default: CREATIFY['API_KEY'], else sandbox-key."
        )

    def handle(self, *args, **options) -> None:
        try:
            host, port = parse_addr(options["addr"])
            speed = parse_speed(options["speed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["jobs"] < 0 or (options["family_jobs"] or 0) < 0:
            raise CommandError("--jobs and --family-jobs must be 0 or more")
        if not options["retention_days"] > 0:
            raise CommandError("--retention-days must be greater than 0")
        api_id, api_key, key_from_settings = _credentials(options["api_id"], options["api_key"])
        sandbox = Sandbox(
            api_id=api_id,
            api_key=api_key,
            jobs=options["jobs"],
            seed=options["seed"],
            speed=speed,
            family_jobs=options["family_jobs"],
            retention_days=options["retention_days"],
            credits=options["credits"],
        )
        try:
            # The site's own key may be a real account's: accept it, but never echo it.
            run(sandbox, host, port, self.stdout.write, show_key=not key_from_settings)
        except OSError as exc:
            raise CommandError(f"Cannot serve on {host}:{port}: {exc}") from None


def _credentials(api_id: str | None, api_key: str | None) -> tuple[str, str, bool]:
    """(id, key, whether the key came from the site's settings)."""
    from django_creatify.conf import creatify_settings

    key_from_settings = False
    if not api_id:
        api_id = creatify_settings.API_ID or DEFAULT_API_ID
    if not api_key:
        api_key = creatify_settings.API_KEY
        key_from_settings = bool(api_key)
        api_key = api_key or DEFAULT_API_KEY
    return str(api_id), str(api_key), key_from_settings
