"""``manage.py creatify_sync``: pull jobs from Creatify into the mirror now, for every
enabled family (``CREATIFY['FAMILIES']``) or those named with ``--family``.

A full sync of a family takes the same lease as the Celery task and the admin's "Sync all
now", so two full syncs of a family never run at once, from any host. Exit status: 0
synced, 1 the sync failed (or bad arguments), 3 another full sync holds the lease
(``BUSY``).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_creatify import hints, locks, tasks
from django_creatify.client import normalize_ids
from django_creatify.conf import creatify_settings
from django_creatify.exceptions import CreatifyError
from django_creatify.families import FAMILIES, Family, families_named
from django_creatify.sync import SyncResult, refresh_active_jobs, sync_jobs

BUSY = 3
DEFAULT_WAIT_TIMEOUT = 600.0
# Seconds between looks at the lease while --wait waits for it.
WAIT_POLL_SECONDS = 1.0

# Module attributes so tests can move time instead of waiting.
pause = time.sleep
monotonic = time.monotonic


class Command(BaseCommand):
    help = (
        "Sync jobs from Creatify, for every enabled family or each --family: all of them "
        "(default), the given --ids, or the unfinished ones (--active). Prints the counts, "
        "a line per family. Exit status: 0 synced; 1 the sync "
        "failed, with one line; 3 another full sync holds the lease, with one line naming "
        "it (--wait waits for it, up to --wait-timeout)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--family",
            action="append",
            choices=list(FAMILIES),
            help="Only this job family (Creatify's path segment); may be repeated. "
            "Default: every family in CREATIFY['FAMILIES'].",
        )
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--ids",
            help="Comma-separated job UUIDs to refresh (fetched 100 per request), each from "
            "its family (the --family given, else the one mirroring it, else asked of each).",
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
        parser.add_argument(
            "--wait",
            action="store_true",
            help="If another full sync is running, wait for it to end (its lease released, "
            "or expired because its holder died), then sync.",
        )
        parser.add_argument(
            "--wait-timeout",
            type=float,
            default=DEFAULT_WAIT_TIMEOUT,
            metavar="SECONDS",
            help="With --wait: give up (exit 3) after this many seconds "
            f"(default {DEFAULT_WAIT_TIMEOUT:.0f}).",
        )

    def handle(
        self,
        *args,
        family: list[str] | None,
        ids: str | None,
        active: bool,
        ordering: str | None,
        wait: bool,
        wait_timeout: float,
        **options,
    ):
        families = families_named(family)
        try:
            if ids is not None:
                self._refresh_ids(self._parse_ids(ids), families, named=bool(family))
                return
            for one in families:
                if active:
                    result = refresh_active_jobs(one)
                else:
                    waiting_for = wait_timeout if wait else None
                    result = self._full_sync(one, ordering, waiting_for, options["verbosity"])
                self._report(one, result)
        except CreatifyError as exc:
            # One line, no traceback: exception messages carry no credentials by design.
            later = " (usually temporary: try again later)" if exc.transient else ""
            raise CommandError(f"Creatify sync failed: {exc}{later}") from None

    def _refresh_ids(self, ids: list[str], families: list[Family], *, named: bool) -> None:
        if named:
            for one in families:
                self._report(one, sync_jobs(one, ids=ids))
            return
        routing = hints.refresh_routed([(job_id, "") for job_id in ids])
        for name, result in routing.results.items():
            self._report(FAMILIES[name], result)
        if unknown := len(ids) - len(routing.found):
            self.stderr.write(f"{unknown} of the ids are unknown to Creatify")

    def _report(self, family: Family, result: SyncResult) -> None:
        plural = "" if result.requests == 1 else "s"
        self.stdout.write(f"{family.name}: {result} ({result.requests} request{plural})")
        for item in result.skipped_items[:20]:
            self.stderr.write(f"{family.name}: skipped {item}")
        if result.skipped > 20:
            self.stderr.write(f"{family.name}: ... and {result.skipped - 20} more skipped")

    def _full_sync(
        self, family: Family, ordering: str | None, wait_timeout: float | None, verbosity: int
    ) -> SyncResult:
        """A full sync under the lease; ``wait_timeout`` is ``None`` for not waiting."""
        deadline = None if wait_timeout is None else monotonic() + wait_timeout
        waiting = False
        while True:
            with locks.single_flight(
                family.full_sync_lease, creatify_settings.SYNC_LOCK_TIMEOUT
            ) as holder:
                if holder is not None:
                    return sync_jobs(family, ordering=ordering)
            busy = tasks.full_sync_busy_message(family)
            if deadline is None or monotonic() >= deadline:
                suffix = f"; gave up waiting after {wait_timeout:g}s" if waiting else ""
                raise CommandError(busy + suffix, returncode=BUSY)
            if not waiting and verbosity > 0:
                self.stderr.write(f"{busy}; waiting for it to end")
            waiting = True
            pause(max(0.0, min(WAIT_POLL_SECONDS, deadline - monotonic())))

    @staticmethod
    def _parse_ids(raw: str) -> list[str]:
        parts = [part for part in raw.split(",") if part.strip()]
        if not parts:
            raise CommandError("--ids needs at least one UUID")
        try:
            return normalize_ids(parts)
        except ValueError as exc:
            raise CommandError(f"--ids: {exc}") from None
