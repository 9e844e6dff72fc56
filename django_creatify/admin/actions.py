"""The job admin's actions: refresh the selection from Creatify, render selected previews.

Rows are never written here: refreshes go through :func:`sync.sync_jobs` (or, for very
large selections, ``tasks.refresh_jobs``) and renders through :func:`sync.render_job`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import group
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import sync, tasks
from ..choices import JobStatus
from ..client import MAX_IDS_PER_REQUEST, chunked
from ..exceptions import CreatifyError
from ..families import Family
from ..models import CreatifyJob
from ..queueing import QUEUE_ERRORS
from . import last_sync
from .views import describe_result

# The job admin's logger keeps the name it had when it served Aurora only: sites' logging
# settings name it.
logger = logging.getLogger("django_creatify.admin.flows")

if TYPE_CHECKING:
    _JobAdmin = admin.ModelAdmin[CreatifyJob]  # what the mixin is mixed into
else:
    _JobAdmin = object


def is_renderable(job: CreatifyJob) -> bool:
    """A finished preview without its video yet: what Creatify's ``render/`` takes."""
    return job.status == JobStatus.DONE and bool(job.preview) and not job.output_url


class JobActions(_JobAdmin):
    family: Family
    #: A selection up to this size is refreshed in the request, with counts to show; a
    #: larger one is queued as Celery tasks of 100 ids each.
    refresh_now_limit = 1000
    #: Renders cost credits, one request each: at most this many per action.
    render_limit = 20

    @admin.action(description=gettext_lazy("Refresh from Creatify"), permissions=["refresh"])
    def refresh_selected(self, request, queryset):
        ids = [str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True)]
        if len(ids) > self.refresh_now_limit:
            self._queue_refresh(request, ids)
            return None
        kind = ngettext("refresh of %(n)d job", "refresh of %(n)d jobs", len(ids)) % {"n": len(ids)}
        try:
            result = sync.sync_jobs(self.family, ids=ids)
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

    @admin.action(
        description=gettext_lazy("Render the selected previews (costs credits)"),
        permissions=["render"],
    )
    def render_selected(self, request, queryset):
        fields = ("id", "name", "status", "preview", self.family.output_field)
        selected = list(queryset.order_by("pk").only(*fields)[: self.render_limit + 1])
        previews = [job for job in selected if is_renderable(job)]
        if len(selected) > self.render_limit:
            self.message_user(
                request,
                _("Select at most %(n)d jobs to render at once.") % {"n": self.render_limit},
                messages.ERROR,
            )
            return None
        left = len(selected) - len(previews)
        rendered, failures = 0, []
        for job in previews:
            try:
                sync.render_job(self.family, job.pk)
            except CreatifyError as exc:
                logger.warning("Admin render of %s failed: %s", job.pk, exc)
                failures.append((job, exc))
            else:
                rendered += 1
        if rendered:
            text = ngettext(
                "Asked Creatify to render %(n)d preview.",
                "Asked Creatify to render %(n)d previews.",
                rendered,
            ) % {"n": rendered}
            self.message_user(request, text, messages.SUCCESS)
        if left:
            text = ngettext(
                "%(n)d selected job is not a finished preview and was left as it was.",
                "%(n)d selected jobs are not finished previews and were left as they were.",
                left,
            ) % {"n": left}
            self.message_user(request, text, messages.WARNING)
        for job, error in failures:
            self.message_user(
                request,
                _("Creatify did not render %(job)s: %(error)s") % {"job": job, "error": error},
                messages.ERROR,
            )
        return None

    def _queue_refresh(self, request, ids: list[str]) -> None:
        chunks = list(chunked(ids, MAX_IDS_PER_REQUEST))
        try:
            group([tasks.refresh_jobs.s(self.family.name, chunk) for chunk in chunks]).apply_async()
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
        last_sync.record(self.family, kind, result)
        self.message_user(request, text, messages.SUCCESS)

    def _report_failure(self, request, kind: str, exc: CreatifyError) -> None:
        # The message describes Creatify's answer, never the request (no key in it).
        logger.warning("Admin %s failed: %s", kind, exc)
        last_sync.record(self.family, kind, error=str(exc))
        text = _("Creatify %(kind)s failed: %(error)s") % {"kind": kind, "error": exc}
        if exc.transient:
            text += " " + _("This is usually temporary: try again later.")
        self.message_user(request, text, messages.ERROR)
