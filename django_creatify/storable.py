"""JSON text a database can store: what PostgreSQL refuses in decoded remote text, and
the same value without it."""

from __future__ import annotations

import re
from typing import Any

# JSON escapes that decode to text PostgreSQL refuses: NUL, and UTF-16 surrogates (a lone
# one cannot be encoded; a valid pair is scrubbed harmlessly). Looked for in an item's
# text before it is stored as sent; one search over text just decoded is cheap.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(0000|[dD][89a-fA-F])")
_UNSTORABLE_ESCAPE_BYTES = re.compile(_UNSTORABLE_ESCAPE.pattern.encode())


def has_unstorable_escape(content: bytes | str) -> bool:
    if isinstance(content, str):
        return _UNSTORABLE_ESCAPE.search(content) is not None
    return _UNSTORABLE_ESCAPE_BYTES.search(content) is not None


def storable(value: Any) -> Any:
    """The same JSON value with NULs dropped and lone surrogates replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value
