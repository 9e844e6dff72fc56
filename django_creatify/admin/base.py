"""``CreatifyJobAdmin``: the mirror of one job family, read-only, with tools that ask
Creatify for fresh data. A family's admin is a subclass naming its ``family`` and its
``add_form``; columns, filters, fieldsets and displays are read off the family
(:mod:`.layout`).

Rows are never written here: refresh, sync and render go through
:mod:`django_creatify.sync` (or, for very large selections, :mod:`django_creatify.tasks`),
and "add" creates the job at Creatify and mirrors Creatify's answer.

A family left out of ``CREATIFY['FAMILIES']`` stays registered (registration happens at
import, before settings may change) but is hidden: no module permission (so it is not in
the admin index or the app's page) and no view, add or refresh permission (so its pages
answer 403). Enabling it again needs no restart.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.auth import get_permission_codename
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from ..families import Family, enabled_families
from ..paginator import EstimatedCountPaginator
from . import display
from .actions import JobActions, is_renderable
from .adding import CreateAtCreatify
from .changelist import JobChangeList
from .columns import JobColumns
from .forms import CreateForm
from .layout import JobLayout
from .live import POLL_MAX_IDS
from .search import BoundedSearchMixin
from .views import AdminToolViews


class CreatifyJobAdmin(
    BoundedSearchMixin,
    AdminToolViews,
    CreateAtCreatify,
    JobActions,
    JobColumns,
    admin.ModelAdmin,
):
    #: The job family this admin shows; a subclass that names one gets its layout.
    family: Family
    #: The add page's form: the family's create body.
    add_form: type[CreateForm]
    #: The list's columns that are not read for a page (set from the family).
    changelist_deferred: tuple[str, ...] = ()

    # The job cell draws the link to the job itself (see JobChangeList).
    list_display_links = None
    search_fields = ("name", "=id")
    search_help_text = gettext_lazy("Search by name, or by the exact job id.")
    date_hierarchy = "created_at"
    list_per_page = 50
    # No COUNT(*) of the whole table next to every filtered count.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    change_list_template = "django_creatify/admin/change_list.html"
    change_form_template = "django_creatify/admin/change_form.html"
    add_form_template = "django_creatify/admin/add_form.html"
    #: Seconds between the changelist's polls while unfinished jobs are on screen.
    poll_interval = 5.0
    #: Seconds between its polls once every job on screen has finished: a finished job
    #: can still go missing at Creatify or gain an archived copy.
    idle_poll_interval = 60.0

    class Media:
        css = {"all": ["django_creatify/admin.css", "django_creatify/changelist.css"]}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        family = cls.__dict__.get("family")
        if family is None:
            return
        layout = JobLayout(family)
        for name, value in layout.admin_attributes().items():
            if name not in cls.__dict__:
                setattr(cls, name, value)
        for name, method in layout.display_methods().items():
            if name not in cls.__dict__:
                setattr(cls, name, method)

    # -- permissions: the mirror is Creatify's, so nobody edits or deletes a row --------

    def is_enabled(self) -> bool:
        return any(family.name == self.family.name for family in enabled_families())

    def has_module_permission(self, request) -> bool:
        return self.is_enabled() and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.is_enabled() and super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return self.is_enabled() and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        # With a row in hand the page is view-only: no form, no save button, no write.
        if obj is not None or not self.is_enabled():
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_refresh_permission(self, request) -> bool:
        """Asking Creatify for fresh data: staff who may change this family's jobs."""
        codename = get_permission_codename("change", self.opts)
        return self.is_enabled() and request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def has_render_permission(self, request) -> bool:
        """Rendering a preview spends credits, as creating does: staff who may add jobs."""
        return self.has_add_permission(request)

    # -- pages ---------------------------------------------------------------------------

    def get_empty_value_display(self):
        return display.empty()

    def get_list_display_links(self, request, list_display):
        if IS_POPUP_VAR in request.GET:
            return ("title_column",)  # Django's link hands the row back to the opener
        return super().get_list_display_links(request, list_display)

    def get_changelist(self, request, **kwargs):
        return JobChangeList

    def changelist_view(self, request, extra_context=None):
        context = {
            **self._tool_urls(),
            "title": capfirst(self.opts.verbose_name_plural),
            "poll_interval": self.poll_interval,
            "idle_poll_interval": self.idle_poll_interval,
            "poll_max_ids": POLL_MAX_IDS,
            "empty_text": display.EMPTY_TEXT,
            "has_refresh_permission": self.has_refresh_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {
            **self._tool_urls(),
            "has_refresh_permission": self.has_refresh_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.family.previews:
            context["creatify_can_render"] = is_renderable(obj) and self.has_render_permission(
                request
            )
        return super().render_change_form(request, context, add, change, form_url, obj)
