"""The webhook log: read-only, with an action that queues the refresh again."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import WebhookEvent
from ..webhooks import process_event
from .search import BoundedSearchMixin


class WebhookEventAdmin(BoundedSearchMixin, admin.ModelAdmin):
    list_display = ("received_at", "flow_id", "outcome", "remote_addr", "processed_at", "error")
    list_filter = ("outcome",)
    search_fields = ("=flow_id",)
    date_hierarchy = None
    list_per_page = 100
    show_full_result_count = False
    ordering = ("-received_at",)
    actions = ("reprocess",)
    readonly_fields = (
        "received_at",
        "flow_id",
        "outcome",
        "remote_addr",
        "processed_at",
        "error",
        "pretty_payload",
        "body_excerpt",
    )
    exclude = ("payload",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("payload"))
    def pretty_payload(self, obj: WebhookEvent) -> str:
        if obj.payload is None:
            return "-"
        text = json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    @admin.action(description=_("Reprocess: re-read these jobs from Creatify"))
    def reprocess(self, request, queryset) -> None:
        events = queryset.exclude(flow_id__isnull=True)
        outcomes: dict[str, int] = {}
        for event in events.order_by("pk")[:1000]:
            outcome = process_event(event).get_outcome_display()
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        done = sum(outcomes.values())
        summary = ", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items()))
        self.message_user(
            request,
            ngettext("Reprocessed %(n)d event (%(s)s).", "Reprocessed %(n)d events (%(s)s).", done)
            % {"n": done, "s": summary or "-"},
            messages.SUCCESS if done else messages.WARNING,
        )
