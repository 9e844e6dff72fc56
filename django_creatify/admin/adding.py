"""The Aurora admin's add page: create the job at Creatify, then mirror its answer."""

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
from ..models import AuroraFlow
from ..queueing import tasks_run_inline
from . import display
from .forms import FORM_FIELDS, AuroraFlowCreateForm

logger = logging.getLogger("django_creatify.admin.flows")


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
    """The add page of a job admin (mixed into ``AuroraFlowAdmin``)."""

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
