"""A JSON array body (a spooled list response) read item by item, in bounded memory.

Each item comes with the digest of its exact bytes. A sync stores that digest next to the
row, so on the next listing an item whose bytes have not changed is recognised from its
digest alone: it is neither decoded nor compared field by field. Any other item is
decoded, which also checks it; the bytes of a recognised item decoded when they were
stored, so a body whose every item was recognised or decoded is a well-formed array.

Finding an item's end must not cost a decode either. An object's end is guessed as the
first ``}`` followed by ``,`` or ``]``; a wrong guess (a brace inside a string, a nested
object) cannot be mistaken for a right one, since the guessed bytes then match no stored
digest and do not decode, and the item is read again with the JSON decoder itself.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import IO, Any, NoReturn

from .exceptions import PayloadError, excerpt

READ_BYTES = 64 * 1024
# The decoder's first look at an item it must find the end of; doubled until it fits.
FIRST_WINDOW_BYTES = 64 * 1024

_WHITESPACE = re.compile(rb"[ \t\n\r]*")
_LIKELY_OBJECT_END = re.compile(rb"\}[ \t\n\r]*[,\]]")
_OPEN_BRACE, _COMMA, _CLOSE_BRACKET, _OPEN_BRACKET = b"{,]["


def item_digest(data: bytes) -> str:
    """What identifies an item's bytes; 128 bits, so unequal bytes never share one."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Recognised:
    """The value of an item whose digest was known: it was not decoded."""

    def __repr__(self) -> str:
        return "RECOGNISED"


RECOGNISED = Recognised()


@dataclass(slots=True)
class ListedItem:
    index: int
    offset: int
    length: int
    digest: str
    #: The decoded item, or ``RECOGNISED``.
    value: Any
    #: The item's JSON text, when it can be stored as sent (no NaN, nothing scrubbed).
    text: str | None = None


class JsonArrayBody:
    """The spooled body of a list response. ``scan()`` checks and walks it; ``read()``
    decodes single items again by position."""

    def __init__(self, file: IO[bytes], *, source: str, needs_scrubbing: bool = False) -> None:
        self._file = file
        self._source = source
        #: The body has escapes decoding to text a database cannot store (see storable below).
        self.needs_scrubbing = needs_scrubbing
        self._saw_constant = False
        self._decoder = json.JSONDecoder(parse_constant=self._constant)

    def _constant(self, _name: str) -> None:
        # NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them: read as null.
        self._saw_constant = True

    def scan(self, recognised: Container[str] = frozenset()) -> Iterator[ListedItem]:
        """Every item in order; raises PayloadError at the first thing that is not JSON.

        Items whose digest is in ``recognised`` are not decoded. Callers that write must
        run the scan to its end before writing anything: the error may come last.
        """
        cursor = _Cursor(self._file, self._fail)
        first = cursor.peek()
        if first != _OPEN_BRACKET:
            kind = {None: "an empty body", _OPEN_BRACE: "an object"}.get(first, "a single value")
            raise PayloadError(f"Expected a JSON array from {self._source}, got {kind}")
        cursor.skip(1)
        if cursor.peek() == _CLOSE_BRACKET:
            cursor.skip(1)
            cursor.expect_end()
            return
        index = 0
        while True:
            yield self._item(cursor, index, recognised)
            index += 1
            following = cursor.peek()
            if following == _COMMA:
                cursor.skip(1)
                cursor.peek()
            elif following == _CLOSE_BRACKET:
                cursor.skip(1)
                cursor.expect_end()
                return
            else:
                self._fail(f"expected ',' or ']' after item {index - 1}", cursor.position)

    def read(self, offset: int, length: int, index: int = -1) -> ListedItem:
        """The item at ``offset`` (as ``scan()`` reported it), decoded."""
        self._file.seek(offset)
        data = self._file.read(length)
        try:
            return self._decoded(data, index, offset, item_digest(data))
        except ValueError as exc:  # the body changed under us: it was checked by scan()
            self._fail(str(exc), offset)

    def _item(self, cursor: _Cursor, index: int, recognised: Container[str]) -> ListedItem:
        start = cursor.position
        if cursor.current() == _OPEN_BRACE:
            data = cursor.likely_object()
            if data is not None:
                digest = item_digest(data)
                if digest in recognised:
                    cursor.skip(len(data))
                    return ListedItem(index, start, len(data), digest, RECOGNISED)
                try:
                    item = self._decoded(data, index, start, digest)
                except ValueError:
                    pass  # not the real end, or not JSON: the decoder below tells which
                else:
                    cursor.skip(len(data))
                    return item
        _value, length = cursor.decode_value(self._decoder)
        data = cursor.take(length)
        digest = item_digest(data)
        if digest in recognised:
            return ListedItem(index, start, length, digest, RECOGNISED)
        return self._decoded(data, index, start, digest)

    def _decoded(self, data: bytes, index: int, offset: int, digest: str) -> ListedItem:
        """Raises ValueError unless ``data`` is one JSON value in UTF-8."""
        self._saw_constant = False
        text = data.decode()
        # raw_decode, not decode: ``data`` has no whitespace around it to skip.
        value, end = self._decoder.raw_decode(text)
        if end != len(text):
            raise ValueError("more than one JSON value")
        if self.needs_scrubbing:
            return ListedItem(index, offset, len(data), digest, storable(value))
        return ListedItem(
            index, offset, len(data), digest, value, None if self._saw_constant else text
        )

    def _fail(self, reason: str, offset: int) -> NoReturn:
        raise PayloadError(
            f"Creatify sent a body that is not valid JSON for GET {self._source} "
            f"(at byte {offset}): {excerpt(reason, 120)}"
        )


