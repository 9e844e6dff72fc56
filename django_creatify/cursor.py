"""A position in a spooled JSON body and the bytes around it; where a value there ends.

Tuned for speed, with :mod:`django_creatify.listing` (its only user):
``benchmarks/sync_benchmark.py`` guards the common path and ``benchmarks/huge_items.py``
the cost of one huge item. Every cost here is linear in a value's size: the buffer is a
bytearray whose consumed front is dropped only once it is large, a search that found
nothing resumes where it stopped, and a walk reads each byte once, a regular expression
(or a memchr) at a time, across reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn, Protocol

READ_BYTES = 64 * 1024
# The consumed front of the buffer is dropped once it is this large, not on every read.
TRIM_BYTES = 256 * 1024
# A value nested deeper than this is not decoded (listing.py); bracket pairs are checked
# up to it.
MAX_ITEM_DEPTH = 64

_WHITESPACE = re.compile(rb"[ \t\n\r]*")
_WHITESPACE_BYTES = frozenset(b" \t\n\r")
# The longest whitespace a guessed object end may have before its ``,`` or ``]``; a
# search that found nothing resumes this close to the end of what it searched.
_GUESS_GAP = 64
_LIKELY_END = re.compile(rb"\}[ \t\n\r]{0,%d}[,\]]" % _GUESS_GAP)
_LIKELY_END_AT_EOF = re.compile(rb"\}[ \t\n\r]{0,%d}(?:[,\]]|\Z)" % _GUESS_GAP)
_GUESS_SPAN = _GUESS_GAP + 2
# Likely ends looked at for one whose braces balance: one per object an item holds.
MAX_BALANCE_TRIES = 16
# What a walk skips in one step: bytes outside strings that are no bracket or quote; the
# rest of a string up to its closing quote (possessive: no backtracking state, so a
# string of escapes costs no memory); a number, true, false or null.
_OUTSIDE_STRINGS = re.compile(rb'[^"\[\]{}]*+')
_STRING_REST = re.compile(rb'[^"\\]*+(?:\\.[^"\\]*+)*+', re.DOTALL)
_SCALAR = re.compile(rb'[^,\[\]{}" \t\n\r]*+')
_ID_VALUE = re.compile(rb'[ \t\n\r]*:[ \t\n\r]*"([^"\\]{1,100})"')
_ID_LOOKAHEAD = 128
_OPEN_BRACE, _OPEN_BRACKET, _QUOTE = b'{["'
_ID_KEY = b'"id"'


class BodyFile(Protocol):
    """What a body is read from: a binary file, or a :class:`~.spool.SpoolReader`."""

    def seek(self, offset: int, /) -> int: ...

    def read(self, size: int, /) -> bytes: ...


def first_balanced_end(
    data: bytearray, start: int, limit: int, tries: int
) -> re.Match[bytes] | None:
    """The first likely end of the object at ``start`` (at most ``tries`` of them, within
    ``limit`` bytes) where as many ``}`` as ``{`` lie between, strings not told apart.

    An item holding objects has a likely end after each of them; past an inner one the
    braces do not balance yet. Braces are counted span by span between likely ends, so an
    item with many inner objects is counted once, not once per end tried.
    """
    depth, counted = 0, start
    for tried, match in enumerate(_LIKELY_END.finditer(data, start)):
        end = match.start() + 1
        if end - start > limit or tried == tries:
            return None
        depth += data.count(b"{", counted, end) - data.count(b"}", counted, end)
        counted = end
        if depth == 0:
            return match
    return None


class Cursor:
    """A position in the body (``at``, a body offset) and the bytes around it: never more
    than an item of up to the size limit, plus ``TRIM_BYTES`` and ``READ_BYTES``."""

    def __init__(
        self,
        file: BodyFile,
        fail: Callable[[str, int], NoReturn],
        seek: int = 0,
        offset: int | None = None,
    ) -> None:
        self._file = file
        self._fail = fail
        file.seek(seek)
        self.data = bytearray()
        self.base = seek if offset is None else offset  # the body offset of data[0]
        self.at = self.base
        self.eof = False

    def more(self, keep: int) -> bool:
        """Read on, keeping the bytes from body offset ``keep``; False at the end."""
        if self.eof:
            return False
        chunk = self._file.read(READ_BYTES)
        if not chunk:
            self.eof = True
            return False
        self.drop_before(keep)
        self.data += chunk
        return True

    def drop_before(self, keep: int) -> None:
        """Forget the bytes before body offset ``keep``, once there are enough of them."""
        if keep - self.base >= TRIM_BYTES:
            del self.data[: keep - self.base]
            self.base = keep

    def peek(self) -> int | None:
        """The next byte that is not whitespace (moving to it), or None at the end."""
        index = self.at - self.base
        if index < len(self.data) and self.data[index] not in _WHITESPACE_BYTES:
            return self.data[index]
        while True:
            index = _WHITESPACE.match(self.data, self.at - self.base).end()  # type: ignore[union-attr]  # a *-pattern: always matches
            self.at = self.base + index
            if index < len(self.data):
                return self.data[index]
            if not self.more(self.at):
                return None

    def current(self) -> int | None:
        index = self.at - self.base
        return self.data[index] if index < len(self.data) else None

    def up_to(self, end: int) -> bytearray:
        return self.data[self.at - self.base : end - self.base]

    def expect_end(self) -> None:
        if self.peek() is not None:
            self._fail("more after the closing ']'", self.at)

    def guess_object_end(self, limit: int) -> int | None:
        """Just past a ``}`` that a ``,`` or ``]`` (or the body's end) follows, at most
        ``limit`` bytes from here: the first where the braces balance, when one is
        buffered, else the first."""
        start = searched = self.at
        if not self.eof:  # the usual case, spelled out: the end is already buffered
            # The first likely end where the braces balance is the item's own, unless
            # braces in its strings say otherwise (then the decode fails and the walk
            # decides).
            match = first_balanced_end(self.data, start - self.base, limit, MAX_BALANCE_TRIES)
            if match is not None:
                return self.base + match.start() + 1
        while True:
            pattern = _LIKELY_END_AT_EOF if self.eof else _LIKELY_END
            match = pattern.search(self.data, searched - self.base)
            if match is not None:
                end = self.base + match.start() + 1
                return end if end - start <= limit else None
            buffered = self.base + len(self.data)
            if self.eof or buffered - start > limit + _GUESS_SPAN:
                return None
            searched = max(searched, buffered - _GUESS_SPAN)
            self.more(start)  # at the end, the next search also accepts the body's end

    def walk(self, limit: int) -> tuple[int, int, str | None]:
        """Follow the value starting here to its end without decoding it: its end (a body
        offset), its depth, and the ``"id"`` of an object when it is a short string.
        Bytes more than ``limit`` past its start are not kept. Fails at the body's end."""
        start = position = self.at
        if start - self.base >= len(self.data):
            self._fail("the body ends where an item should be", start)
        first = self.data[start - self.base]
        if first not in (_OPEN_BRACE, _OPEN_BRACKET, _QUOTE):
            while True:  # a number, true, false or null; the decoder checks which
                index = _SCALAR.match(self.data, position - self.base).end()  # type: ignore[union-attr]  # a *-pattern: always matches
                position = self.base + index
                if index < len(self.data) or not self.more(_keep(start, position, -1, limit)):
                    return position, 0, None
        depth = deepest = 0
        closers = bytearray()  # what closes each open bracket, up to MAX_ITEM_DEPTH
        string_at = -1  # the body offset of the open quote of the string being walked
        found_id = None
        while True:
            data, base = self.data, self.base
            index = position - base
            if string_at < 0:
                index = _OUTSIDE_STRINGS.match(data, index).end()  # type: ignore[union-attr]  # a *-pattern: always matches
                if index < len(data):
                    byte = data[index]
                    position = base + index + 1
                    if byte == _QUOTE:
                        string_at = position - 1
                    elif byte in (_OPEN_BRACE, _OPEN_BRACKET):
                        depth += 1
                        if depth > deepest:
                            deepest = depth
                        if depth <= MAX_ITEM_DEPTH:
                            closers.append(byte + 2)  # "{" + 2 is "}", "[" + 2 is "]"
                    else:
                        if depth <= MAX_ITEM_DEPTH and closers.pop() != byte:
                            self._fail(f"{chr(byte)} closes no bracket opened before", base + index)
                        depth -= 1
                        if depth == 0:
                            return position, deepest, found_id
                    continue
            else:
                index = _string_stop(data, index)
                if index < len(data) and data[index] == _QUOTE:
                    position = base + index + 1
                    if depth == 0:
                        return position, 0, None
                    if (
                        depth == 1
                        and found_id is None
                        and first == _OPEN_BRACE
                        and position - string_at == len(_ID_KEY)
                        and string_at >= base
                        and data[string_at - base : index + 1] == _ID_KEY
                    ):
                        # Read ahead for the value, still keeping the item's start.
                        keep = min(string_at, _keep(start, position, -1, limit))
                        found_id = self._id_value(position, keep)
                    string_at = -1
                    continue
            position = base + index
            if not self.more(_keep(start, position, string_at, limit)):
                self._fail("the body ends inside an item", position)

    def _id_value(self, after_key: int, keep: int) -> str | None:
        """The string that follows the ``"id"`` key ending at ``after_key``, if short;
        bytes from body offset ``keep`` on stay buffered."""
        while self.base + len(self.data) < after_key + _ID_LOOKAHEAD and self.more(keep):
            pass
        match = _ID_VALUE.match(self.data, after_key - self.base)
        return match[1].decode("utf-8", "replace") if match else None


def _string_stop(data: bytearray, index: int) -> int:
    """Where the string being walked closes, or where the walk must wait for more."""
    quote = data.find(b'"', index)
    stop = len(data) if quote < 0 else quote
    # Text without escapes, the usual kind, is searched at memchr speed.
    if data.find(b"\\", index, stop) < 0:
        return stop
    return _STRING_REST.match(data, index).end()  # type: ignore[union-attr]  # a *-pattern: always matches


def _keep(start: int, position: int, string_at: int, limit: int) -> int:
    """The first byte a walk still needs: the item's start while it may be kept, else
    where the walk is (or a short string it is in, whose bytes may still be compared)."""
    if position - start <= limit:
        return start
    if string_at >= 0 and position - string_at < len(_ID_KEY):
        return string_at
    return position
