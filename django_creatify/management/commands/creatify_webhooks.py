"""``manage.py creatify_webhooks``: replay failed webhook events, or purge old ones."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from django_creatify.models import WebhookEvent
from django_creatify.retention import purge_webhook_events
from django_creatify.webhooks import process_event


class Command(BaseCommand):
    help = "Replay failed Creatify webhook events (--replay-failed) or purge old ones (--purge)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replay-failed",
            action="store_true",
            help="Queue the refresh again for every event whose processing failed.",
        )
        parser.add_argument(
            "--purge",
            action="store_true",
            help="Delete events older than CREATIFY['WEBHOOK_RETENTION_DAYS'] (or --days).",
        )
        parser.add_argument("--days", type=int, help="Retention for --purge, in days.")

    def handle(self, *args, replay_failed: bool, purge: bool, days: int | None, **options):
        if not (replay_failed or purge):
            self.stderr.write("Nothing to do: give --replay-failed and/or --purge.")
            return
        if replay_failed:
            failed = WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.FAILED)
            outcomes: dict[str, int] = {}
            for event in failed.order_by("pk").iterator():
                outcome = process_event(event).outcome
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            summary = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
            self.stdout.write(f"replayed {sum(outcomes.values())} event(s): {summary or 'none'}")
        if purge:
            self.stdout.write(f"purged {purge_webhook_events(days)} event(s)")