class _Cursor:
    """A position in the body with the bytes around it; never more than an item plus
    ``READ_BYTES`` in memory."""

    def __init__(self, file: IO[bytes], fail) -> None:
        self._file = file
        self._fail = fail
        file.seek(0)
        self._data = b""
        self._base = 0  # the body offset of self._data[0]
        self._at = 0
        self._eof = False

    @property
    def position(self) -> int:
        return self._base + self._at

    def _more(self) -> bool:
        """Read on, keeping the bytes from the current position; False at the end."""
        if self._eof:
            return False
        chunk = self._file.read(READ_BYTES)
        if not chunk:
            self._eof = True
            return False
        self._base += self._at
        self._data = self._data[self._at :] + chunk
        self._at = 0
        return True

    def peek(self) -> int | None:
        """The next byte that is not whitespace (moving to it), or None at the end."""
        while True:
            self._at = _WHITESPACE.match(self._data, self._at).end()
            if self._at < len(self._data):
                return self._data[self._at]
            if not self._more():
                return None

    def current(self) -> int | None:
        return self._data[self._at] if self._at < len(self._data) else None

    def skip(self, count: int) -> None:
        self._at += count

    def take(self, count: int) -> bytes:
        data = self._data[self._at : self._at + count]
        self._at += count
        return data

    def expect_end(self) -> None:
        if self.peek() is not None:
            self._fail("more after the closing ']'", self.position)

    def likely_object(self) -> bytes | None:
        """The bytes up to the first ``}`` that a ``,`` or ``]`` follows, if any."""
        while True:
            match = _LIKELY_OBJECT_END.search(self._data, self._at)
            if match is not None:
                return self._data[self._at : match.start() + 1]
            if not self._more():
                return None

    def decode_value(self, decoder: json.JSONDecoder) -> tuple[Any, int]:
        """Decode the value that starts here: the value and its length in bytes."""
        window = FIRST_WINDOW_BYTES
        while True:
            stop = min(self._at + window, len(self._data))
            data = self._data[self._at : stop]
            complete = stop == len(self._data) and self._eof
            try:
                # An incremental decoder leaves a character cut by the window's end for later.
                text = codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
                value, end = decoder.raw_decode(text)
            except UnicodeDecodeError as exc:
                self._fail(f"not UTF-8: {exc.reason}", self.position)
            except ValueError as exc:
                if complete:
                    self._fail(str(exc), self.position)
            else:
                # A number cut by the window's end would decode as a shorter number: the
                # value is only whole if the array's next separator follows it.
                if complete or text[end:].lstrip(" \t\n\r")[:1] in (",", "]"):
                    length = end if data.isascii() else len(text[:end].encode())
                    return value, length
            if stop == len(self._data) and not self._more():
                self._eof = True
            window *= 2


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
