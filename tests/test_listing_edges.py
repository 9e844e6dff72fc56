"""Edges of reading a list body: depth counted through objects alone, and skip reasons
that a caller cannot alter."""

import dataclasses
import io

import pytest

from django_creatify.listing import JsonArrayBody, Unreadable

JOB_ID = "3d5e8f0a-1b2c-4d3e-8f4a-5b6c7d8e9f01"


def nested_objects(levels: int) -> bytes:
    return b'{"a": ' * levels + b"1" + b"}" * levels


def scanned(data: bytes) -> list:
    return list(JsonArrayBody(io.BytesIO(data), source="/api/aurora/").scan())


def test_an_item_nested_too_deep_through_objects_alone_is_skipped():
    deep = b'{"id": "' + JOB_ID.encode() + b'", "x": ' + nested_objects(70) + b"}"
    data = b'[{"id": "first"},' + deep + b"]"
    first, skipped = scanned(data)
    assert first.value == {"id": "first"}
    assert skipped.value == Unreadable("nested deeper than 64 levels", JOB_ID)
    assert (skipped.offset, skipped.length) == (data.index(deep), len(deep))


def test_an_item_nested_through_objects_up_to_the_limit_is_read():
    # The item itself is one level, so 63 more reach the limit of 64.
    (item,) = scanned(b"[" + nested_objects(64) + b"]")
    value, levels = item.value, 0
    while isinstance(value, dict):
        value, levels = value["a"], levels + 1
    assert (value, levels) == (1, 64)


def test_the_reason_an_item_was_skipped_cannot_be_changed_after():
    unreadable = Unreadable("nested deeper than 64 levels", JOB_ID)
    with pytest.raises(dataclasses.FrozenInstanceError):
        unreadable.reason = "fine"
    assert {unreadable} == {Unreadable("nested deeper than 64 levels", JOB_ID)}
