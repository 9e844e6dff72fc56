"""The webhook log: read-only, with an action that re-reads the selected events' jobs.

The changelist reads one page of plain columns (no relation, no per-row query, the
payload and body left out) and counts through ``EstimatedCountPaginator``, so it stays
fast on a log of hundreds of thousands of events.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import hints, tasks
from ..exceptions import excerpt
from ..families import FAMILIES
from ..models import WebhookEvent
from ..paginator import EstimatedCountPaginator
from . import display
from .filters import FamilyListFilter
from .search import BoundedSearchMixin


class WebhookEventAdmin(BoundedSearchMixin, admin.ModelAdmin):
    list_display = (
        "received",
        "job",
        "family_label",
        "outcome",
        "hints",
        "sender",
        "processed",
        "short_error",
    )
    list_display_links = ("received",)
    list_filter = ("outcome", FamilyListFilter)
    search_fields = ("=flow_id",)
    date_hierarchy = None
    list_per_page = 100
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-received_at",)
    actions = ("reprocess",)
    readonly_fields = (
        "received_at",
        "flow_id",
        "family",
        "outcome",
        "hints",
        "remote_addr",
        "processed_at",
        "error",
        "pretty_payload",
        "body_excerpt",
    )
    exclude = ("payload",)

    class Media:
        css = {"all": ["django_creatify/admin.css", "django_creatify/changelist.css"]}

    def get_empty_value_display(self):
        return display.empty()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            return queryset.defer("payload", "body_excerpt")
        return queryset

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj: WebhookEvent) -> str:
        return display.short_datetime(obj.received_at)

    @admin.display(description=_("processed"), ordering="processed_at")
    def processed(self, obj: WebhookEvent) -> str:
        return display.short_datetime(obj.processed_at)

    @admin.display(description=_("job"))
    def job(self, obj: WebhookEvent) -> str:
        """The job's id, a link to its page when the event's family is known (no query:
        the link is built from the family and the id)."""
        if obj.flow_id is None:
            return display.empty()
        text = format_html(
            '<span class="creatify-job-id" title="{}">{}</span>', obj.flow_id, obj.flow_id
        )
        family = FAMILIES.get(obj.family or "")
        if family is None:
            return text
        meta = family.model._meta
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.flow_id])
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("from"), ordering="remote_addr")
    def sender(self, obj: WebhookEvent) -> str:
        return obj.remote_addr or display.empty()

    @admin.display(description=_("family"), ordering="family")
    def family_label(self, obj: WebhookEvent) -> str:
        family = FAMILIES.get(obj.family or "")
        return family.label if family else display.empty()

    @admin.display(description=_("error"))
    def short_error(self, obj: WebhookEvent) -> str:
        return excerpt(obj.error, 120)

    @admin.display(description=_("payload"))
    def pretty_payload(self, obj: WebhookEvent) -> str:
        if obj.payload is None:
            return display.empty()
        text = json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    @admin.action(description=_("Reprocess: re-read these jobs from Creatify"))
    def reprocess(self, request, queryset) -> None:
        """Make the selected events pending again (one per job) and start a drain now:
        their jobs are re-read in batches of 100 ids, never one GET per event."""
        requeued = hints.requeue(queryset)
        if not requeued.jobs:
            self.message_user(request, _("No job to re-read in the selection."), messages.WARNING)
            return
        text = ngettext(
            "%(n)d job will be re-read from Creatify.",
            "%(n)d jobs will be re-read from Creatify.",
            requeued.jobs,
        ) % {"n": requeued.jobs}
        if requeued.left:
            text += " " + _(
                "%(n)d more were left as they were: too many webhook events are pending."
            ) % {"n": requeued.left}
        try:
            drain = tasks.process_webhook_hints.delay()
        except Exception as exc:
            failure = _("The refresh could not be queued (%(error)s); the next drain takes it.")
            text += " " + failure % {"error": type(exc).__name__}
            self.message_user(request, text, messages.WARNING)
            return
        if tasks.ran_inline(drain):
            summary = _("Done: %(refreshed)d refreshed, %(unknown)d unknown, %(failed)d failed.")
            text += " " + summary % drain.result
        self.message_user(request, text, messages.SUCCESS)
