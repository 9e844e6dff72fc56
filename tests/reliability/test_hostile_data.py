"""Hostile data from Creatify: one bad item, or one odd listing, never poisons the mirror.

Values no database or Python can hold are skipped with a reason; a listing that would
mark most of the mirror missing is taken for a glitch. Afterwards every page that shows
the mirror (API list, admin list and change page, overview) still answers 200. Items go
the whole way: served by the sandbox over HTTP, read by the client, written to the
database (PostgreSQL in CI), then read back by the pages.
"""

import json
import logging
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import (
    apply_aurora_payloads,
    record_created_flow,
    refresh_active_aurora_flows,
    sync_aurora_flows,
)

from ..helpers import served

pytestmark = pytest.mark.django_db

PAGES = (
    "/creatify/api/aurora/",
    "/admin/django_creatify/auroraflow/",
    "/admin/django_creatify/auroraflow/overview/",
)


@pytest.fixture
def staff():
    user = get_user_model().objects.create_superuser("boss", password="pw")
    browser = Client()
    browser.force_login(user)
    return browser


def assert_every_page_answers(staff):
    for page in PAGES:
        assert staff.get(page).status_code == 200, page
    for pk in AuroraFlow.objects.values_list("pk", flat=True)[:5]:
        assert staff.get(f"/admin/django_creatify/auroraflow/{pk}/change/").status_code == 200
        assert staff.get(f"/creatify/api/aurora/{pk}/").status_code == 200


def good_item(**fields):
    return {
        "id": str(uuid.uuid4()),
        "status": "done",
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:05:00Z",
        "credits_used": 12.5,
        "duration": 12,
        **fields,
    }


# -- values outside what the database or Python can hold ----------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        # Year 10000 in UTC: PostgreSQL stores it, Python cannot read it back.
        ("created_at", "9999-12-31T23:59:59-14:00", "created_at: date-time out of range"),
        ("updated_at", "0001-01-01T00:00:00+14:00", "updated_at: date-time out of range"),
        # Two of these overflowed the overview's SUM.
        ("credits_used", 1.7e308, "credits_used: number out of range"),
        ("credits_used", "1e400", "credits_used: expected a finite number"),
        ("progress", -1e16, "progress: number out of range"),
        # Within the decoder's digit limit, beyond what a float holds.
        ("duration", 10**400, "duration: number out of range"),
        ("duration", 2**31, "duration: integer out of range"),
    ],
    ids=["year-10000", "year-0", "float-max", "float-inf", "negative", "400-digits", "2^31"],
)
def test_a_value_beyond_what_can_be_held_skips_its_item_only(
    creatify_sandbox, staff, field, value, reason
):
    bad, fine = good_item(**{field: value}), good_item(name="fine")
    creatify_sandbox.inject(Fault.body(200, json.dumps([bad, fine]).encode()))
    result = sync_aurora_flows()
    assert (result.created, result.skipped) == (1, 1)
    (skipped,) = result.skipped_items
    assert skipped.id == bad["id"]
    assert skipped.reason.startswith(reason), skipped.reason
    assert AuroraFlow.objects.get().name == "fine"
    assert_every_page_answers(staff)


def test_values_at_the_edges_are_stored(creatify_sandbox, staff):
    edge = good_item(
        created_at="9999-12-31T09:59:59-14:00",  # 23:59:59 UTC, the last storable second
        duration=2**31 - 1,
        credits_used=1e15,
    )
    twin = {**edge, "id": str(uuid.uuid4())}
    creatify_sandbox.inject(Fault.body(200, json.dumps([edge, twin]).encode()))
    assert sync_aurora_flows().created == 2
    row = AuroraFlow.objects.get(pk=edge["id"])
    assert (row.created_at.year, row.duration, row.credits_used) == (9999, 2**31 - 1, 1e15)
    assert_every_page_answers(staff)


zones = st.sampled_from(["Z", "+14:00", "-14:00", "-23:59", "+23:59"])
hostile_values = {
    "created_at": st.builds(lambda when, zone: when.isoformat() + zone, st.datetimes(), zones),
    "updated_at": st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]),
    "credits_used": st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats().map(repr),
    "duration": st.integers(min_value=-(10**400), max_value=10**400) | st.floats(),
    "progress": st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    "prompt_guidance_scale": st.floats(allow_nan=True, allow_infinity=True),
    "name": st.text(max_size=40),
    "status": st.text(max_size=70),
}


