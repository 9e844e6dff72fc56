"""Changelist filters that cost no query to draw."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..choices import KNOWN_STATUSES, AuroraStatus

OTHER = "_other"


class StatusListFilter(admin.SimpleListFilter):
    """Creatify's documented statuses, plus "Other" for any status it adds later.

    The choices are fixed, so drawing the filter never runs a ``SELECT DISTINCT``.
    """

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*AuroraStatus.choices, (OTHER, _("Other (not yet known)"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == OTHER:
            return queryset.exclude(status__in=KNOWN_STATUSES)
        return queryset.filter(status=value)
