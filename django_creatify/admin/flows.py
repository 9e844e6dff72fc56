"""``AuroraFlowAdmin``: the mirror, read-only, with actions that ask Creatify for fresh data.

Rows are never written here: refresh and sync go through :mod:`django_creatify.sync`
(or, for very large selections, :mod:`django_creatify.tasks`), and "add" creates the job
at Creatify and mirrors Creatify's answer with ``sync.record_created_flow``.
"""

from __future__ import annotations

import logging

from celery import group
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import sync, tasks
from ..client import MAX_IDS_PER_REQUEST, chunked
from ..exceptions import CreatifyError
from ..models import AuroraFlow
from ..paginator import EstimatedCountPaginator
from ..queueing import QUEUE_ERRORS
from . import display, last_sync
from .adding import CreateAtCreatify
from .changelist import AuroraFlowChangeList
from .filters import StatusListFilter
from .search import BoundedSearchMixin
from .views import AdminToolViews, describe_result

logger = logging.getLogger(__name__)

# A selection up to this size is refreshed in the request, with counts to show;
# a larger one is queued as Celery tasks of 100 ids each.
REFRESH_NOW_LIMIT = 1000


class AuroraFlowAdmin(BoundedSearchMixin, AdminToolViews, CreateAtCreatify, admin.ModelAdmin):
    list_display = (
        "title_column",
        "status_column",
        "progress_column",
        "model_version",
        "duration_column",
        "credits_column",
        "created_at",
        "preview_column",
    )
    list_display_links = ("title_column",)
    list_filter = (StatusListFilter, "model_version", "is_hidden", "created_at")
    search_fields = ("name", "=id")
    search_help_text = gettext_lazy("Search by name, or by the exact job id.")
    date_hierarchy = "created_at"
    list_per_page = 50
    # No COUNT(*) of the whole table next to every filtered count.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["refresh_selected"]
    change_list_template = "django_creatify/admin/change_list.html"
    change_form_template = "django_creatify/admin/change_form.html"
    add_form_template = "django_creatify/admin/add_form.html"
    #: Seconds between the changelist's status polls while active jobs are on screen.
    poll_interval = 5.0

    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "id",
                    "status_display",
                    "progress_display",
                    "failed_reason_display",
                    "model_version",
                    "duration",
                    "credits_used",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        (
            gettext_lazy("Media"),
            {
                "fields": (
                    "video_display",
                    "preview_display",
                    "image_display",
                    "audio_display",
                    "editor_display",
                )
            },
        ),
        (
            gettext_lazy("Request"),
            {
                "fields": (
                    "text_prompt",
                    "prompt_guidance_scale",
                    "webhook_display",
                    "media_job",
                    "is_hidden",
                )
            },
        ),
        (
            gettext_lazy("Mirror"),
            {"fields": ("created_by", "synced_at", "editor_url_fetched_at", "missing_since")},
        ),
        (gettext_lazy("Last payload"), {"fields": ("raw_display",)}),
    )
    readonly_fields = (
        *(field.name for field in AuroraFlow._meta.fields),
        "status_display",
        "progress_display",
        "failed_reason_display",
        "video_display",
        "preview_display",
        "image_display",
        "audio_display",
        "editor_display",
        "webhook_display",
        "raw_display",
    )

    class Media:
        css = {"all": ["django_creatify/admin.css"]}

    # -- permissions: the mirror is Creatify's, so nobody edits or deletes a row --------

    def has_change_permission(self, request, obj=None) -> bool:
        # With a row in hand the page is view-only: no form, no save button, no write.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_refresh_permission(self, request) -> bool:
        """Asking Creatify for fresh data: staff who may change Aurora videos."""
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    # -- changelist ----------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return AuroraFlowChangeList

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def title_column(self, obj: AuroraFlow):
        return display.title(obj)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_column(self, obj: AuroraFlow):
        return display.status_badge(obj)

    @admin.display(description=gettext_lazy("progress"), ordering="progress")
    def progress_column(self, obj: AuroraFlow):
        return display.progress_bar(obj)

    @admin.display(description=gettext_lazy("duration"), ordering="duration")
    def duration_column(self, obj: AuroraFlow):
        return display.duration(obj)

    @admin.display(description=gettext_lazy("credits"), ordering="credits_used")
    def credits_column(self, obj: AuroraFlow):
        return display.credits(obj)

    @admin.display(description=gettext_lazy("preview"))
    def preview_column(self, obj: AuroraFlow):
        return display.thumbnail(obj)

    def changelist_view(self, request, extra_context=None):
        context = {
            **self._tool_urls(),
            "title": self.opts.verbose_name_plural.capitalize(),
            "poll_interval": self.poll_interval,
            "has_refresh_permission": self.has_refresh_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    # -- change view ---------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {
            **self._tool_urls(),
            "has_refresh_permission": self.has_refresh_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    @admin.display(description=gettext_lazy("status"))
    def status_display(self, obj: AuroraFlow):
        return display.status_badge(obj)

    @admin.display(description=gettext_lazy("progress"))
    def progress_display(self, obj: AuroraFlow):
        return display.progress_bar(obj)

    @admin.display(description=gettext_lazy("failed reason"))
    def failed_reason_display(self, obj: AuroraFlow):
        return display.failed_reason(obj)

    @admin.display(description=gettext_lazy("video"))
    def video_display(self, obj: AuroraFlow):
        return display.video_player(obj.video_output, poster=obj.image, kind="video")

    @admin.display(description=gettext_lazy("preview"))
    def preview_display(self, obj: AuroraFlow):
        return display.video_player(obj.preview, poster=obj.image, kind="preview")

    @admin.display(description=gettext_lazy("image"))
    def image_display(self, obj: AuroraFlow):
        return display.image(obj.image)

    @admin.display(description=gettext_lazy("audio"))
    def audio_display(self, obj: AuroraFlow):
        return display.audio_player(obj.audio)

    @admin.display(description=gettext_lazy("editor"))
    def editor_display(self, obj: AuroraFlow):
        return display.editor_link(obj)

    @admin.display(description=gettext_lazy("webhook URL"))
    def webhook_display(self, obj: AuroraFlow):
        return display.plain_url(obj.webhook_url)

    @admin.display(description=gettext_lazy("raw payload"))
    def raw_display(self, obj: AuroraFlow):
        return display.raw_payload(obj)

    # -- actions -------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Refresh from Creatify"), permissions=["refresh"])
    def refresh_selected(self, request, queryset):
        ids = [str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True)]
        if len(ids) > REFRESH_NOW_LIMIT:
            self._queue_refresh(request, ids)
            return None
        kind = ngettext("refresh of %(n)d job", "refresh of %(n)d jobs", len(ids)) % {"n": len(ids)}
        try:
            result = sync.sync_aurora_flows(ids=ids)
        except CreatifyError as exc:
            self._report_failure(request, kind, exc)
            return None
        text = ngettext(
            "Refreshed %(n)d job from Creatify: %(result)s.",
            "Refreshed %(n)d jobs from Creatify: %(result)s.",
            len(ids),
        ) % {"n": len(ids), "result": describe_result(result, requested=len(ids))}
        self._report_success(request, kind, result, text)
        return None

    def _queue_refresh(self, request, ids: list[str]) -> None:
        chunks = list(chunked(ids, MAX_IDS_PER_REQUEST))
        try:
            group([tasks.refresh_aurora_flows.s(chunk) for chunk in chunks]).apply_async()
        except CreatifyError as exc:  # tasks that run inline raise here
            self._report_failure(request, _("queued refresh"), exc)
            return
        except QUEUE_ERRORS:
            logger.exception("Could not queue the Creatify refresh of %d jobs", len(ids))
            self.message_user(
                request, _("Could not queue the refresh; is the task queue up?"), messages.ERROR
            )
            return
        self.message_user(
            request,
            _(
                "Queued a refresh of %(n)d jobs in %(tasks)d tasks of up to 100; "
                "the list shows the results as they arrive."
            )
            % {"n": len(ids), "tasks": len(chunks)},
            messages.INFO,
        )

    def _report_success(self, request, kind: str, result: sync.SyncResult, text: str) -> None:
        last_sync.record(kind, result)
        self.message_user(request, text, messages.SUCCESS)

    def _report_failure(self, request, kind: str, exc: CreatifyError) -> None:
        # The message describes Creatify's answer, never the request (no key in it).
        logger.warning("Admin %s failed: %s", kind, exc)
        last_sync.record(kind, error=str(exc))
        text = _("Creatify %(kind)s failed: %(error)s") % {"kind": kind, "error": exc}
        if exc.transient:
            text += " " + _("This is usually temporary: try again later.")
        self.message_user(request, text, messages.ERROR)
