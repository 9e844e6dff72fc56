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

from django_creatify import cursor, listing
from django_creatify.exceptions import PayloadError
from django_creatify.listing import RECOGNISED, JsonArrayBody, item_digest
from django_creatify.storable import storable


@contextmanager
def reading_tiny_pieces():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cursor, "READ_BYTES", 7)
        patch.setattr(cursor, "TRIM_BYTES", 5)
        yield


@pytest.fixture
def tiny_reads():
    with reading_tiny_pieces():
        yield


def body_of(data: bytes, **options) -> JsonArrayBody:
    return JsonArrayBody(io.BytesIO(data), source="/api/aurora/", **options)


def scanned(data: bytes, recognised=frozenset()) -> list:
    return list(body_of(data).scan(recognised))


def scanned_in_runs(data: bytes, recognised) -> list:
    """The scan as a sync runs it, runs of recognised digests handed over whole: each
    item as ("recognised", digest) or (offset, length, digest), in order."""
    events: list = []

    def take_run(run: list[str]) -> None:
        events.extend(("recognised", digest) for digest in run)

    for item in body_of(data).scan(recognised, on_recognised=take_run):
        if item.value is RECOGNISED:
            events.append(("recognised", item.digest))
        else:
            events.append((item.offset, item.length, item.digest))
    return events


def as_runs(first: list, known: set) -> list:
    return [
        ("recognised", item.digest)
        if item.digest in known
        else (item.offset, item.length, item.digest)
        for item in first
    ]


tricky_text = st.sampled_from(
    ["}", "},{", "}, {", "}]", '"', "\\", "{", "é", "\u2028", "x", '},{"id":', '"id"']
)
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
    # Text a database cannot store (NUL, lone surrogates) is scrubbed from decoded items.
    stored = [storable(value) for value in array]
    assert [item.value for item in found] == stored
    body = body_of(data)
    for index, item in enumerate(found):
        exact = data[item.offset : item.offset + item.length]
        assert json.loads(exact) == array[index]
        assert item.digest == item_digest(exact)
        assert body.read(item.offset, item.length).value == stored[index]


@settings(max_examples=300, deadline=None)
@given(st.lists(items, max_size=8), layouts, st.data(), st.booleans())
def test_recognised_items_are_found_at_the_same_places_in_any_mix(array, layout, data, tiny):
    """Runs of recognised items are taken in one loop over the buffer (tiny reads force
    the item-by-item path instead): both find every item where a full decode does."""
    body = json.dumps(array, **layout).encode()
    first = scanned(body)
    known = data.draw(st.sets(st.sampled_from([item.digest for item in first]))) if first else set()
    if tiny:
        with reading_tiny_pieces():
            again = scanned(body, recognised=known)
            in_runs = scanned_in_runs(body, known)
    else:
        again = scanned(body, recognised=known)
        in_runs = scanned_in_runs(body, known)
    assert in_runs == as_runs(first, known)
    assert [(item.offset, item.length, item.digest) for item in again] == [
        (item.offset, item.length, item.digest) for item in first
    ]
    assert [item.value for item in again] == [
        RECOGNISED if item.digest in known else item.value for item in first
    ]


def test_an_item_whose_digest_is_known_is_not_decoded():
    data = json.dumps([{"id": 1, "name": "a}, {b"}, {"id": 2}, [3]]).encode()
    first = scanned(data)
    again = scanned(data, recognised={item.digest for item in first[:2]})
    assert [item.value for item in again] == [RECOGNISED, RECOGNISED, [3]]
    assert [(item.offset, item.length) for item in again] == [
        (item.offset, item.length) for item in first
    ]


def test_a_stored_item_is_stored_as_sent_unless_it_held_nan_or_unstorable_text():
    data = b'[{"a": 1,  "b": "\xc3\xa9"}, {"a": NaN}]'
    plain, with_nan = (body_of(data).read(item.offset, item.length) for item in scanned(data))
    assert plain.text == '{"a": 1,  "b": "\u00e9"}'
    assert (with_nan.value, with_nan.text) == ({"a": None}, None)

    scrubbed = body_of(b'[{"a": "x\\u0000y"}, {"a": "\\ud800"}, {"a": "\\u00e9"}]')
    found = list(scrubbed.scan())
    assert [(item.value, item.text) for item in found] == [
        ({"a": "xy"}, None),
        ({"a": "\ufffd" * 3}, None),  # a lone surrogate's three UTF-8 bytes, each replaced
        ({"a": "\u00e9"}, '{"a": "\\u00e9"}'),  # storable: kept as sent
    ]
    decoded = scrubbed.read(found[0].offset, found[0].length)
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


