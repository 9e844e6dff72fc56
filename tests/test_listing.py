"""Reading a list body item by item: every item found whole, every malformed body refused.

The scanner guesses where an object ends and checks the guess by decoding; these tests
feed it the bodies that make guesses wrong (braces inside strings, nested objects, odd
whitespace, values that are not objects) through buffers small enough that every item
straddles a read.
"""

import io
import json
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_creatify import listing
from django_creatify.exceptions import PayloadError
from django_creatify.listing import RECOGNISED, JsonArrayBody, item_digest


@contextmanager
def reading_tiny_pieces():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(listing, "READ_BYTES", 7)
        patch.setattr(listing, "FIRST_WINDOW_BYTES", 5)
        yield


@pytest.fixture
def tiny_reads():
    with reading_tiny_pieces():
        yield


def body_of(data: bytes, **options) -> JsonArrayBody:
    return JsonArrayBody(io.BytesIO(data), source="/api/aurora/", **options)


def scanned(data: bytes, recognised=frozenset()) -> list:
    return list(body_of(data).scan(recognised))


tricky_text = st.sampled_from(["}", "},{", "}, {", "}]", '"', "\\", "{", "é", "\u2028", "x"])
strings = st.lists(tricky_text | st.text(max_size=5), max_size=6).map("".join)
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | strings,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(strings, children, max_size=3)
    ),
    max_leaves=8,
)
items = st.dictionaries(strings, values, max_size=5) | values
layouts = st.sampled_from(
    [
        {},
        {"separators": (",", ":")},
        {"indent": 2},
        {"indent": "\t", "ensure_ascii": False},
        {"ensure_ascii": False},
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(items, max_size=6), layouts)
def test_every_item_is_found_whole_and_in_order(array, layout):
    data = json.dumps(array, **layout).encode()
    with reading_tiny_pieces():
        found = scanned(data)
    assert [item.value for item in found] == array
    body = body_of(data)
    for index, item in enumerate(found):
        exact = data[item.offset : item.offset + item.length]
        assert json.loads(exact) == array[index]
        assert item.digest == item_digest(exact)
        assert body.read(item.offset, item.length).value == array[index]


def test_an_item_whose_digest_is_known_is_not_decoded():
    data = json.dumps([{"id": 1, "name": "a}, {b"}, {"id": 2}, [3]]).encode()
    first = scanned(data)
    again = scanned(data, recognised={item.digest for item in first[:2]})
    assert [item.value for item in again] == [RECOGNISED, RECOGNISED, [3]]
    assert [(item.offset, item.length) for item in again] == [
        (item.offset, item.length) for item in first
    ]


def test_a_stored_item_is_stored_as_sent_unless_it_held_nan_or_needs_scrubbing():
    data = b'[{"a": 1,  "b": "\xc3\xa9"}, {"a": NaN}]'
    plain, with_nan = (body_of(data).read(item.offset, item.length) for item in scanned(data))
    assert plain.text == '{"a": 1,  "b": "\u00e9"}'
    assert (with_nan.value, with_nan.text) == ({"a": None}, None)

    scrubbed = body_of(b'[{"a": "x\\u0000y"}]', needs_scrubbing=True)
    (item,) = scrubbed.scan()
    decoded = scrubbed.read(item.offset, item.length)
    assert (decoded.value, decoded.text) == ({"a": "xy"}, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "got an empty body"),
        (b"  ", "got an empty body"),
        (b'{"id": 1}', "got an object"),
        (b"42", "got a single value"),
        (b'[{"id": 1},]', "not valid JSON"),
        (b'[{"id": 1}] [', "more after the closing"),
        (b"[]junk", "more after the closing"),
        (b"[] ]", "more after the closing"),
        (b'[{"id": 1} {"id": 2}]', "expected ',' or ']'"),
        (b'[{"id": "\xff"}]', "not valid JSON"),
        (b'[{"id": 1}, {"id": 2', "not valid JSON"),
    ],
)
def test_a_malformed_body_is_refused(tiny_reads, data, message):
    with pytest.raises(PayloadError, match=message):
        scanned(data)


def test_every_truncation_is_refused_even_when_each_whole_item_is_known(tiny_reads):
    data = json.dumps([{"id": n, "name": f"job }},{{ {n}"} for n in range(4)]).encode()
    known = {item.digest for item in scanned(data)}
    for cut in range(len(data)):
        with pytest.raises(PayloadError):
            scanned(data[:cut], recognised=known)
