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
``}`` before the next item's ``"id"`` key (Creatify puts ``id`` first), then as the first
``}`` followed by ``,`` or ``]`` where the braces balance; a wrong guess (a brace inside a
string, a nested object) cannot be mistaken for a right one, since the guessed bytes then
match no stored digest and do not decode. Failing both, the item is walked
(:meth:`cursor.Cursor.walk`): its strings, escapes and brackets are followed to its end,
which gives its length and depth without decoding it.

One item never fails the listing because of what it holds. An item that is larger than
``SYNC_MAX_ITEM_BYTES`` (walked to its end without being kept), nested deeper than
``MAX_ITEM_DEPTH`` (known before the decoder could recurse into it) or holding an integer
the interpreter refuses to convert is listed with an :class:`Unreadable` value saying why.
A body that is not JSON (truncated, a missing comma, bytes after the ``]``) still fails
whole.

Every cost is linear in an item's size (see :mod:`django_creatify.cursor`), and an item is
decoded at most three times: two wrong guesses, then its walked bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Container, Generator, Iterator
from typing import NoReturn

from .conf import creatify_settings
from .cursor import _GUESS_SPAN, _LIKELY_END, MAX_ITEM_DEPTH, BodyFile, Cursor, first_balanced_end
from .exceptions import PayloadError, excerpt
from .listed import DIGEST_CHARS, RECOGNISED, ListedItem, Unreadable, item_digest
from .storable import has_unstorable_escape, storable

__all__ = ["RECOGNISED", "JsonArrayBody", "ListedItem", "Unreadable", "item_digest"]

_OPEN_BRACE, _COMMA, _CLOSE_BRACKET, _OPEN_BRACKET = b"{,]["
# Likely ends tried for one item on a resync before it is walked: one per object it holds.
MAX_END_GUESSES = 16
# The end of an item just before the next one's "id" key, where Creatify puts it first;
# looked for this far from an item's start. A larger item is cut another way, and one
# larger still, or not wholly buffered by then, is left to the item-by-item path.
_BEFORE_NEXT_ID = re.compile(rb'\}[ \t\n\r]*,[ \t\n\r]*(\{)[ \t\n\r]*"id"[ \t\n\r]*:')
_COMPACT_BEFORE_NEXT_ID = b'},{"id":'
_NEXT_ID_AFTER_BRACE = _COMPACT_BEFORE_NEXT_ID[1:]
_ID_CUT_WINDOW = 16 * 1024


