"""The API's query parameters, checked before anything reaches the database.

Every parameter is bounded in length, search in its number of terms, and ordering to the
fields the view names: a 1 MB ``?search=`` of 333,333 terms once took minutes to answer
and left a PostgreSQL backend compiling the query for half an hour. A parameter the API
cannot honour is a 400 that names it, never silently ignored.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, SearchFilter

from ..conf import creatify_settings


def check_length(params) -> None:
    limit = int(creatify_settings.API_MAX_PARAM_LENGTH)
    errors = {
        name: [_("At most %(limit)d characters.") % {"limit": limit}]
        for name, values in params.lists()
        if len(name) > limit or any(len(value) > limit for value in values)
    }
    if errors:
        raise ValidationError({name[:limit]: messages for name, messages in errors.items()})


class BoundedQueryBackend(BaseFilterBackend):
    """Runs first among a view's filter backends: refuses what would cost too much or mean
    nothing, and filters nothing itself."""

    def filter_queryset(self, request, queryset, view):
        params = request.query_params
        check_length(params)
        search = params.get(SearchFilter.search_param)
        if search:
            terms = SearchFilter().get_search_terms(request)
            limit = int(creatify_settings.API_MAX_SEARCH_TERMS)
            if len(terms) > limit:
                raise ValidationError(
                    {"search": [_("At most %(limit)d search terms.") % {"limit": limit}]}
                )
        ordering = params.get("ordering")
        if ordering is not None:
            check_ordering(ordering, getattr(view, "ordering_fields", ()))
        return queryset


def check_ordering(ordering: str, allowed: tuple[str, ...]) -> None:
    fields = [term.strip() for term in ordering.split(",") if term.strip()]
    unknown = [term for term in fields if term.lstrip("-") not in allowed]
    if unknown or not fields:
        raise ValidationError(
            {
                "ordering": [
                    _(
                        "Unknown ordering %(given)s; order by one of: %(allowed)s (prefix - for "
                        "descending)."
                    )
                    % {"given": ", ".join(unknown) or "''", "allowed": ", ".join(allowed)}
                ]
            }
        )
