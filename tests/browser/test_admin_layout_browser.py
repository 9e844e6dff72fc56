"""Every family's job list fits the screens people use, in Chromium: a laptop with the
admin's navigation sidebar open (1366x768, 1440x900), a small tablet width (800x900) and
a phone (390x844). Nothing scrolls sideways, nothing overlaps, every column's value is on
screen exactly once (in its column, or folded into the job's cell), rows stay compact.

Sixty jobs a family from the sandbox, some with long names, some missing.
Set ``CREATIFY_LAYOUT_SCREENSHOTS`` to a directory to keep a screenshot of each page.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest
from django.utils import timezone

from django_creatify.families import FAMILIES, get_family
from django_creatify.sync import sync_jobs

pytestmark = pytest.mark.django_db(transaction=True)

#: (width, height, whether the admin's navigation sidebar shows at that width)
SCREENS = [(1366, 768, True), (1440, 900, True), (800, 900, True), (390, 844, False)]
LONG_NAMES = [
    "A very long name for a talking head video about the spring collection launch, final v3",
    "Produktvorstellung Frühjahrskollektion - Langfassung für die Händlerschulung 2026",
    "Onboarding_walkthrough_for_enterprise_customers_without_any_spaces_in_the_name_at_all",
    "新製品の紹介ビデオ・春のコレクション・縦型 9:16 版・最終稿",
]
#: The columns that fold into the job's cell, by the name of their values.
FOLDING = ("settings", "created", "duration", "credits")
SCREENSHOTS = os.environ.get("CREATIFY_LAYOUT_SCREENSHOTS")

#: Measures a page's layout; see the script's own comments.
MEASURE = (Path(__file__).parent / "measure_layout.js").read_text()


def admin_url(family: str) -> str:
    return f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"


def seed(sandbox, family: str, count: int = 60) -> None:
    """``count`` varied jobs, a few with long names, one of them running; three missing."""
    sandbox.add_jobs(count - len(LONG_NAMES), family, seed=7)
    for index, name in enumerate(LONG_NAMES):
        sandbox.add_job(family, name=name, status="running" if index == 0 else "done")
    result = sync_jobs(family)
    assert result.created == count, result
    model = get_family(family).model
    # Test data: what a complete listing without these jobs would leave behind.
    missing = model.objects.order_by("-created_at").values_list("pk", flat=True)[:3]
    model.objects.filter(pk__in=list(missing)).update(missing_since=timezone.now())


def check_layout(page, url: str, label: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("load")
    found = page.evaluate(MEASURE, {"folding": list(FOLDING), "list": "#changelist-form .results"})
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    where = f"{label} at {width}x{height}"
    assert found["page"][0] <= found["page"][1], (where, "the page scrolls sideways", found)
    assert found["results"][0] <= found["results"][1], (where, "the list scrolls sideways", found)
    assert found["overlaps"] == [], (where, found["overlaps"])
    assert found["overflowing"] == [], (where, "cells spill over", found["overflowing"][:5])
    assert found["notOnce"] == [], (where, found["notOnce"][:5])
    assert found["dateLines"] <= 1, (where, "the date hierarchy wraps")
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SCREENSHOTS) / f"{label}-{width}x{height}.png")
    return found


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_job_list_fits_laptops_with_the_sidebar_open_and_phones(
    admin_page, creatify_sandbox, family
):
    seed(creatify_sandbox, family)
    page = admin_page
    for width, height, sidebar in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        found = check_layout(page, page.base + admin_url(family), family)
        assert found["sidebar"] is sidebar, (width, "the navigation sidebar")
        assert found["rows"] == 50
        # Compact rows: a job's name and one line below it on a laptop.
        limit = 60 if width >= 1024 else 100
        assert statistics.median(found["rowHeights"]) <= limit, (width, found["rowHeights"][:5])


def test_a_month_of_days_stays_on_one_line(admin_page, creatify_sandbox):
    seed(creatify_sandbox, "aurora")
    model = get_family("aurora").model
    newest = model.objects.order_by("-created_at").first().created_at
    page = admin_page
    url = f"{page.base}{admin_url('aurora')}?created_at__year={newest.year}"
    url += f"&created_at__month={newest.month}"
    for width, height, _sidebar in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        check_layout(page, url, "aurora-days")


def test_nothing_overlaps_on_a_job_page(admin_page, creatify_sandbox):
    job = creatify_sandbox.add_job(name=LONG_NAMES[0], status="failed")
    sync_jobs("aurora")
    page = admin_page
    for width, height, _sidebar in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{page.base}{admin_url('aurora')}{job['id']}/change/")
        found = page.evaluate(MEASURE, {"folding": [], "list": "#content-main"})
        assert found["page"][0] <= found["page"][1], (width, found)
        assert found["overlaps"] == [], (width, found["overlaps"])
