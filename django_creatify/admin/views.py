"""A job admin's own pages: overview, sync all, refresh one job, render one preview, live
polling.

Each reads the database or asks :mod:`django_creatify.sync`; none writes a row itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import locks, outputs, sync, tasks
from ..archive_serving import archived_file_response
from ..conf import creatify_settings
from ..exceptions import CreatifyError
from ..families import RENDER, Family, enabled_families
from . import display, last_sync, live, overview


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


def admin_url(site_name: str, model, name: str, *args: Any) -> str:
    info = site_name, model._meta.app_label, model._meta.model_name, name
    return reverse("{}:{}_{}_{}".format(*info), args=args)


if TYPE_CHECKING:
    from ..models import CreatifyJob

    _JobAdmin = admin.ModelAdmin[CreatifyJob]  # what the mixin is mixed into
else:
    _JobAdmin = object


class AdminToolViews(_JobAdmin):
    """The extra URLs of a job admin."""

    family: Family

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        urls = [
            path("overview/", wrap(self.overview_view), name="{}_{}_overview".format(*info)),
            path("sync/", wrap(self.sync_all_view), name="{}_{}_sync".format(*info)),
            path("poll/", wrap(self.poll_view), name="{}_{}_poll".format(*info)),
            path(
                "<path:object_id>/refresh/",
                wrap(self.refresh_view),
                name="{}_{}_refresh".format(*info),
            ),
        ]
        urls.append(
            path(
                "<path:object_id>/archive/<str:field>/",
                wrap(self.archived_output_view),
                name="{}_{}_archive".format(*info),
            )
        )
        if RENDER in self.family.steps:
            urls.append(
                path(
                    "<path:object_id>/render/",
                    wrap(self.render_view),
                    name="{}_{}_render".format(*info),
                )
            )
        return [*urls, *super().get_urls()]

    def _url(self, name: str, *args: Any) -> str:
        return admin_url(self.admin_site.name, self.model, name, *args)

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

    def archived_output_view(self, request, object_id, field):
        """GET: stream the site's archived copy of one output to staff who may view the
        job (for storages whose files have no public URL)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(_("No such job."))
        copy = outputs.copies(obj).get(field)
        if copy is None:
            raise Http404(_("This job has no archived copy of that output."))
        return archived_file_response(request, copy)

    def sync_all_view(self, request):
        """POST: one full sync of the family now, under the lease its Celery task takes
        (one at a time)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_refresh_permission(request):
            raise PermissionDenied
        kind = _("full sync")
        lease = self.family.full_sync_lease
        try:
            with locks.single_flight(lease, creatify_settings.SYNC_LOCK_TIMEOUT) as holder:
                if holder is None:
                    busy = _("%(busy)s; try again when it has finished.") % {
                        "busy": tasks.full_sync_busy_message(self.family)
                    }
                    self.message_user(request, busy, messages.WARNING)
                    return self._redirect_back(request, self._url("changelist"))
                result = sync.sync_jobs(self.family)
        except CreatifyError as exc:
            self._report_failure(request, kind, exc)
        else:
            text = _("Synced every job from Creatify: %(result)s.")
            self._report_success(request, kind, result, text % {"result": describe_result(result)})
        return self._redirect_back(request, self._url("changelist"))

    def refresh_view(self, request, object_id):
        """POST: re-read one job from Creatify, then back to its page."""
        obj = self._posted_job(request, object_id, self.has_refresh_permission)
        if not isinstance(obj, self.model):
            return obj
        kind = _("refresh of %(name)s") % {"name": obj}
        try:
            result = sync.sync_jobs(self.family, ids=[obj.pk])
        except CreatifyError as exc:
            self._report_failure(request, kind, exc)
        else:
            text = _("Refreshed from Creatify: %(result)s.")
            summary = describe_result(result, requested=1)
            self._report_success(request, kind, result, text % {"result": summary})
        return HttpResponseRedirect(self._url("change", obj.pk))

    def render_view(self, request, object_id):
        """POST: ask Creatify to render a finished preview into its video; Creatify refuses
        any other job, and its answer is shown."""
        obj = self._posted_job(request, object_id, self.has_render_permission)
        if not isinstance(obj, self.model):
            return obj
        try:
            job = sync.render_job(self.family, obj.pk)
        except CreatifyError as exc:
            text = _("Creatify did not render %(job)s: %(error)s") % {"job": obj, "error": exc}
            self.message_user(request, text, messages.ERROR)
        else:
            text = _("Asked Creatify to render %(job)s; it is %(status)s now.") % {
                "job": job,
                "status": display.status_label(job.status),
            }
            self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._url("change", obj.pk))

    def _posted_job(self, request, object_id, allowed):
        """The job a tool button was pressed for, or the response refusing the request."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not allowed(request):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return obj

    def poll_view(self, request):
        """GET ``?ids=a,b,c``: the live values of those rows, from the database only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return live.poll_response(self, request)

    def overview_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = overview.context(self.family)
        site = self.admin_site
        shown = [
            family
            for family in enabled_families()
            if site.is_registered(family.model)
            and site.get_model_admin(family.model).has_view_permission(request)
        ]

        def urls(family: Family, name: str) -> str:
            return admin_url(site.name, family.model, name)

        context = {
            **site.each_context(request),
            **self._tool_urls(),
            **figures,
            "families": overview.family_rows(shown, urls, self.family, figures["status_counts"]),
            "family": self.family,
            "title": _("%(family)s overview") % {"family": self.family.label},
            "subtitle": None,
            "opts": self.opts,
            "last_admin_sync": last_sync.latest(self.family),
            "credits": overview.credit_balance(),
            "empty_mark": display.empty(),
            "has_refresh_permission": self.has_refresh_permission(request),
            "media": self.media,
        }
        request.current_app = site.name
        return TemplateResponse(request, "django_creatify/admin/overview.html", context)
