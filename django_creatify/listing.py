"""A JSON array body (a spooled list response) read item by item, in bounded memory.

Tuned for speed: ``benchmarks/sync_benchmark.py`` guards the common path (many small
items) and ``benchmarks/huge_items.py`` the cost of one huge item; run both before and
after changing how items are found, skipped or decoded.

Each item comes with the digest of its exact bytes. A sync stores that digest next to the
row, so on the next listing an item whose bytes have not changed is recognised from its
digest alone: it is neither decoded nor compared field by field. Any other item is
decoded, which also checks it; the bytes of a recognised item decoded when they were
stored, so a body whose every item was recognised or decoded is a well-formed array.

Finding an item's end must not cost a decode either. An object's end is guessed as the
first ``}`` followed by ``,`` or ``]``; a wrong guess (a brace inside a string, a nested
object) cannot be mistaken for a right one, since the guessed bytes then match no stored
digest and do not decode. The item is then walked (:meth:`cursor.Cursor.walk`): its
strings, escapes and brackets are followed to its end, which gives its length and depth
without decoding it.

One item never fails the listing because of what it holds. An item that is larger than
``SYNC_MAX_ITEM_BYTES`` (walked to its end without being kept), nested deeper than
``MAX_ITEM_DEPTH`` (known before the decoder could recurse into it) or holding an integer
the interpreter refuses to convert is listed with an :class:`Unreadable` value saying why.
A body that is not JSON (truncated, a missing comma, bytes after the ``]``) still fails
whole.

Every cost is linear in an item's size (see :mod:`django_creatify.cursor`), and an item is
decoded at most twice: a wrong guess, then its walked bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from collections.abc import Container, Generator, Iterator
from dataclasses import dataclass
from typing import IO, Any, NoReturn

from .conf import creatify_settings
from .cursor import _LIKELY_END, MAX_ITEM_DEPTH, Cursor, first_balanced_end
from .exceptions import PayloadError, excerpt

_OPEN_BRACE, _COMMA, _CLOSE_BRACKET, _OPEN_BRACKET = b"{,]["
# Likely ends tried for one item on a resync before it is walked: one per object it holds.
MAX_END_GUESSES = 16


def item_digest(data: bytes) -> str:
    """What identifies an item's bytes; 128 bits, so unequal bytes never share one."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Recognised:
    """The value of an item whose digest was known: it was not decoded."""

    def __repr__(self) -> str:
        return "RECOGNISED"


RECOGNISED = Recognised()


@dataclass(frozen=True, slots=True)
class Unreadable:
    """The value of an item that is whole JSON but was not decoded; a sync skips it."""

    reason: str
    #: The item's ``"id"``, when it could be found without decoding the item.
    id: str | None = None


# The end of an item just before the next one's "id" key, where Creatify puts it first.
_BEFORE_NEXT_ID = re.compile(rb'\}[ \t\n\r]*,[ \t\n\r]*\{[ \t\n\r]*"id"[ \t\n\r]*:')


@dataclass(slots=True)
class ListedItem:
    index: int
    offset: int
    length: int
    #: The digest of the item's bytes; empty for an item too large to be kept.
    digest: str
    #: The decoded item, ``RECOGNISED`` or an ``Unreadable``.
    value: Any
    #: The item's JSON text, when it can be stored as sent (no NaN, nothing scrubbed).
    text: str | None = None


