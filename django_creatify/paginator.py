"""A paginator that does not ``COUNT(*)`` a big unfiltered table on PostgreSQL (the admin
changelist and the API list).

Tuned for speed: ``benchmarks/sync_benchmark.py`` times the changelist and the API list at
100,000 rows against 1,000.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Exact counts, except for an unfiltered list on PostgreSQL above ``threshold`` rows.

    PostgreSQL's ``COUNT(*)`` reads the whole table; its planner already keeps an
    estimate (``pg_class.reltuples``, refreshed by autovacuum). Above ``threshold``
    rows an unfiltered changelist shows that estimate instead: page links are then
    approximate, which a list of tens of thousands of jobs can afford. Any filter,
    search or date drill-down (a ``WHERE``) gets the exact count.
    """

    threshold = 20_000

    @cached_property
    def count(self) -> int:
        estimate = self._estimate()
        if estimate is not None and estimate >= self.threshold:
            return estimate
        return super().count

    def _estimate(self) -> int | None:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return None  # a list: len() is cheap
        query = queryset.query
        if query.where or query.distinct:
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        table = queryset.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(table)],
            )
            row = cursor.fetchone()
        # -1: never analysed yet.
        return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None
