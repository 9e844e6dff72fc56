from __future__ import annotations

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget

from ..models import AuroraFlow


class CommaSeparatedCharFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """``?status=done,failed``: any of several values, including ones Creatify adds later."""


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC before it reaches the database.

    PostgreSQL refuses offsets beyond +-15:59 that Python accepts; a query must answer
    400 for such input, not fail in the database.
    """

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(
                _("Enter a date-time within years 1 to 9999."), code="invalid"
            ) from None


class UTCIsoDateTimeRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UTCIsoDateTimeField(), UTCIsoDateTimeField()), *args, **kwargs)


class UTCIsoDateTimeFromToRangeFilter(django_filters.RangeFilter):
    """``<field>_after`` / ``<field>_before`` in ISO 8601, any offset, compared in UTC."""

    field_class = UTCIsoDateTimeRangeField


class AuroraFlowFilter(django_filters.FilterSet):
    status = CommaSeparatedCharFilter(field_name="status", lookup_expr="in")
    model_version = CommaSeparatedCharFilter(field_name="model_version", lookup_expr="in")
    is_hidden = django_filters.BooleanFilter()
    state = django_filters.ChoiceFilter(
        choices=(("active", _("Not finished")), ("finished", _("Finished"))),
        method="filter_state",
        label=_("active or finished"),
    )
    created_at = UTCIsoDateTimeFromToRangeFilter()
    updated_at = UTCIsoDateTimeFromToRangeFilter()

    class Meta:
        model = AuroraFlow
        fields = ("status", "model_version", "is_hidden", "state", "created_at", "updated_at")

    def filter_state(self, queryset, name, value):
        return queryset.finished() if value == "finished" else queryset.active()
