"""Turn ``DATABASE_URL`` into a ``DATABASES["default"]`` dict (SQLite and PostgreSQL only).

Twenty lines here instead of a dependency: the example project and the tests need just
these two engines.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}


def parse_database_url(url: str) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in ENGINES:
        raise ValueError(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres or sqlite)"
        )
    if scheme == "sqlite":
        # sqlite:////abs/path.db or sqlite:///relative.db
        return {"ENGINE": ENGINES[scheme], "NAME": unquote(parts.path[1:]) or ":memory:"}
    return {
        "ENGINE": ENGINES[scheme],
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }
