"""Figures for the admin overview page: three queries for the family in view and one per
other enabled family, whatever the tables' sizes, and the account's credit balance (one
call to Creatify per ``CREDITS_CACHE_SECONDS`` at most, through :mod:`..credits`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import credits as balance_reader
from ..choices import JobStatus
from ..families import Family
from . import display

CHART_DAYS = 30
CHART_WIDTH = 600
CHART_HEIGHT = 140
CHART_GAP = 2


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    css: str
    count: int


@dataclass(frozen=True)
class DayBar:
    day: date
    credits: float
    jobs: int
    x: float
    y: float
    width: float
    height: float

    @property
    def credits_text(self) -> str:
        return f"{self.credits:g}"


def status_counts(family: Family) -> list[StatusCount]:
    """Every status with its number of jobs: the documented ones first, then any new one."""
    rows = family.model._default_manager.order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    ordered = [status.value for status in JobStatus]
    ordered += sorted(status for status in counts if status not in ordered)
    return [
        StatusCount(
            status=status,
            label=display.status_label(status),
            css=display.status_css(status),
            count=counts.get(status, 0),
        )
        for status in ordered
    ]


def totals(family: Family) -> dict[str, Any]:
    return family.model._default_manager.aggregate(
        jobs=Count("pk"),
        credits=Sum("credits_used"),
        last_synced=Max("synced_at"),
        missing=Count("pk", filter=Q(missing_since__isnull=False)),
    )


def credits_per_day(
    family: Family, days: int = CHART_DAYS, today: date | None = None
) -> list[DayBar]:
    """Credits of the jobs created on each of the last ``days`` days (local time), as bars."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    rows = (
        family.model._default_manager.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("day")
        .annotate(credits=Sum("credits_used"), jobs=Count("pk"))
    )
    by_day = {row["day"]: row for row in rows}
    values = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row: Mapping[str, Any] = by_day.get(day) or {}
        values.append((day, float(row.get("credits") or 0.0), int(row.get("jobs") or 0)))
    peak = max((credits for _, credits, _ in values), default=0.0) or 1.0
    slot = CHART_WIDTH / days
    bars = []
    for index, (day, credits, jobs) in enumerate(values):
        height = round(CHART_HEIGHT * credits / peak, 1)
        if credits and height < 1:
            height = 1.0
        bars.append(
            DayBar(
                day=day,
                credits=round(credits, 2),
                jobs=jobs,
                x=round(index * slot + CHART_GAP / 2, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(slot - CHART_GAP, 1),
                height=height,
            )
        )
    return bars


@dataclass(frozen=True)
class FamilyRow:
    """One enabled family's line in the overview's table of every family."""

    family: Family
    counts: list[StatusCount]
    changelist_url: str
    overview_url: str

    @property
    def total(self) -> int:
        return sum(row.count for row in self.counts)


def family_rows(
    families: list[Family], urls, in_view: Family, in_view_counts: list[StatusCount]
) -> list[FamilyRow]:
    """Counts by status of each family; ``urls(family, name)`` reverses its admin pages."""
    rows = []
    for family in families:
        counts = in_view_counts if family is in_view else status_counts(family)
        known = [row for row in counts if row.status in JobStatus.values]
        other = sum(row.count for row in counts if row.status not in JobStatus.values)
        known.append(StatusCount("_other", _("Other"), "other", other))
        rows.append(FamilyRow(family, known, urls(family, "changelist"), urls(family, "overview")))
    return rows


def context(family: Family) -> dict[str, Any]:
    bars = credits_per_day(family)
    peak = max((bar.credits for bar in bars), default=0.0)
    return {
        "status_counts": status_counts(family),
        "totals": totals(family),
        "bars": bars,
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "middle": CHART_HEIGHT / 2,
            "peak": f"{peak:g}",
            "total": f"{sum(bar.credits for bar in bars):g}",
            "first": bars[0].day if bars else None,
            "last": bars[-1].day if bars else None,
        },
    }


@dataclass(frozen=True)
class CreditBalance:
    remaining: float | None
    error: str
    low: bool

    @property
    def known(self) -> bool:
        return self.remaining is not None

    @property
    def text(self) -> str:
        """``1,234.5``: thousands grouped, at most two decimals, no trailing zeros."""
        if self.remaining is None:
            return ""
        return f"{self.remaining:,.2f}".rstrip("0").rstrip(".")


def credit_balance() -> CreditBalance:
    balance = balance_reader.current_balance()
    limit = balance_reader.threshold()
    low = balance.remaining is not None and limit is not None and balance.remaining < limit
    return CreditBalance(balance.remaining, balance.error, low)