class JsonArrayBody:
    """The spooled body of a list response. ``scan()`` checks and walks it; ``read()``
    reads single items again by position.

    ``max_item_bytes``: larger items are skipped; default ``SYNC_MAX_ITEM_BYTES``, read
    when the body is first read.
    """

    def __init__(
        self,
        file: BodyFile,
        *,
        source: str,
        max_item_bytes: int | None = None,
    ) -> None:
        self._file = file
        self._source = source
        self._max_item_bytes = max_item_bytes
        self._saw_constant = False
        # Whether items are cut before the next item's "id" (see _recognised_run).
        self._ids_lead = True
        self._decoder = json.JSONDecoder(parse_constant=self._constant)

    def _constant(self, _name: str) -> None:
        # NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them: read as null.
        self._saw_constant = True

    @property
    def max_item_bytes(self) -> int:
        if self._max_item_bytes is None:
            self._max_item_bytes = int(creatify_settings.SYNC_MAX_ITEM_BYTES)
        return self._max_item_bytes

    def scan(
        self,
        recognised: Container[str] = frozenset(),
        *,
        on_recognised: Callable[[list[str]], object] | None = None,
    ) -> Iterator[ListedItem]:
        """Every item in order; raises PayloadError at the first thing that is not JSON.

        Items whose digest is in ``recognised`` are not decoded. With ``on_recognised``,
        most of them are not yielded either: their digests are passed to it, a list of
        consecutive ones at a time, which costs far less per item. Callers that write must
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
                index = yield from self._recognised_run(
                    cursor, index, recognised, limit, on_recognised
                )
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
        self,
        cursor: Cursor,
        index: int,
        recognised: Container[str],
        limit: int,
        collect: Callable[[list[str]], object] | None,
    ) -> Generator[ListedItem, None, int]:
        """The recognised items from here on, in one tight loop over the buffer (reading
        on as it goes): on a resync nearly every item is unchanged, and per-item method
        calls would cost more than hashing it. Stops before the first item it cannot take
        this way (not recognised, not compact, or larger than ``limit``), leaving the
        cursor after the last one taken for :meth:`_item`; returns the next index. With
        ``collect``, each run's digests go to it in one list instead of being yielded.

        Ends are guessed as in :meth:`_item` (see the module's docstring); only an item's
        real end can give a recognised digest, so a wrong pick costs another try.
        """
        data = cursor.data
        taken_end = None
        run: list[str] = []
        sha256 = hashlib.sha256
        likely_end = _LIKELY_END.search
        next_item = _BEFORE_NEXT_ID.search
        find = data.find
        startswith = data.startswith
        at = cursor.at - cursor.base
        # The needle ends within the span, so an item cut there is within the limit.
        span = min(limit + len(_COMPACT_BEFORE_NEXT_ID) - 1, _ID_CUT_WINDOW)
        brace_span = span - len(_COMPACT_BEFORE_NEXT_ID) + 1
        while True:
            base, size = cursor.base, len(data)
            if at < size and data[at] != _OPEN_BRACE:
                break
            if collect is not None and self._ids_lead and at < size:
                # The usual resync, compact items led by "id" and all unchanged, in the
                # fewest steps per item; anything else falls to the steps below.
                taken = len(run)
                while True:
                    # A flat item ends at its first "}": one memchr, then the needle's
                    # tail; a nested one is searched on from there.
                    cut = find(b"}", at, at + brace_span)
                    if cut < 0:
                        break
                    if not startswith(_NEXT_ID_AFTER_BRACE, cut + 1):
                        cut = find(_COMPACT_BEFORE_NEXT_ID, cut, at + span)
                        if cut < 0:
                            break
                    hashed = sha256(data[at : cut + 1]).hexdigest()[:DIGEST_CHARS]
                    if hashed not in recognised:
                        break
                    run.append(hashed)
                    at = cut + 2
                if len(run) > taken:
                    index += len(run) - taken
                    taken_end = base + at - 1  # after the last one's "}"
            found = digest = None
            if self._ids_lead:
                found = next_item(data, at, at + _ID_CUT_WINDOW)
                if found is not None and found.start() + 1 - at <= limit:
                    end = found.start() + 1
                    following = found.start(1)
                    digest = sha256(data[at:end]).hexdigest()[:DIGEST_CHARS]
            if digest is None or digest not in recognised:
                # Whether the items, as far as seen, do not lead with "id".
                no_lead = found is not None or size - at >= _ID_CUT_WINDOW
                found = likely_end(data, at)
                if found is not None and find(b"{", at + 1, found.start()) >= 0:
                    found = first_balanced_end(data, at, limit, MAX_END_GUESSES)
                if found is None:
                    if cursor.eof or size - at > min(limit + _GUESS_SPAN, _ID_CUT_WINDOW):
                        break  # a large or odd item: read by _item
                    # The item runs past what is buffered: read on, keeping it (and
                    # the separator before it, where the cursor is left if it is not
                    # taken).
                    position = base + at
                    cursor.more(position if taken_end is None else taken_end)
                    at = position - cursor.base
                    continue
                end = found.start() + 1
                if end - at > limit:
                    break
                digest = sha256(data[at:end]).hexdigest()[:DIGEST_CHARS]
                if digest not in recognised:
                    break
                following = found.end() if data[found.end() - 1] == _COMMA else -1
                if no_lead:
                    # Not the usual shape: the rest of this body is read the other way.
                    self._ids_lead = False
            if collect is None:
                yield ListedItem(index, base + at, end - at, digest, RECOGNISED)
            else:
                run.append(digest)
            index += 1
            taken_end = base + end
            if following < 0:  # the last item
                break
            at = following
        if taken_end is not None:
            cursor.at = taken_end
        if run and collect is not None:
            collect(run)
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
            cut = self._cut_before_next_id(cursor, limit)
            for end in _guessed_ends(cursor, limit, cut):
                data = cursor.up_to(end)
                digest = item_digest(data)
                if digest in recognised:
                    cursor.at = end
                    return ListedItem(index, start, end - start, digest, RECOGNISED)
                if _shallow(data):
                    try:
                        text = data.decode()
                        data = None  # type: ignore[assignment]  # not held while decoding: a large item costs less
                        item = self._decoded(text, end - start, index, start, digest)
                    except ValueError:
                        pass  # a wrong guess, not JSON, or a refused number: the walk tells
                    else:
                        cursor.at = end
                        if cut is not None and end != cut:
                            self._ids_lead = False  # the cut was wrong: not the usual shape
                        return item
                data = text = None  # type: ignore[assignment]  # let go before the next guess
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
            data = None  # type: ignore[assignment]  # not held while decoding
            return self._decoded(text, length, index, start, digest)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._fail(str(exc), start)
        except ValueError as exc:
            # A value the decoder refuses (an integer of more digits than Python converts)
            # in what is otherwise JSON: this item's doing, not the body's.
            value = Unreadable(_refusal(exc), self._id_despite_refusal(text, start))
            return ListedItem(index, start, length, digest, value)

    def _cut_before_next_id(self, cursor: Cursor, limit: int) -> int | None:
        """The end of the object here if it is the ``}`` before the next item's ``"id"``
        key (reading on for it, within a window): a guess that costs one search however
        many objects the item holds (a wrong one does not decode)."""
        span = min(limit + 1, _ID_CUT_WINDOW)
        while self._ids_lead:
            at = cursor.at - cursor.base
            found = _BEFORE_NEXT_ID.search(cursor.data, at, at + span)
            if found is not None:
                return cursor.base + found.start() + 1
            if len(cursor.data) - at >= span:
                self._ids_lead = False  # not the usual shape: the rest is read the other way
            elif not cursor.more(cursor.at):
                return None  # the last item
        return None

    def _decoded(self, text: str, length: int, index: int, offset: int, digest: str) -> ListedItem:
        """Raises ValueError unless ``text`` is one JSON value that decodes."""
        self._saw_constant = False
        # raw_decode, not decode: the item has no whitespace around it to skip.
        value, end = self._decoder.raw_decode(text)
        if end != len(text):
            raise json.JSONDecodeError("more than one JSON value", text, end)
        if has_unstorable_escape(text):
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


def _guessed_ends(cursor: Cursor, limit: int, cut: int | None) -> Iterator[int]:
    """Where the object at the cursor may end: ``cut``, then the first likely end where
    its braces balance (looked for only once the cut has failed)."""
    if cut is not None:
        yield cut
    guess = cursor.guess_object_end(limit)
    if guess is not None and guess != cut:
        yield guess


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
