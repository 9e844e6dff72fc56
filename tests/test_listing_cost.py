"""The cost of reading a list body grows with an item's size, not its square: the
scanner's searches, walks and decodes are counted, whatever the clock says."""

import io
import re

import pytest

from django_creatify import cursor, listing
from django_creatify.listing import JsonArrayBody


def scanned_with_limit(data: bytes, limit: int) -> list:
    body = JsonArrayBody(io.BytesIO(data), source="/api/aurora/", max_item_bytes=limit)
    return list(body.scan())


class Tally:
    """The scanner's work, whatever the clock: the bytes each of its searches spanned plus
    one per search (a step of the walk may span none), and the bytes decoded."""

    def __init__(self, patch: pytest.MonkeyPatch) -> None:
        self.examined = 0
        for name in dir(cursor):
            pattern = getattr(cursor, name)
            if isinstance(pattern, re.Pattern):
                patch.setattr(cursor, name, _CountedPattern(pattern, self))
        string_stop = cursor._string_stop

        def counted_string_stop(data, index):
            stop = string_stop(data, index)
            self.examined += 1 + stop - index
            return stop

        patch.setattr(cursor, "_string_stop", counted_string_stop)
        first_balanced_end = cursor.first_balanced_end

        def counted_first_balanced_end(data, start, limit, tries):
            found = first_balanced_end(data, start, limit, tries)
            # Braces counted once over the span up to the end it settles on (or gives up).
            end = found.start() + 1 if found else min(len(data), start + limit)
            self.examined += 2 * (end - start)
            return found

        for module in (cursor, listing):
            patch.setattr(module, "first_balanced_end", counted_first_balanced_end)
        decoded = JsonArrayBody._decoded

        def counted_decoded(body, text, *args):
            self.examined += len(text)
            return decoded(body, text, *args)

        patch.setattr(JsonArrayBody, "_decoded", counted_decoded)


class _CountedPattern:
    def __init__(self, pattern: re.Pattern, tally: Tally) -> None:
        self._pattern, self._tally = pattern, tally

    def search(self, data, pos=0):
        found = self._pattern.search(data, pos)
        self._tally.examined += 1 + (found.end() if found else len(data)) - pos
        return found

    def finditer(self, data, pos=0):
        for found in self._pattern.finditer(data, pos):
            self._tally.examined += 1 + found.end() - pos
            pos = found.end()
            yield found
        self._tally.examined += len(data) - pos

    def match(self, data, pos=0):
        found = self._pattern.match(data, pos)
        self._tally.examined += 1 + (found.end() - pos if found else 0)
        return found


MB = 1 << 20
SHAPES = {
    # One long string: the object's end is guessed, searched for across 16 or 64 reads.
    "string": lambda size: b'{"id": "j", "name": "' + b"a" * size + b'"}',
    # A brace in a string makes the guess wrong, escapes send the walk to the regex.
    "escapes": lambda size: b'{"name": "}, ' + b"x\\n" * (size // 3) + b'"}',
    # Many brackets: walked token by token, then decoded.
    "tokens": lambda size: b'{"a": [' + b",".join([b"[1]"] * (size // 4)) + b"]}",
}


@pytest.mark.parametrize("limit", [16 * MB, 256 * 1024], ids=["decoded", "skipped"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_cost_of_an_item_grows_with_its_size_not_its_square(shape, limit):
    def work(size: int) -> int:
        data = b'[{"id": "before"}, ' + SHAPES[shape](size) + b', {"id": "after"}]'
        with pytest.MonkeyPatch.context() as patch:
            tally = Tally(patch)
            found = scanned_with_limit(data, limit)
        assert [found[0].value, found[2].value] == [{"id": "before"}, {"id": "after"}]
        assert isinstance(found[1].value, listing.Unreadable) == (limit < size)
        return tally.examined

    one, four = work(MB), work(4 * MB)
    # Linear with a constant part (the search for a guessed end stops at the limit): at
    # most 4 times; the square would be 16.
    assert one >= MB and 2.5 < four / one < 4.5, f"work {one:,} for 1 MB, {four:,} for 4 MB"
