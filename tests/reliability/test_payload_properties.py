"""Property: any JSON item Creatify might send either syncs or is skipped with a reason.

Items go the whole way: served by the sandbox over HTTP, read by the client, parsed and
written to the database (PostgreSQL in CI), so whatever the database refuses shows up.
"""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_creatify.models import AuroraFlow
from django_creatify.payloads import MIRRORED_FIELDS
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows

pytestmark = pytest.mark.django_db

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
plausible = {
    "created_at": st.datetimes().map(lambda d: d.isoformat() + "Z"),
    "updated_at": st.datetimes().map(lambda d: d.isoformat() + "Z"),
    "status": st.sampled_from(
        ["pending", "in_queue", "running", "done", "failed", "rejected", "x"]
    ),
    "progress": st.floats(0, 100) | st.integers(0, 100).map(str),
    "credits_used": st.floats(0, 1000) | st.just("7.5"),
    "duration": st.integers(0, 600),
    "media_job": st.uuids().map(str),
    "is_hidden": st.booleans(),
}
ids = st.uuids().map(str) | st.text(max_size=40) | st.none() | st.integers()


@st.composite
def items(draw):
    item = {"id": draw(ids)}
    for name in draw(st.lists(st.sampled_from(MIRRORED_FIELDS), unique=True, max_size=12)):
        item[name] = draw(plausible.get(name, json_values) | json_values)
    item.update(draw(st.dictionaries(st.text(max_size=10), json_values, max_size=2)))
    return item


# Hypothesis's own examples plus the handful that once broke a real database.
@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(items() | json_values, max_size=6))
def test_any_item_syncs_or_is_skipped_with_a_reason(creatify_sandbox, batch):
    # ensure_ascii escapes every odd character, lone surrogates included, as \\uXXXX.
    creatify_sandbox.inject(Fault.body(200, json.dumps(batch, ensure_ascii=True).encode()))
    result = sync_aurora_flows(ids=None)
    accounted = result.created + result.updated + result.unchanged + result.stale + result.skipped
    assert accounted == len(batch)
    assert all(item.reason for item in result.skipped_items)


def test_integers_beyond_64_bits_do_not_fail_the_listing(creatify_sandbox):
    # Found by the property test: the C JSON parser refused the whole body.
    flow_id = str(uuid.uuid4())
    item = {"id": flow_id, "status": "done", "duration": 5, "extra": 2**64}
    creatify_sandbox.inject(Fault.body(200, json.dumps([item]).encode()))
    assert sync_aurora_flows().created == 1
    assert AuroraFlow.objects.get(pk=flow_id).raw["extra"] == 2**64


@pytest.mark.parametrize(
    "text",
    ["nul\x00inside", "lone \ud800 surrogate", "pair \U0001f600", "\udfff", "ok"],
    ids=["nul", "lone-surrogate", "pair", "lone-low", "plain"],
)
def test_text_a_database_cannot_store_is_made_storable(creatify_sandbox, text):
    flow_id = str(uuid.uuid4())
    item = {"id": flow_id, "status": "done", "name": text, "extra": {text: text}}
    creatify_sandbox.inject(Fault.body(200, json.dumps([item], ensure_ascii=True).encode()))
    assert sync_aurora_flows().created == 1
    stored = AuroraFlow.objects.get(pk=flow_id)
    assert "\x00" not in stored.name
    stored.name.encode("utf-8")  # no lone surrogate survives
    if text in ("ok", "pair \U0001f600"):
        assert stored.name == text
