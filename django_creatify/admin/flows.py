"""``AuroraFlowAdmin``: the mirror, read-only, with actions that ask Creatify for fresh data.

Rows are never written here: refresh and sync go through :mod:`django_creatify.sync`
(or, for very large selections, :mod:`django_creatify.tasks`), and "add" creates the job
at Creatify and mirrors Creatify's answer with ``sync.record_created_flow``.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from celery import group
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Max, Min
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import locks, sync, tasks
from ..client import MAX_IDS_PER_REQUEST, chunked, normalize_ids
from ..conf import creatify_settings
from ..exceptions import CreatifyError, InvalidRequestError
from ..models import AuroraFlow
from ..paginator import EstimatedCountPaginator
from ..queueing import QUEUE_ERRORS, tasks_run_inline
from . import display, last_sync, overview
from .filters import StatusListFilter
from .forms import FORM_FIELDS, AuroraFlowCreateForm
from .search import BoundedSearchMixin

logger = logging.getLogger(__name__)

# Columns the changelist never shows: not read for the list, so a page stays small.
CHANGELIST_DEFERRED = (
    "raw",
    "raw_digest",
    "text_prompt",
    "audio",
    "webhook_url",
    "editor_url",
    "editor_url_fetched_at",
    "video_output",
    "preview",
    "media_job",
)
# A selection up to this size is refreshed in the request, with counts to show;
# a larger one is queued as Celery tasks of 100 ids each.
REFRESH_NOW_LIMIT = 1000
POLL_MAX_IDS = 500


class AuroraFlowChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*CHANGELIST_DEFERRED)

    def date_hierarchy_choices(self) -> dict[str, Any]:
        """What the admin's ``{% date_hierarchy %}`` shows, without its full-table scans.

        Django lists the years, months or days that hold rows with ``SELECT DISTINCT``
        over a date function of every row: a scan that took 1.5 s of a 1.6 s page at
        100,000 rows on SQLite. Here they come from the first and the last row, two reads
        of the indexed column: every year, month or day between them is offered (one
        without rows is an empty list).
        """
        choices = self._date_hierarchy_choices(self.date_hierarchy)
        # Django 6 labels the links with the field's name.
        choices["field_name"] = self.model._meta.get_field(self.date_hierarchy).verbose_name
        return choices

    def _date_hierarchy_choices(self, field: str) -> dict[str, Any]:
        year_key, month_key, day_key = (f"{field}__{part}" for part in ("year", "month", "day"))
        year, month, day = (self.params.get(key) for key in (year_key, month_key, day_key))

        def link(filters: dict[str, Any]) -> str:
            return self.get_query_string(filters, [f"{field}__"])

        if year and month and day:
            chosen = date(int(year), int(month), int(day))
            return {
                "show": True,
                "back": {
                    "link": link({year_key: year, month_key: month}),
                    "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
                },
                "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
            }
        first, last = self._first_and_last(field)
        if first is None or last is None:
            back = {"link": link({}), "title": _("All dates")} if year else None
            if year and month:
                back = {"link": link({year_key: year}), "title": str(year)}
            return {"show": True, "back": back, "choices": []}
        first, last = timezone.localtime(first), timezone.localtime(last)
        if not (year and month):
            if not year and first.year == last.year:
                year = first.year
                if first.month == last.month:
                    month = first.month
            if not month and year:
                return {
                    "show": True,
                    "back": {"link": link({}), "title": _("All dates")},
                    "choices": [
                        {
                            "link": link({year_key: year, month_key: number}),
                            "title": capfirst(
                                formats.date_format(date(int(year), number, 1), "YEAR_MONTH_FORMAT")
                            ),
                        }
                        for number in range(first.month, last.month + 1)
                    ],
                }
            if not year:
                return {
                    "show": True,
                    "back": None,
                    "choices": [
                        {"link": link({year_key: str(number)}), "title": str(number)}
                        for number in range(first.year, last.year + 1)
                    ],
                }
        year, month = year or first.year, month or first.month
        days = (
            first.date() + timedelta(days=number)
            for number in range((last.date() - first.date()).days + 1)
        )
        return {
            "show": True,
            "back": {"link": link({year_key: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_key: year, month_key: month, day_key: each.day}),
                    "title": capfirst(formats.date_format(each, "MONTH_DAY_FORMAT")),
                }
                for each in days
            ],
        }

    def _first_and_last(self, field: str) -> tuple[Any, Any]:
        if connections[self.queryset.db].vendor != "sqlite":
            bounds = self.queryset.aggregate(first=Min(field), last=Max(field))
            return bounds["first"], bounds["last"]
        # Two ordered reads: SQLite answers a lone MIN or MAX from the index, but scans the
        # table for both in one query.
        dated = (
            self.queryset.filter(**{f"{field}__isnull": False})
            .order_by(field)
            .values_list(field, flat=True)
        )
        return dated.first(), dated.last()


def describe_result(result: sync.SyncResult, requested: int | None = None) -> str:
    """``SyncResult`` counts as one sentence for an admin message."""
    text = _("%(summary)s (%(requests)s)") % {
        "summary": str(result),
        "requests": ngettext("%(n)d request", "%(n)d requests", result.requests)
        % {"n": result.requests},
    }
    if requested is not None:
        returned = (
            result.created + result.updated + result.unchanged + result.stale + result.skipped
        )
        if returned < requested:
            text += "; " + ngettext(
                "%(n)d job was not returned by Creatify",
                "%(n)d jobs were not returned by Creatify",
                requested - returned,
            ) % {"n": requested - returned}
    return text


def _follow_up() -> str:
    """How the new job's progress will reach this page, in the mode the site runs."""
    if tasks_run_inline():
        return _(
            "This site runs no task workers: its progress shows when the jobs are synced "
            "(Refresh from Creatify here, or manage.py creatify_sync --active from cron)."
        )
    return _("Your Celery workers refresh its progress every %(n)d s.") % {
        "n": creatify_settings.ACTIVE_REFRESH_INTERVAL
    }


