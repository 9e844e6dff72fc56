"""Changelist filters that cost no query to draw.

Django's filter for a plain text column lists its values with ``SELECT DISTINCT``, a scan
of the table on every page. Here the values are the ones Creatify documents, fixed, plus
"Other" for anything it adds later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..choices import KNOWN_STATUSES, JobStatus
from ..families import FAMILIES, Family

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

OTHER = "_other"

#: The columns a job changelist filters on, when the family's model has them.
CHOICE_LIKE_FIELDS = ("model_version", "aspect_ratio", "style", "is_hidden")


class KnownValuesFilter(admin.SimpleListFilter):
    """Fixed choices for one column, and "Other" for the values outside them."""

    field_name = ""
    known: tuple[tuple[str, str | StrPromise], ...] = ()

    def lookups(self, request, model_admin):
        return [*self.known, (OTHER, _("Other (not yet known)"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == OTHER:
            return queryset.exclude(
                **{f"{self.field_name}__in": [key for key, _label in self.known]}
            )
        return queryset.filter(**{self.field_name: value})


class StatusListFilter(KnownValuesFilter):
    """Creatify's documented statuses, plus "Other" for any status it adds later."""

    title = _("status")
    parameter_name = "status"
    field_name = "status"
    known = tuple(JobStatus.choices)

    def queryset(self, request, queryset):
        if self.value() == OTHER:
            return queryset.exclude(status__in=KNOWN_STATUSES)
        return super().queryset(request, queryset)


class ListedListFilter(admin.SimpleListFilter):
    """Whether Creatify still lists the job: the mirror keeps a job it stopped listing,
    marked missing since the listing that first left it out."""

    title = _("listed by Creatify")
    parameter_name = "listed"
    LISTED, MISSING = "yes", "missing"

    def lookups(self, request, model_admin):
        return [(self.LISTED, _("Yes")), (self.MISSING, _("No: missing"))]

    def queryset(self, request, queryset):
        if self.value() == self.LISTED:
            return queryset.filter(missing_since__isnull=True)
        if self.value() == self.MISSING:
            return queryset.filter(missing_since__isnull=False)
        return queryset


def known_values_filter(field_name: str, title, values: tuple[str, ...]) -> type:
    return type(
        f"{field_name.title().replace('_', '')}ListFilter",
        (KnownValuesFilter,),
        {
            "title": title,
            "parameter_name": field_name,
            "field_name": field_name,
            "known": tuple((value, value) for value in values),
        },
    )


def job_filters(family: Family) -> tuple:
    """Status, whether Creatify still lists the job, the choice-like columns the family's
    model has, and the creation date.

    A column with choices on the model, or a boolean, keeps Django's own filter (its
    choices are fixed too); any other gets the values the family documents for it.
    """
    names = {field.name: field for field in family.model._meta.concrete_fields}
    filters: list = [StatusListFilter, ListedListFilter]
    for name in CHOICE_LIKE_FIELDS:
        field = names.get(name)
        if field is None or (
            not field.choices
            and name not in family.vocabularies
            and field.get_internal_type() != "BooleanField"
        ):
            continue
        if field.choices or field.get_internal_type() == "BooleanField":
            filters.append(name)
        else:
            values = family.vocabularies[name]
            filters.append(known_values_filter(name, field.verbose_name, values))
    return (*filters, "created_at")


class FamilyListFilter(admin.SimpleListFilter):
    """The webhook log by job family: every family, and "not known yet" for the empty one."""

    title = _("family")
    parameter_name = "family"
    UNKNOWN = "_unknown"

    def lookups(self, request, model_admin):
        families = [(family.name, family.label) for family in FAMILIES.values()]
        return [*families, (self.UNKNOWN, _("Not known yet"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(family="" if value == self.UNKNOWN else value)
