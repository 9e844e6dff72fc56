"""Admin search with the API's bounds: a huge search box entry is refused, not run.

Django's admin turns every search term into one ``OR``/``AND`` clause; 333,333 terms make
a query PostgreSQL can spend half an hour planning.
"""

from __future__ import annotations

from django.contrib import messages
from django.utils.text import smart_split
from django.utils.translation import gettext as _

from ..conf import creatify_settings


class BoundedSearchMixin:
    def get_search_results(self, request, queryset, search_term):
        length = int(creatify_settings.API_MAX_PARAM_LENGTH)
        terms = int(creatify_settings.API_MAX_SEARCH_TERMS)
        too_long = len(search_term) > length
        if too_long or sum(1 for _term in smart_split(search_term)) > terms:
            self.message_user(
                request,
                _("Search for at most %(terms)d words and %(length)d characters.")
                % {"terms": terms, "length": length},
                messages.ERROR,
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)
