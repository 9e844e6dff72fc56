from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

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


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 bound, any offset, compared in UTC; an error names the parameter."""

    field_class = UTCIsoDateTimeField


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, not "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise ValidationError(_("Enter true or false."), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class AuroraFlowFilter(django_filters.FilterSet):
    status = CommaSeparatedCharFilter(field_name="status", lookup_expr="in")
    model_version = CommaSeparatedCharFilter(field_name="model_version", lookup_expr="in")
    is_hidden = StrictBooleanFilter()
    state = django_filters.ChoiceFilter(
        choices=(("active", _("Not finished")), ("finished", _("Finished"))),
        method="filter_state",
        label=_("active or finished"),
    )
    created_at_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_at_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    updated_at_after = UTCIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_at_before = UTCIsoDateTimeFilter(field_name="updated_at", lookup_expr="lte")

    class Meta:
        model = AuroraFlow
        fields = (
            "status",
            "model_version",
            "is_hidden",
            "state",
            "created_at_after",
            "created_at_before",
            "updated_at_after",
            "updated_at_before",
        )

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
    return any(key in filters for key in params)
