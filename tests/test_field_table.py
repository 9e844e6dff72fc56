"""Every mirrored field, every awkward input, through a real sync into the database.

The table is written by hand: for each field its kind and the value it stores when absent
or null; for each kind every input with the exact value stored, or the item skipped with
a reason naming the field. One listing carries every case (an item each, all other fields
valid), so one sync per database proves each value, and that a skipped item never costs
the other items of its listing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from django_creatify import payloads
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Skipped:
    """The item is skipped; its reason starts with "<field>: " and then this."""

    reason: str


ABSENT = object()  # the input: the field left out of the item
DEFAULT = object()  # the expected value: the field's own default (FIELD_KINDS)

MEDIA_JOB = "5d0c7b5a-8c1e-4c0e-9a55-1c2b3d4e5f60"
TEN_UTC = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

# Every field with its kind and what it stores when absent or null. Each base value
# below differs from that default, so a default stored by mistake shows.
FIELD_KINDS: dict[str, tuple[str, Any]] = {
    "created_at": ("datetime", None),
    "updated_at": ("datetime", None),
    "name": ("text", None),
    "audio": ("text", ""),
    "image": ("text", ""),
    "text_prompt": ("text", ""),
    "prompt_guidance_scale": ("number", None),
    "model_version": ("short", ""),
    "video_output": ("text", None),
    "credits_used": ("number", None),
    "duration": ("integer", None),
    "progress": ("number", None),
    "failed_reason": ("text", ""),
    "media_job": ("uuid", None),
    "status": ("short", ""),
    "is_hidden": ("boolean", False),
    "webhook_url": ("text", None),
    "preview": ("text", None),
    "editor_url": ("text", None),
}

# A valid item as sent, and what its row holds.
BASE_ITEM: dict[str, Any] = {
    "created_at": "2026-10-01T08:00:00Z",
    "updated_at": "2026-10-01T08:05:00Z",
    "name": "Launch teaser",
    "audio": "https://cdn.example/a.mp3",
    "image": "https://cdn.example/i.png",
    "text_prompt": "warm light",
    "prompt_guidance_scale": 1.5,
    "model_version": "aurora_v1",
    "video_output": "https://cdn.example/v.mp4",
    "credits_used": 12.5,
    "duration": 25,
    "progress": 0.75,
    "failed_reason": "no reason",
    "media_job": "0b6f0f5e-3f1a-4f60-9a57-6f7a4c1c2d3e",
    "status": "running",
    "is_hidden": True,
    "webhook_url": "https://site.example/hook/",
    "preview": "https://cdn.example/p.mp4",
    "editor_url": "https://app.example/e/1",
}
BASE_ROW: dict[str, Any] = {
    "created_at": datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
    "updated_at": datetime(2026, 10, 1, 8, 5, tzinfo=UTC),
    "name": "Launch teaser",
    "audio": "https://cdn.example/a.mp3",
    "image": "https://cdn.example/i.png",
    "text_prompt": "warm light",
    "prompt_guidance_scale": 1.5,
    "model_version": "aurora_v1",
    "video_output": "https://cdn.example/v.mp4",
    "credits_used": 12.5,
    "duration": 25,
    "progress": 0.75,
    "failed_reason": "no reason",
    "media_job": uuid.UUID("0b6f0f5e-3f1a-4f60-9a57-6f7a4c1c2d3e"),
    "status": "running",
    "is_hidden": True,
    "webhook_url": "https://site.example/hook/",
    "preview": "https://cdn.example/p.mp4",
    "editor_url": "https://app.example/e/1",
}

# kind -> (input, expected) pairs. Inputs are Python values that json.dumps sends as is.
CASES: dict[str, list[tuple[Any, Any]]] = {
    "text": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        ("", ""),
        ("12", "12"),
        (0, "0"),
        (1, "1"),
        (2.5, "2.5"),
        (2**31, "2147483648"),
        ("true", "true"),
        ("false", "false"),
        ("x" * 65, "x" * 65),
        (True, Skipped("expected a string, got bool True")),
        ({"a": 1}, Skipped("expected a string, got an object")),
        ([1], Skipped("expected a string, got an array")),
    ],
    "short": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        ("12", "12"),
        (0, "0"),
        (1, "1"),
        ("true", "true"),
        ("false", "false"),
        ("x" * 64, "x" * 64),
        ("\u00e9" * 64, "\u00e9" * 64),  # 64 characters, 128 bytes
        ("x" * 65, Skipped("expected a short code, got 65 characters")),
        (True, Skipped("expected a string, got bool True")),
        ({"a": 1}, Skipped("expected a string, got an object")),
        ([1], Skipped("expected a string, got an array")),
    ],
    "number": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        ("12", 12.0),
        (" 7.5 ", 7.5),
        (0, 0.0),
        (1, 1.0),
        (2**31 - 1, 2147483647.0),
        (2**31, 2147483648.0),
        (-(2**31), -2147483648.0),
        (10**15, 1e15),
        (-(10**15), -1e15),
        (10**15 + 1, Skipped("number out of range")),
        (10**400, Skipped("number out of range")),  # past what a float can hold
        ("NaN", Skipped("expected a finite number")),
        ("true", Skipped("expected a number, got 'true'")),
        ("false", Skipped("expected a number, got 'false'")),
        (True, Skipped("expected a number, got a boolean")),
        ({"a": 1}, Skipped("expected a number, got an object")),
        ([1], Skipped("expected a number, got an array")),
    ],
    "integer": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        ("12", 12),
        (12.0, 12),
        (0, 0),
        (1, 1),
        (2**31 - 1, 2147483647),
        (-(2**31 - 1), -2147483647),
        (2**31, Skipped("integer out of range")),
        ("2147483648", Skipped("integer out of range")),
        (-(2**31 + 1), Skipped("integer out of range")),
        ("true", Skipped("expected a number, got 'true'")),
        (True, Skipped("expected a number, got a boolean")),
        ({"a": 1}, Skipped("expected a number, got an object")),
        ([1], Skipped("expected a number, got an array")),
    ],
    "boolean": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        (True, True),
        (False, False),
        (0, False),
        (1, True),
        ("true", True),
        ("false", False),
        (" TRUE ", True),
        ("12", Skipped("expected a boolean, got '12'")),
        (2, Skipped("expected a boolean, got int 2")),
        ("yes", Skipped("expected a boolean, got 'yes'")),
        ({"a": 1}, Skipped("expected a boolean, got an object")),
        ([1], Skipped("expected a boolean, got an array")),
    ],
    "datetime": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        ("2026-11-01T10:00:00Z", TEN_UTC),
        ("2026-11-01T12:30:00+02:30", TEN_UTC),
        ("2026-11-01T05:00:00-05:00", TEN_UTC),
        ("2026-11-01T10:00:00", TEN_UTC),  # naive: taken as UTC
        ("2026-11-01T10:00:00.123456Z", datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("9999-12-31T23:59:59-14:00", Skipped("date-time out of range")),
        ("yesterday", Skipped("expected an ISO 8601 date-time, got 'yesterday'")),
        ("12", Skipped("expected an ISO 8601 date-time, got '12'")),
        ("true", Skipped("expected an ISO 8601 date-time, got 'true'")),
        (0, Skipped("expected an ISO 8601 date-time, got int 0")),
        (1, Skipped("expected an ISO 8601 date-time, got int 1")),
        (True, Skipped("expected an ISO 8601 date-time, got bool True")),
        ({"a": 1}, Skipped("expected an ISO 8601 date-time, got an object")),
        ([1], Skipped("expected an ISO 8601 date-time, got an array")),
    ],
    "uuid": [
        (ABSENT, DEFAULT),
        (None, DEFAULT),
        (MEDIA_JOB, uuid.UUID(MEDIA_JOB)),
        (" 5D0C7B5A8C1E4C0E9A551C2B3D4E5F60 ", uuid.UUID(MEDIA_JOB)),
        ("12", Skipped("expected a UUID, got '12'")),
        ("true", Skipped("expected a UUID, got 'true'")),
        (0, Skipped("expected a UUID, got int 0")),
        (1, Skipped("expected a UUID, got int 1")),
        (True, Skipped("expected a UUID, got bool True")),
        ({"a": 1}, Skipped("expected a UUID, got an object")),
        ([1], Skipped("expected a UUID, got an array")),
    ],
}


@dataclass(frozen=True)
class Case:
    id: str
    field: str
    sent: Any
    expected: Any

    def item(self) -> dict[str, Any]:
        item = {"id": self.id, **BASE_ITEM}
        if self.sent is ABSENT:
            del item[self.field]
        else:
            item[self.field] = self.sent
        return item

    def __str__(self) -> str:
        sent = "absent" if self.sent is ABSENT else json.dumps(self.sent)[:40]
        return f"{self.field} = {sent}"


def all_cases() -> list[Case]:
    cases = []
    for field, (kind, default) in FIELD_KINDS.items():
        for sent, expected in CASES[kind]:
            number = len(cases) + 1
            expected = default if expected is DEFAULT else expected
            cases.append(Case(f"00000000-0000-4000-8000-{number:012d}", field, sent, expected))
    return cases


CONTROL_ID = "00000000-0000-4000-8000-000000000000"


def test_the_table_covers_every_mirrored_field():
    assert sorted(FIELD_KINDS) == sorted(payloads.FIELDS)
    assert sorted(BASE_ITEM) == sorted(BASE_ROW) == sorted(FIELD_KINDS)


def test_every_field_stores_each_input_exactly_or_skips_its_item(creatify_sandbox):
    cases = all_cases()
    items = [{"id": CONTROL_ID, **BASE_ITEM}, *(case.item() for case in cases)]
    creatify_sandbox.inject(Fault.body(200, json.dumps(items).encode()))

    result = sync_aurora_flows()

    skipped_cases = [case for case in cases if isinstance(case.expected, Skipped)]
    stored_cases = [case for case in cases if not isinstance(case.expected, Skipped)]
    assert (result.created, result.skipped) == (len(stored_cases) + 1, len(skipped_cases))
    reasons = {item.id: item.reason for item in result.skipped_items}
    fields = list(FIELD_KINDS)
    rows = {str(row["id"]): row for row in AuroraFlow.objects.values("id", "raw", *fields)}
    assert sorted(rows) == sorted([CONTROL_ID, *(case.id for case in stored_cases)])

    wrong: list[str] = []
    for case in skipped_cases:
        reason = reasons.get(case.id, "<not skipped>")
        if not reason.startswith(f"{case.field}: {case.expected.reason}"):
            wrong.append(f"{case}: skipped for {reason!r}")
    for case in [Case(CONTROL_ID, "name", BASE_ITEM["name"], BASE_ROW["name"]), *stored_cases]:
        row = rows[case.id]
        expected = {**BASE_ROW, case.field: case.expected}
        for field in fields:
            stored = row[field]
            # Types too: "0" is not 0, 12 is not 12.0 in a JSON API.
            if (type(stored), stored) != (type(expected[field]), expected[field]):
                wrong.append(f"{case}: {field} stored {stored!r}, expected {expected[field]!r}")
        if row["raw"] != case.item():
            wrong.append(f"{case}: raw stored {row['raw']!r}")
    assert wrong == []


def test_a_naive_date_time_compares_with_the_stored_one(creatify_sandbox):
    """Stored date-times are aware; one read without its zone must be comparable with
    them, or the first resync of a job that sends naive times could not tell newer from
    older."""
    item = {"id": CONTROL_ID, **BASE_ITEM, "updated_at": "2026-11-01T10:00:00"}
    newer = {**item, "name": "newer", "updated_at": "2026-11-01T10:00:01"}
    older = {**item, "name": "older", "updated_at": "2026-11-01T09:59:59"}
    for listed in (item, newer, older):
        creatify_sandbox.inject(Fault.body(200, json.dumps([listed]).encode()))
    results = [sync_aurora_flows() for _ in range(3)]
    assert [(r.created, r.updated, r.stale) for r in results] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    row = AuroraFlow.objects.get()
    assert (row.name, row.updated_at) == ("newer", datetime(2026, 11, 1, 10, 0, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("count", "slices"),
    [(99, [(0, 99)]), (100, [(0, 100)]), (101, [(0, 100), (100, 101)])],
    ids=["99", "100", "101"],
)
def test_ids_are_asked_for_a_hundred_per_request(creatify_sandbox, count, slices):
    jobs = creatify_sandbox.add_jobs(count, seed=3)
    ids = [job["id"] for job in jobs]
    creatify_sandbox.requests.clear()

    result = sync_aurora_flows(ids=ids)

    sent = [(r.method, r.path, r.query) for r in creatify_sandbox.requests]
    assert sent == [("GET", "/api/aurora/", {"ids": ",".join(ids[a:b])}) for a, b in slices]
    assert (result.requests, result.created) == (len(slices), count)
    assert sorted(str(pk) for pk in AuroraFlow.objects.values_list("pk", flat=True)) == sorted(ids)
