"""Finding where items end: the guess that serves the common case in one decode, and the
walk read one byte at a time with a buffer trimmed on every read, so that a string may
close on the first byte the buffer holds."""

import io
import json

import pytest

from django_creatify import cursor
from django_creatify.listing import JsonArrayBody, Unreadable

JOB_ID = "6a1f2e3d-4c5b-4a69-8d7e-0f1a2b3c4d5e"


@pytest.fixture
def byte_reads(monkeypatch):
    monkeypatch.setattr(cursor, "READ_BYTES", 1)
    monkeypatch.setattr(cursor, "TRIM_BYTES", 1)


def scanned(data: bytes, limit: int) -> list:
    body = JsonArrayBody(io.BytesIO(data), source="/api/aurora/", max_item_bytes=limit)
    return list(body.scan())


def test_an_item_too_large_is_walked_to_its_end_one_byte_at_a_time(byte_reads):
    large = b'{"id": "' + JOB_ID.encode() + b'", "name": "' + b"a" * 300 + b'"}'
    data = b"[" + large + b', {"id": "next", "s": "}"}]'
    skipped, following = scanned(data, limit=60)
    assert skipped.value == Unreadable(
        f"{len(large)} bytes, larger than CREATIFY['SYNC_MAX_ITEM_BYTES'] (60)", JOB_ID
    )
    assert (skipped.offset, skipped.length) == (1, len(large))
    assert following.value == {"id": "next", "s": "}"}


def test_a_flat_object_is_found_by_the_guess_and_decoded_in_one_attempt(monkeypatch):
    # The speed of a listing rests on this: a walk, or a failed decode, per item would
    # double the cost of the common case.
    attempts = []
    original = json.JSONDecoder.raw_decode

    def counting(self, text, *args, **kwargs):
        attempts.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    data = b'[{"id": "a", "n": 1}, {"id": "b"} ,\n{"id": "c"}]'
    found = scanned(data, limit=1000)
    assert [item.value for item in found] == [{"id": "a", "n": 1}, {"id": "b"}, {"id": "c"}]
    assert attempts == ['{"id": "a", "n": 1}', '{"id": "b"}', '{"id": "c"}']
