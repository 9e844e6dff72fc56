from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from ..families import Family
from ..parsers import boolean


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
    # Not a NullBooleanField, as the stubs expect: it refuses what that one reads as None.
    field_class = StrictBooleanField  # type: ignore[assignment]


class JobFilter(django_filters.FilterSet):
    """The base of every family's filters, made by :func:`filterset_for`."""

    def filter_state(self, queryset, name, value):
        return queryset.finished() if value == "finished" else queryset.active()


def filterset_for(family: Family, choice_fields: tuple[str, ...] = ()) -> type[JobFilter]:
    """``<Model>Filter``: ``?status=a,b``; ``?name=a,b`` for each of ``choice_fields`` and
    ``?name=true|false`` for each boolean field of the family's description; whether a job
    is finished; bounds on when it was created and updated."""
    unknown = [name for name in choice_fields if name not in family.fields]
    if unknown:
        raise ValueError(f"{family.label} has no field {', '.join(unknown)}")
    booleans = [name for name, (parser, _default) in family.fields.items() if parser is boolean]
    # Made in the order they are listed: django-filter orders filters by creation.
    filters: dict[str, django_filters.Filter] = {
        name: CommaSeparatedCharFilter(field_name=name, lookup_expr="in")
        for name in ("status", *choice_fields)
    }
    filters.update({name: StrictBooleanFilter(field_name=name) for name in booleans})
    filters["state"] = django_filters.ChoiceFilter(
        choices=(("active", _("Not finished")), ("finished", _("Finished"))),
        method="filter_state",
        label=_("active or finished"),
    )
    for field in ("created_at", "updated_at"):
        filters[f"{field}_after"] = UTCIsoDateTimeFilter(field_name=field, lookup_expr="gte")
        filters[f"{field}_before"] = UTCIsoDateTimeFilter(field_name=field, lookup_expr="lte")
    meta = type("Meta", (), {"model": family.model, "fields": tuple(filters)})
    return type(f"{family.model_name}Filter", (JobFilter,), {"Meta": meta, **filters})


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