@st.composite
def hostile_items(draw):
    item = good_item()
    for name in draw(st.lists(st.sampled_from(sorted(hostile_values)), unique=True, min_size=1)):
        item[name] = draw(hostile_values[name])
    return item


def _json(value):
    # NaN and Infinity as Python's json writes them: not JSON, but a server may send them.
    return json.dumps(value, ensure_ascii=True).encode()


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(hostile_items(), min_size=1, max_size=4))
def test_hostile_items_never_stop_a_page_from_answering(creatify_sandbox, staff, batch):
    creatify_sandbox.inject(Fault.body(200, _json(batch)))
    result = sync_aurora_flows(ids=None)
    assert result.created + result.updated + result.unchanged + result.skipped == len(batch)
    assert all(item.reason for item in result.skipped_items)
    assert_every_page_answers(staff)


# -- a listing that would empty the mirror ----------------------------------------------


@pytest.fixture
def ten_mirrored(creatify_sandbox):
    creatify_sandbox.add_jobs(6, status="done")
    creatify_sandbox.add_jobs(4, status="running")
    sync_aurora_flows()
    assert AuroraFlow.objects.count() == 10
    return served(creatify_sandbox)


def test_an_empty_listing_marks_nothing_missing_and_logs_an_error(
    creatify_sandbox, ten_mirrored, caplog
):
    creatify_sandbox.inject(Fault.body(200, b"[]"))
    with caplog.at_level(logging.ERROR, logger="django_creatify.sync"):
        result = sync_aurora_flows()
    assert (result.missing, result.missing_withheld) == (0, 10)
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()
    assert "lacks 10 of 10" in caplog.text
    assert "not marked missing" in str(result)

    # The running jobs are still refreshed by id.
    creatify_sandbox.clear_requests()
    refresh_active_aurora_flows()
    (request,) = creatify_sandbox.requests
    running = {job["id"] for job in ten_mirrored if job["status"] == "running"}
    assert set(request.query["ids"].split(",")) == running


@pytest.mark.parametrize(("dropped", "marked"), [(5, 5), (6, 0)])
def test_more_than_half_missing_is_taken_for_a_glitch(
    creatify_sandbox, ten_mirrored, dropped, marked
):
    kept = ten_mirrored[dropped:]
    creatify_sandbox.inject(Fault.body(200, json.dumps(kept).encode()))
    result = sync_aurora_flows()
    assert (result.missing, result.missing_withheld) == (marked, dropped - marked)
    assert AuroraFlow.objects.filter(missing_since__isnull=False).count() == marked


def test_the_share_is_a_setting(creatify_sandbox, ten_mirrored, settings):
    settings.CREATIFY = {**settings.CREATIFY, "SYNC_MISSING_MAX_SHARE": 0.1}
    creatify_sandbox.inject(Fault.body(200, json.dumps(ten_mirrored[2:]).encode()))
    assert sync_aurora_flows().missing_withheld == 2
    creatify_sandbox.inject(Fault.body(200, json.dumps(ten_mirrored[1:]).encode()))
    assert sync_aurora_flows().missing == 1


def test_unfinished_jobs_marked_missing_are_still_refreshed_by_id(creatify_sandbox, ten_mirrored):
    running = [job for job in ten_mirrored if job["status"] == "running"]
    listed = [job for job in ten_mirrored if job["id"] != running[0]["id"]]
    creatify_sandbox.inject(Fault.body(200, json.dumps(listed).encode()))
    assert sync_aurora_flows().missing == 1

    creatify_sandbox.update_job(running[0]["id"], status="done")
    creatify_sandbox.clear_requests()
    refresh_active_aurora_flows()
    (request,) = creatify_sandbox.requests
    assert running[0]["id"] in request.query["ids"].split(",")
    row = AuroraFlow.objects.get(pk=running[0]["id"])
    assert (row.status, row.missing_since) == ("done", None)


def test_a_job_written_while_a_listing_runs_is_neither_missing_nor_a_glitch(
    creatify_sandbox, caplog
):
    """A job the site creates after the listing was fetched is absent from it because it
    is new: it must not count towards the glitch rule either."""
    (created,) = creatify_sandbox.add_jobs(1, status="running")

    def empty_listing_then_a_create():
        record_created_flow(created)
        yield from ()

    with caplog.at_level(logging.ERROR, logger="django_creatify.sync"):
        result = apply_aurora_payloads(empty_listing_then_a_create(), complete_listing=True)
    assert (result.missing, result.missing_withheld) == (0, 0)
    assert "glitch" not in caplog.text
    assert AuroraFlow.objects.get().missing_since is None