class AuroraFlowAdmin(BoundedSearchMixin, admin.ModelAdmin):
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
        last_sync.record(kind, result)
        self.message_user(
            request,
            ngettext(
                "Refreshed %(n)d job from Creatify: %(result)s.",
                "Refreshed %(n)d jobs from Creatify: %(result)s.",
                len(ids),
            )
            % {"n": len(ids), "result": describe_result(result, requested=len(ids))},
            messages.SUCCESS,
        )
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

    def _report_failure(self, request, kind: str, exc: CreatifyError) -> None:
        # The message describes Creatify's answer, never the request (no key in it).
        logger.warning("Admin %s failed: %s", kind, exc)
        last_sync.record(kind, error=str(exc))
        text = _("Creatify %(kind)s failed: %(error)s") % {"kind": kind, "error": exc}
        if exc.transient:
            text += " " + _("This is usually temporary: try again later.")
        self.message_user(request, text, messages.ERROR)

    # -- extra views ---------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("overview/", wrap(self.overview_view), name="{}_{}_overview".format(*info)),
            path("sync/", wrap(self.sync_all_view), name="{}_{}_sync".format(*info)),
            path("poll/", wrap(self.poll_view), name="{}_{}_poll".format(*info)),
            path(
                "<path:object_id>/refresh/",
                wrap(self.refresh_view),
                name="{}_{}_refresh".format(*info),
            ),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args: Any) -> str:
        info = self.admin_site.name, self.opts.app_label, self.opts.model_name, name
        return reverse("{}:{}_{}_{}".format(*info), args=args)

    def _tool_urls(self) -> dict[str, str]:
        return {
            "creatify_overview_url": self._url("overview"),
            "creatify_sync_url": self._url("sync"),
            "creatify_poll_url": self._url("poll"),
            "creatify_changelist_url": self._url("changelist"),
        }

    def _redirect_back(self, request, default: str) -> HttpResponseRedirect:
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = default
        return HttpResponseRedirect(target)

    def sync_all_view(self, request):
        """POST: one full sync now (the same lease as the Celery task: one at a time)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_refresh_permission(request):
            raise PermissionDenied
        kind = _("full sync")
        try:
            with locks.single_flight(
                tasks.FULL_SYNC_LEASE, creatify_settings.SYNC_LOCK_TIMEOUT
            ) as holder:
                if holder is None:
                    busy = _(
                        "A full sync is already running (%(lease)s); "
                        "try again when it has finished."
                    )
                    lease = locks.describe(tasks.FULL_SYNC_LEASE)
                    self.message_user(request, busy % {"lease": lease}, messages.WARNING)
                    return self._redirect_back(request, self._url("changelist"))
                result = sync.sync_aurora_flows()
        except CreatifyError as exc:
            self._report_failure(request, kind, exc)
        else:
            last_sync.record(kind, result)
            self.message_user(
                request,
                _("Synced every job from Creatify: %(result)s.")
                % {"result": describe_result(result)},
                messages.SUCCESS,
            )
        return self._redirect_back(request, self._url("changelist"))

    def refresh_view(self, request, object_id):
        """POST: re-read one job from Creatify, then back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_refresh_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        kind = _("refresh of %(name)s") % {"name": obj}
        try:
            result = sync.sync_aurora_flows(ids=[obj.pk])
        except CreatifyError as exc:
            self._report_failure(request, kind, exc)
        else:
            last_sync.record(kind, result)
            self.message_user(
                request,
                _("Refreshed from Creatify: %(result)s.")
                % {"result": describe_result(result, requested=1)},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._url("change", obj.pk))

    def poll_view(self, request):
        """GET ``?ids=a,b,c``: status and progress of those rows, from the database only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        parts = [part for part in request.GET.get("ids", "").split(",") if part.strip()]
        if len(parts) > POLL_MAX_IDS:
            return JsonResponse({"error": f"at most {POLL_MAX_IDS} ids"}, status=400)
        try:
            ids = normalize_ids(parts)
        except ValueError:
            return JsonResponse({"error": "ids must be comma-separated UUIDs"}, status=400)
        rows = AuroraFlow.objects.filter(pk__in=ids).only(
            "id", "status", "progress", "failed_reason"
        )
        flows = [
            {
                "id": str(flow.pk),
                "status": flow.status,
                "status_css": display.status_css(flow.status),
                "status_label": display.status_label(flow.status),
                "is_finished": flow.is_finished,
                "progress_percent": flow.progress_percent,
                "progress_label": display.progress_label(flow),
                "failed_reason": flow.failed_reason
                if flow.status in display.FAILURE_STATUSES
                else "",
            }
            for flow in rows
        ]
        return JsonResponse({"flows": flows})

    def overview_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **self._tool_urls(),
            **overview.context(),
            "title": _("Aurora overview"),
            "subtitle": None,
            "opts": self.opts,
            "last_admin_sync": last_sync.latest(),
            "has_refresh_permission": self.has_refresh_permission(request),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "django_creatify/admin/overview.html", context)

    # -- add: create the job at Creatify, then mirror Creatify's answer ------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AuroraFlowCreateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            flow = self._create_at_creatify(request, form)
            if flow is not None:
                self.log_addition(request, flow, [{"added": {}}])
                self.message_user(
                    request,
                    format_html(
                        _("Created {} at Creatify; it is {} now. {}"),
                        flow,
                        display.status_label(flow.status),
                        _follow_up(),
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._url("change", flow.pk))
        adminform = helpers.AdminForm(form, [(None, {"fields": FORM_FIELDS})], {})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Create an Aurora video"),
            "subtitle": None,
            "adminform": adminform,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, change=False, form_url=form_url)

    def _create_at_creatify(self, request, form: AuroraFlowCreateForm) -> AuroraFlow | None:
        try:
            return sync.create_aurora_flow(created_by=request.user, **form.create_fields)
        except InvalidRequestError as exc:
            form.add_creatify_errors(exc.messages)
        except CreatifyError as exc:
            logger.warning("Admin create at Creatify failed: %s", exc)
            form.add_error(None, _("Creatify could not create the job: %(error)s") % {"error": exc})
        return None
