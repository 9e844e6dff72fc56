"""Edges of the remote-JSON parsers: values at their bounds and the reasons given."""

import pytest

from django_creatify.payloads import FieldRejected, parse_flow

JOB_ID = "0b6f0f5e-3f1a-4f60-9a57-6f7a4c1c2d3e"


def test_a_well_formed_but_impossible_date_is_rejected_with_a_reason():
    # Both parsers accept the shape; the calendar refuses month 13.
    with pytest.raises(FieldRejected, match=r"^created_at: expected an ISO 8601 date-time"):
        parse_flow({"id": JOB_ID, "created_at": "2026-13-45T10:00:00"})


def test_a_flow_parsed_outside_a_listing_has_no_digest_or_text():
    # An empty digest never matches a stored one, so such a flow is always compared.
    flow = parse_flow({"id": JOB_ID, "name": "x"})
    assert flow.digest == ""
    assert flow.raw_text is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a" * 40, "'" + "a" * 40 + "'"),
        ("b" * 41, "'" + "b" * 39 + "…'"),
    ],
)
def test_a_rejected_string_is_quoted_whole_up_to_40_characters(value, shown):
    with pytest.raises(FieldRejected) as caught:
        parse_flow({"id": JOB_ID, "updated_at": value})
    assert str(caught.value) == f"updated_at: expected an ISO 8601 date-time, got {shown}"