class JsonArrayBody:
    """The spooled body of a list response. ``scan()`` checks and walks it; ``read()``
    reads single items again by position.

    ``max_item_bytes``: larger items are skipped; default ``SYNC_MAX_ITEM_BYTES``, read
    when the body is first read.
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        source: str,
        needs_scrubbing: bool = False,
        max_item_bytes: int | None = None,
    ) -> None:
        self._file = file
        self._source = source
        #: The body has escapes decoding to text a database cannot store (see storable below).
        self.needs_scrubbing = needs_scrubbing
        self._max_item_bytes = max_item_bytes
        self._saw_constant = False
        self._decoder = json.JSONDecoder(parse_constant=self._constant)

    def _constant(self, _name: str) -> None:
        # NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them: read as null.
        self._saw_constant = True

    @property
    def max_item_bytes(self) -> int:
        if self._max_item_bytes is None:
            self._max_item_bytes = int(creatify_settings.SYNC_MAX_ITEM_BYTES)
        return self._max_item_bytes

    def scan(self, recognised: Container[str] = frozenset()) -> Iterator[ListedItem]:
        """Every item in order; raises PayloadError at the first thing that is not JSON.

        Items whose digest is in ``recognised`` are not decoded. Callers that write must
        run the scan to its end before writing anything: the error may come last.
        """
        cursor = Cursor(self._file, self._fail)
        limit = self.max_item_bytes
        first = cursor.peek()
        if first != _OPEN_BRACKET:
            kind = {None: "an empty body", _OPEN_BRACE: "an object"}.get(first, "a single value")
            raise PayloadError(f"Expected a JSON array from {self._source}, got {kind}")
        cursor.at += 1
        if cursor.peek() == _CLOSE_BRACKET:
            cursor.at += 1
            cursor.expect_end()
            return
        index = 0
        while True:
            run_start = index
            if recognised:
                index = yield from self._recognised_run(cursor, index, recognised, limit)
            if index == run_start:
                yield self._item(cursor, index, recognised, limit)
                index += 1
            following = cursor.peek()
            if following == _COMMA:
                cursor.at += 1
                cursor.peek()
            elif following == _CLOSE_BRACKET:
                cursor.at += 1
                cursor.expect_end()
                return
            else:
                self._fail(f"expected ',' or ']' after item {index - 1}", cursor.at)

    def _recognised_run(
        self, cursor: Cursor, index: int, recognised: Container[str], limit: int
    ) -> Generator[ListedItem, None, int]:
        """The recognised items from here on, in one tight loop over the buffered bytes:
        on a resync nearly every item is unchanged, and per-item method calls would cost
        more than hashing it. Stops before the first item it cannot take this way (not
        recognised, not compact, or not wholly buffered) and leaves the cursor at the end
        of the last one taken, so that :meth:`_item` goes on from there. Returns the next
        index. The same guess as :meth:`_item`'s, taken only on a digest match."""
        data, base = cursor.data, cursor.base
        at = cursor.at - base
        taken_end = None
        blake2b = hashlib.blake2b
        likely_end = _LIKELY_END.search
        next_item = _BEFORE_NEXT_ID.search
        find = data.find
        size = len(data)
        while at < size and data[at] == _OPEN_BRACE:
            # The first likely end where as many braces close as open is, but for braces
            # inside strings, the item's real end; only that can have a recognised digest
            # (the bytes before an inner end are not a whole JSON value), so a wrong pick
            # costs a walk, never a mistake. An item without inner objects (the usual
            # kind) ends at the first likely end: no counting.
            found = likely_end(data, at)
            if found is None:
                break
            end = found.start() + 1
            if end - at > limit:
                break
            if find(b"{", at + 1, end) >= 0:
                # Inner objects: the end before the next item's "id" key (where Creatify
                # puts it) when the braces balance there, else the first balanced end.
                found = next_item(data, end)
                end = found.start() + 1 if found else size
                if (
                    found is None
                    or end - at > limit
                    or data.count(b"{", at, end) != data.count(b"}", at, end)
                ):
                    found = first_balanced_end(data, at, limit, MAX_END_GUESSES)
                    if found is None:
                        break
                    end = found.start() + 1
            digest = blake2b(data[at:end], digest_size=16).hexdigest()
            if digest not in recognised:
                break
            yield ListedItem(index, base + at, end - at, digest, RECOGNISED)
            index += 1
            taken_end = end
            separator = found.end() - 1
            if data[separator] != _COMMA:
                break
            at = separator + 1
        if taken_end is not None:
            cursor.at = base + taken_end
        return index

    def read(self, offset: int, length: int, index: int = -1) -> ListedItem:
        """The item at ``offset`` (as ``scan()`` reported it), read as ``scan()`` did."""
        if length > self.max_item_bytes:
            # Walked again from the spool, so that it is never held whole.
            cursor = Cursor(self._file, self._fail, offset)
        else:
            self._file.seek(offset)
            data = self._file.read(length)
            if _shallow(data):
                try:
                    return self._decoded(data.decode(), length, index, offset, item_digest(data))
                except ValueError:
                    pass  # refused, or the body changed: told apart below
            cursor = Cursor(io.BytesIO(data), self._fail, 0, offset)
        cursor.peek()
        item = self._item(cursor, index, (), self.max_item_bytes)
        if item.offset != offset or item.length != length:  # the body changed under us
            self._fail("not the item scanned there", offset)
        return item

    def _item(
        self, cursor: Cursor, index: int, recognised: Container[str], limit: int
    ) -> ListedItem:
        start = cursor.at
        if cursor.current() == _OPEN_BRACE:
            end = cursor.guess_object_end(limit)
            if end is not None:
                data = cursor.up_to(end)
                digest = item_digest(data)
                if digest in recognised:
                    cursor.at = end
                    return ListedItem(index, start, end - start, digest, RECOGNISED)
                if _shallow(data):
                    try:
                        text = data.decode()
                        data = None  # not held while decoding: a large item costs less
                        item = self._decoded(text, end - start, index, start, digest)
                    except ValueError:
                        pass  # a wrong guess, not JSON, or a refused number: the walk tells
                    else:
                        cursor.at = end
                        return item
                data = text = None
        end, depth, item_id = cursor.walk(limit)
        length = end - start
        if length > limit:
            cursor.at = end
            reason = f"{length:,} bytes, larger than CREATIFY['SYNC_MAX_ITEM_BYTES'] ({limit:,})"
            return ListedItem(index, start, length, "", Unreadable(reason, item_id))
        data = cursor.up_to(end)
        cursor.at = end
        cursor.drop_before(end)  # so that a large item is held once while decoded
        digest = item_digest(data)
        if digest in recognised:
            return ListedItem(index, start, length, digest, RECOGNISED)
        if depth > MAX_ITEM_DEPTH:
            reason = f"nested deeper than {MAX_ITEM_DEPTH} levels"
            return ListedItem(index, start, length, digest, Unreadable(reason, item_id))
        try:
            text = data.decode()
            data = None
            return self._decoded(text, length, index, start, digest)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._fail(str(exc), start)
        except ValueError as exc:
            # A value the decoder refuses (an integer of more digits than Python converts)
            # in what is otherwise JSON: this item's doing, not the body's.
            value = Unreadable(_refusal(exc), self._id_despite_refusal(text, start))
            return ListedItem(index, start, length, digest, value)

    def _decoded(self, text: str, length: int, index: int, offset: int, digest: str) -> ListedItem:
        """Raises ValueError unless ``text`` is one JSON value that decodes."""
        self._saw_constant = False
        # raw_decode, not decode: the item has no whitespace around it to skip.
        value, end = self._decoder.raw_decode(text)
        if end != len(text):
            raise json.JSONDecodeError("more than one JSON value", text, end)
        if self.needs_scrubbing:
            return ListedItem(index, offset, length, digest, storable(value))
        return ListedItem(
            index, offset, length, digest, value, None if self._saw_constant else text
        )

    def _id_despite_refusal(self, text: str, offset: int) -> str | None:
        """The item's id, decoding it again with refused integers read as null; fails
        if the item is not JSON after all."""

        def integer(digits: str) -> int | None:
            try:
                return int(digits)
            except ValueError:
                return None

        try:
            value = json.loads(text, parse_int=integer, parse_constant=lambda _name: None)
        except ValueError as exc:
            self._fail(str(exc), offset)
        found = value.get("id") if isinstance(value, dict) else None
        return found if isinstance(found, str) else None

    def _fail(self, reason: str, offset: int) -> NoReturn:
        raise PayloadError(
            f"Creatify sent a body that is not valid JSON for GET {self._source} "
            f"(at byte {offset}): {excerpt(reason, 120)}"
        )


def _shallow(data: bytes | bytearray) -> bool:
    """Whether the decoder may read ``data`` without recursing too deep: it has no more
    brackets than MAX_ITEM_DEPTH, counting those in strings too."""
    if data.find(b"[") < 0 and data.find(b"{", 1) < 0:
        return True  # a flat object, the usual item: two memchr calls, no count
    return data.count(b"{") + data.count(b"[") <= MAX_ITEM_DEPTH


def _refusal(exc: ValueError) -> str:
    if "integer string conversion" in str(exc):
        return f"an integer of more than {sys.get_int_max_str_digits():,} digits"
    return f"a value the JSON decoder refuses ({excerpt(str(exc), 100)})"


# JSON escapes that decode to text PostgreSQL refuses: NUL, and UTF-16 surrogates (a lone
# one cannot be encoded; a valid pair is scrubbed harmlessly). A byte scan keeps the
# common case free.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def has_unstorable_escape(content: bytes) -> bool:
    return _UNSTORABLE_ESCAPE.search(content) is not None


def storable(value: Any) -> Any:
    """The same JSON value with NULs dropped and lone surrogates replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value
