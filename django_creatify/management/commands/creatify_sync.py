"""``manage.py creatify_sync``: pull Aurora jobs from Creatify into the mirror now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_creatify.client import normalize_ids
from django_creatify.exceptions import CreatifyError
from django_creatify.sync import refresh_active_aurora_flows, sync_aurora_flows


class Command(BaseCommand):
    help = (
        "Sync Aurora jobs from Creatify: all of them (default), the given --ids, or the "
        "unfinished ones (--active). Prints the counts; exits 1 with one line on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--ids",
            help="Comma-separated job UUIDs to refresh (fetched 100 per request).",
        )
        target.add_argument(
            "--active",
            action="store_true",
            help="Refresh only jobs that are not finished yet.",
        )
        parser.add_argument(
            "--ordering",
            help="Creatify list ordering, e.g. -created_at (a field name, '-' for descending).",
        )

    def handle(self, *args, ids: str | None, active: bool, ordering: str | None, **options):
        try:
            if active:
                result = refresh_active_aurora_flows()
            else:
                id_list = self._parse_ids(ids) if ids is not None else None
                result = sync_aurora_flows(ids=id_list, ordering=ordering)
        except CreatifyError as exc:
            # One line, no traceback: exception messages carry no credentials by design.
            later = " (usually temporary: try again later)" if exc.transient else ""
            raise CommandError(f"Creatify sync failed: {exc}{later}") from None
        plural = "" if result.requests == 1 else "s"
        self.stdout.write(f"{result} ({result.requests} request{plural})")
        for item in result.skipped_items[:20]:
            self.stderr.write(f"skipped {item}")
        if result.skipped > 20:
            self.stderr.write(f"... and {result.skipped - 20} more skipped")

    @staticmethod
    def _parse_ids(raw: str) -> list[str]:
        parts = [part for part in raw.split(",") if part.strip()]
        if not parts:
            raise CommandError("--ids needs at least one UUID")
        try:
            return normalize_ids(parts)
        except ValueError as exc:
            raise CommandError(f"--ids: {exc}") from None