# -- one bad item is skipped, never the listing ------------------------------------------

JOB_ID = "0b7c1a52-93f4-4d4e-9a51-3c1f0e2d5a61"
LIMIT = 8192
DEEP = 2000


def bad_items() -> dict[str, tuple[bytes, str]]:
    """Whole JSON the decoder must not read, each with the reason it is skipped for."""
    head = b'{"id": "' + JOB_ID.encode() + b'", '
    return {
        "long-integer": (head + b'"credits_used": ' + b"7" * 5000 + b"}", "4,300 digits"),
        "deep": (head + b'"x": ' + b"[" * DEEP + b"]" * DEEP + b"}", "deeper than 64 levels"),
        "too-large": (
            head + b'"name": "' + b"a" * LIMIT + b'"}',
            "larger than CREATIFY['SYNC_MAX_ITEM_BYTES'] (8,192)",
        ),
    }


def scanned_with_limit(data: bytes, limit: int = LIMIT) -> list:
    body = JsonArrayBody(io.BytesIO(data), source="/api/aurora/", max_item_bytes=limit)
    return list(body.scan())


@pytest.mark.parametrize("reads", ["whole", "tiny"])
@pytest.mark.parametrize("kind", ["long-integer", "deep", "too-large"])
def test_an_item_the_decoder_must_not_read_is_skipped_with_its_reason(kind, reads):
    bad, reason = bad_items()[kind]
    before, after = json.dumps({"id": "first"}).encode(), json.dumps([{"n": 2}]).encode()
    data = b"[" + before + b", " + bad + b" ,\n" + after + b"]"
    if reads == "tiny":
        with reading_tiny_pieces():
            found = scanned_with_limit(data)
    else:
        found = scanned_with_limit(data)

    assert [item.value for item in (found[0], found[2])] == [{"id": "first"}, [{"n": 2}]]
    skipped = found[1]
    assert isinstance(skipped.value, listing.Unreadable)
    assert reason in skipped.value.reason
    assert skipped.value.id == JOB_ID
    assert (skipped.offset, skipped.length) == (data.index(bad), len(bad))


def test_limits_are_inclusive():
    deepest = b"[" * listing.MAX_ITEM_DEPTH + b"]" * listing.MAX_ITEM_DEPTH
    largest = json.dumps({"name": "a" * (LIMIT - 12)}).encode()
    assert len(largest) == LIMIT
    found = scanned_with_limit(b"[" + deepest + b"," + largest + b"]")
    assert [type(item.value) for item in found] == [list, dict]
    found = scanned_with_limit(b"[[" + deepest + b"]," + largest + b"]", limit=LIMIT - 1)
    assert [type(item.value) for item in found] == [listing.Unreadable] * 2


@pytest.mark.parametrize("nested", [False, True])
def test_a_known_item_over_the_limit_is_skipped_not_recognised(nested):
    """The run of recognised items holds to the limit too, for flat and nested items."""
    inner = {"n": {"m": 1}} if nested else {}
    items = [{"id": str(number), **inner, "name": "a" * (40 + number)} for number in range(3)]
    body = json.dumps(items, separators=(",", ":")).encode()
    first = scanned(body)
    known = {item.digest for item in first}
    lengths = [item.length for item in first]
    for limit in (lengths[1] - 1, lengths[1]):
        collected: list[str] = []
        found = list(
            body_of(body, max_item_bytes=limit).scan(known, on_recognised=collected.extend)
        )
        values = collected + [item.value for item in found]
        over = [length > limit for length in lengths]
        assert sum(isinstance(value, listing.Unreadable) for value in values) == sum(over)
        assert len(collected) + sum(item.value is RECOGNISED for item in found) == over.count(False)


