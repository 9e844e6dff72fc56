"""``manage.py creatify_webhooks``: process pending webhook hints, replay failed events,
or purge old ones."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_creatify.client import CreatifyClient
from django_creatify.exceptions import CreatifyError
from django_creatify.hints import Drained, drain_pending, requeue
from django_creatify.models import WebhookEvent
from django_creatify.retention import purge_webhook_events


class Command(BaseCommand):
    help = (
        "Re-read the jobs of pending Creatify webhook events now, in this process "
        "(--process-pending), replay failed events the same way (--replay-failed), or "
        "purge old events (--purge)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--process-pending",
            action="store_true",
            help=(
                "Re-read the jobs of every pending event now, 100 ids a request, without "
                "Celery (for sites without workers: run it from cron)."
            ),
        )
        parser.add_argument(
            "--replay-failed",
            action="store_true",
            help="Make failed events pending again (one per job) and re-read them now.",
        )
        parser.add_argument(
            "--purge",
            action="store_true",
            help="Delete events older than CREATIFY['WEBHOOK_RETENTION_DAYS'] (or --days).",
        )
        parser.add_argument("--days", type=int, help="Retention for --purge, in days.")

    def handle(
        self,
        *args,
        process_pending: bool,
        replay_failed: bool,
        purge: bool,
        days: int | None,
        **options,
    ):
        if not (process_pending or replay_failed or purge):
            self.stderr.write(
                "Nothing to do: give --process-pending, --replay-failed and/or --purge."
            )
            return
        if replay_failed:
            requeued = requeue(WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.FAILED))
            left = f", {requeued.left} left (too many pending)" if requeued.left else ""
            self.stdout.write(f"requeued the failed events of {requeued.jobs} job(s){left}")
        if process_pending or replay_failed:
            self._drain()
        if purge:
            self.stdout.write(f"purged {purge_webhook_events(days)} event(s)")

    def _drain(self) -> None:
        try:
            with CreatifyClient() as client:
                drained: Drained = drain_pending(client=client)
        except CreatifyError as exc:  # no usable settings: nothing was read or marked
            raise CommandError(f"Creatify refresh failed: {exc}") from None
        self.stdout.write(
            f"processed {drained.processed} pending event(s): refreshed {drained.refreshed}, "
            f"unknown {drained.unknown}, failed {drained.failed} "
            f"({drained.requests} request{'' if drained.requests == 1 else 's'})"
        )
        if drained.error is not None:
            # One line, no traceback: exception messages carry no credentials by design.
            raise CommandError(f"Creatify refresh failed: {drained.error}")
