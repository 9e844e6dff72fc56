from __future__ import annotations

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.rest_framework import DjangoFilterBackend
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


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the filters.

    Building and validating the filter form costs as much as formatting a page; without
    any filter parameter it would filter nothing.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _names_a_filter(
            request.query_params, filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_a_filter(params, filters) -> bool:
    # A range filter's parameters are its name with a suffix: created_at_after.
    return any(key == name or key.startswith(f"{name}_") for key in params for name in filters)