def test_the_id_of_a_skipped_item_is_its_own_not_a_nested_one():
    nested = b'{"job": {"id": "not-mine"}, "x": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    string_id = b'{"x": "\\"id\\": \\"nope\\"", "id" : "mine", "y": ' + b"[" * DEEP + b"]" * DEEP
    (first, second) = scanned_with_limit(b"[" + nested + b"," + string_id + b"}]")
    assert (first.value.id, second.value.id) == (None, "mine")


@pytest.mark.parametrize(
    "data",
    [
        b"[]junk",
        b'[{"id": 1}, {"id": 2}',
        b'[{"name": "' + b"a" * 10_000 + b'"}',  # truncated inside an item too large to keep
        b'[{"name": "' + b"a" * 10_000 + b'"} {"id": 2}]',
        b'[{"x": ' + b"[" * DEEP + b"}" * DEEP + b"}]",  # deep, and brackets that do not pair
        b'[{"x": ' + b"[" * DEEP + b"]" * DEEP + b"}, ]",
        b'[{"n": ' + b"7" * 5000 + b"} junk]",
        b'[{"n": ' + b"7" * 5000 + b", }]",  # a long integer, in an item that is not JSON
    ],
    ids=[
        "junk",
        "truncated",
        "truncated-large",
        "comma-large",
        "unpaired",
        "trailing-comma",
        "junk-after-integer",
        "not-json-integer",
    ],
)
def test_a_malformed_body_still_fails_whole_around_items_that_are_skipped(tiny_reads, data):
    with pytest.raises(PayloadError, match="not valid JSON"):
        scanned_with_limit(data)


def test_an_item_too_large_is_skipped_without_being_held(monkeypatch):
    import tracemalloc

    huge = b'{"id": "' + JOB_ID.encode() + b'", "name": "' + b"a" * (8 << 20) + b'"}'
    data = b"[" + huge + b"]"
    tracemalloc.start()
    try:
        (item,) = scanned_with_limit(data, limit=64 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (item.value.id, item.length) == (JOB_ID, len(huge))
    assert peak < 1 << 20, f"skipping an 8 MB item peaked at {peak:,} B"


bad_pieces = st.sampled_from(list(bad_items().values())).map(lambda pair: pair[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(items.map(lambda item: json.dumps(item).encode()) | bad_pieces, max_size=6))
def test_every_item_is_decoded_or_skipped_and_read_again_alike(pieces):
    data = b"[" + b", ".join(pieces) + b"]"
    with reading_tiny_pieces():
        found = scanned_with_limit(data)
    body = JsonArrayBody(io.BytesIO(data), source="test", max_item_bytes=LIMIT)
    assert len(found) == len(pieces)
    for piece, item in zip(pieces, found, strict=True):
        unreadable = piece in [bad for bad, _reason in bad_items().values()]
        assert isinstance(item.value, listing.Unreadable) == unreadable
        if not unreadable:
            assert item.value == storable(json.loads(piece))
        assert data[item.offset : item.offset + item.length] == piece
        assert body.read(item.offset, item.length).value == item.value


def test_an_id_key_read_ahead_keeps_the_items_start_in_small_reads(tiny_reads):
    """Reading ahead for the value of an ``"id"`` key must not forget the bytes of the item
    before it, which the walk still returns (a guess at an inner end sends it there)."""
    array = [{"": {}, "id": None}, {"x": {"y": 1}, "id": "a" * 40, "z": [{}]}]
    data = json.dumps(array).encode()
    assert [item.value for item in scanned(data)] == array


id_first_items = st.builds(
    lambda id_text, rest: {"id": id_text, **rest},
    strings,
    st.dictionaries(strings, values, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(id_first_items, max_size=8), layouts, st.data())
def test_items_holding_objects_are_recognised_where_the_next_id_begins(array, layout, data):
    """Items that hold objects, each starting with its "id" as Creatify sends them (the
    recognised run looks for the next item's "id" key), even with strings that mimic it."""
    body = json.dumps(array, **layout).encode()
    first = scanned(body)
    known = data.draw(st.sets(st.sampled_from([item.digest for item in first]))) if first else set()
    again = scanned(body, recognised=known)
    assert [(item.offset, item.length, item.digest) for item in again] == [
        (item.offset, item.length, item.digest) for item in first
    ]
    assert [item.value for item in again] == [
        RECOGNISED if item.digest in known else item.value for item in first
    ]
    assert scanned_in_runs(body, known) == as_runs(first, known)
