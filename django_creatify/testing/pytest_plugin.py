"""pytest plugin (loaded through the ``pytest11`` entry point): a Creatify sandbox per test.

``creatify_sandbox``
    A :class:`~django_creatify.sandbox.Sandbox` with a manual clock, served on a free
    loopback port for one test, with ``settings.CREATIFY`` pointing at it (``BASE_URL``,
    ``API_ID``, ``API_KEY``; the site's other ``CREATIFY`` keys are kept). Its ``url``
    attribute is the server's address. Move its jobs with ``creatify_sandbox.advance(s)``::

        def test_video_is_made(creatify_sandbox):
            flow = create_talking_head(...)        # your code, calling Creatify
            creatify_sandbox.advance(60)
            ...

``creatify_sandbox_server``
    One sandbox served for the whole session, for suites that want a long-lived server
    (or a module-scoped fixture of their own). It does not touch settings and is not
    reset between tests: call ``.reset()`` where that matters.

Nothing here imports Django at import time: pytest loads plugins before Django is set up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from django_creatify.sandbox import Sandbox


@pytest.fixture
def creatify_sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True)
    with sandbox.serve() as server, _creatify_settings_for(sandbox, server.url):
        yield sandbox


@pytest.fixture(scope="session")
def creatify_sandbox_server() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True)
    with sandbox.serve():
        yield sandbox


@contextmanager
def _creatify_settings_for(sandbox: Sandbox, url: str) -> Iterator[None]:
    from django.conf import settings

    if not (settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE")):
        # Not a Django test run: the sandbox alone is still useful.
        yield
        return
    from django.test import override_settings

    current = getattr(settings, "CREATIFY", None) or {}
    override = override_settings(
        CREATIFY={**current, "BASE_URL": url, "API_ID": sandbox.api_id, "API_KEY": sandbox.api_key}
    )
    override.enable()
    try:
        yield
    finally:
        override.disable()
