"""Which remote URLs may become links, players or images: http(s) with a host, nothing else.

Creatify's payloads are untrusted text. A ``javascript:`` or ``data:`` URL in ``href`` or
``src`` runs code or shows forged content, so every URL from a payload goes through
:func:`safe_url` before it reaches an attribute; everything else is shown as text, escaped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SAFE_SCHEMES = frozenset({"http", "https"})


class SiteURL(str):
    """A URL this site made (a ``reverse()``, a storage's ``url()``), not one from a
    payload: a path on this site (``/media/...``) is allowed as well."""


def safe_url(url: object) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else ``None``.

    Browsers drop leading spaces and control characters and ignore tabs and newlines
    inside a scheme (``" java\\tscript:..."`` runs), so a URL holding any of them, or any
    other control character, is refused rather than cleaned.
    """
    if not isinstance(url, str) or not url:
        return None
    if any(ord(char) < 0x21 or 0x7F <= ord(char) <= 0x9F for char in url):
        return None
    if isinstance(url, SiteURL) and url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    return url
