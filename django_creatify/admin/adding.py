"""A job admin's add page: create (or preview) the job at Creatify, then mirror its answer."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .. import sync
from ..conf import creatify_settings
from ..exceptions import CreatifyError, InvalidRequestError
from ..families import CREATE, PREVIEW, Family
from ..models import CreatifyJob
from ..queueing import tasks_run_inline
from . import display
from .forms import CreateForm

# The job admin's logger keeps the name it had when it served Aurora only.
logger = logging.getLogger("django_creatify.admin.flows")

#: The submit button that asks for a preview instead of the finished video.
PREVIEW_BUTTON = "_preview"


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


class CreateAtCreatify:
    """The add page of a job admin: its form is ``add_form``, one per family."""

    family: Family
    add_form: type[CreateForm]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form(request.POST if request.method == "POST" else None)
        step = PREVIEW if PREVIEW_BUTTON in request.POST and self.family.previews else CREATE
        if request.method == "POST" and form.is_valid():
            job = self._create_at_creatify(request, form, step)
            if job is not None:
                self.log_addition(request, job, [{"added": {}}])
                text = (
                    _("Asked Creatify for a preview of {}; it is {} now. {}")
                    if step == PREVIEW
                    else _("Created {} at Creatify; it is {} now. {}")
                )
                self.message_user(
                    request,
                    format_html(text, job, display.status_label(job.status), _follow_up()),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._url("change", job.pk))
        adminform = helpers.AdminForm(form, [(None, {"fields": form.field_names()})], {})
        context = {
            **self.admin_site.each_context(request),
            "title": _("New %(family)s video") % {"family": self.family.label},
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
            "creatify_intro": form.intro,
            "creatify_can_create": CREATE in self.family.steps,
            "creatify_can_preview": self.family.previews,
            "creatify_preview_button": PREVIEW_BUTTON,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, change=False, form_url=form_url)

    def _create_at_creatify(self, request, form: CreateForm, step: str) -> CreatifyJob | None:
        try:
            return sync.create_job(
                self.family, step=step, created_by=request.user, **form.create_fields
            )
        except InvalidRequestError as exc:
            form.add_creatify_errors(exc.messages)
        except CreatifyError as exc:
            logger.warning("Admin create at Creatify failed: %s", exc)
            form.add_error(None, _("Creatify could not create the job: %(error)s") % {"error": exc})
        return None
