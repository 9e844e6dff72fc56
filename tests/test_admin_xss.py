"""Remote text is hostile: every admin page escapes it and links only http(s) URLs.

The same corpus runs in a real browser in ``tests/browser`` (no dialog may open); here
the HTML itself is checked: no element, attribute or URL comes from a payload.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.utils.html import escape

from django_creatify.models import AuroraFlow
from django_creatify.safe_urls import safe_url
from django_creatify.sync import sync_aurora_flows
from tests.browser.xss_corpus import (
    DANGEROUS_SCHEME,
    TEXT_VECTORS,
    URL_ATTRIBUTES,
    URL_VECTORS,
    VECTOR_COUNT,
    hostile_jobs,
)

ADMIN = "/admin/django_creatify/auroraflow/"


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_nothing_injected(html: str, baseline_scripts: int) -> None:
    found = elements(html)
    for tag, attrs in found:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}={value!r}> is an event handler"
            if name in URL_ATTRIBUTES and value is not None:
                assert not DANGEROUS_SCHEME.match(value), f"<{tag} {name}={value!r}>"
        # (svg is the admin's own icons and chart; a hostile one would carry an on* handler.)
        assert tag not in ("iframe", "object", "embed", "math", "marquee", "mglyph"), tag
    scripts = [attrs for tag, attrs in found if tag == "script"]
    assert len(scripts) == baseline_scripts, scripts
    for attrs in scripts:
        # Only the admin's own files and its JSON data blocks, never an inline script.
        src = attrs.get("src") or ""
        assert (
            src.startswith("/static/")
            or src.startswith("/admin/")
            or attrs.get("type") == ("application/json")
        ), attrs


def script_count(client, url: str) -> int:
    return sum(1 for tag, _ in elements(client.get(url).content.decode()) if tag == "script")


def test_the_corpus_is_big_enough():
    assert VECTOR_COUNT >= 20
    assert len(TEXT_VECTORS) >= 20
    assert any(url.lower().lstrip().startswith("javascript:") for url in URL_VECTORS)
    assert any(url.startswith("data:") for url in URL_VECTORS)


@pytest.mark.parametrize("url", URL_VECTORS)
def test_safe_url_refuses_every_hostile_url_but_quoting_tricks(url):
    result = safe_url(url)
    if result is not None:
        # Only an http(s) URL with a host passes; quotes inside it are escaped when rendered.
        assert result.startswith("https://example.com/")


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/v.mp4?X-Amz-Signature=abc&x=1",
        "http://127.0.0.1:8765/media/video.mp4",
        "HTTPS://EXAMPLE.COM/A.PNG",
    ],
)
def test_safe_url_keeps_real_links(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", [None, "", 42, "ftp://example.com/x", "https://", "/media/x.png"])
def test_safe_url_refuses_non_links(url):
    assert safe_url(url) is None


@pytest.mark.django_db
def test_no_admin_page_renders_a_hostile_payload(admin_client, creatify_sandbox):
    baseline_list = script_count(admin_client, ADMIN)
    hostile_jobs(creatify_sandbox)
    result = sync_aurora_flows()
    assert result.created == max(len(TEXT_VECTORS), len(URL_VECTORS))
    assert result.skipped == 0

    changelist = admin_client.get(ADMIN + "?all=")
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert_nothing_injected(html, baseline_list)
    # Every hostile name is shown as text: escaped, never as markup.
    for text in TEXT_VECTORS:
        assert text not in html
        assert escape(text) in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    flows = list(AuroraFlow.objects.all())
    baseline_change = None
    for flow in flows:
        page = admin_client.get(f"{ADMIN}{flow.pk}/change/")
        assert page.status_code == 200
        html = page.content.decode()
        if baseline_change is None:
            baseline_change = sum(1 for tag, _ in elements(html) if tag == "script")
        assert_nothing_injected(html, baseline_change)
        # The failure reason is shown (escaped) for failed and rejected jobs.
        if flow.status in ("failed", "rejected"):
            assert "creatify-callout--error" in html

    overview = admin_client.get(ADMIN + "overview/")
    assert overview.status_code == 200
    assert_nothing_injected(
        overview.content.decode(), script_count(admin_client, ADMIN + "overview/")
    )

    poll = admin_client.get(ADMIN + "poll/", {"ids": ",".join(str(flow.pk) for flow in flows)})
    assert poll.status_code == 200
    assert poll["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_quotes_in_an_http_url_stay_inside_the_attribute(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(
        name="quoted", status="done", video_output='https://example.com/a.mp4"onerror="alert(1)'
    )
    sync_aurora_flows()
    html = admin_client.get(f"{ADMIN}{job['id']}/change/").content.decode()
    videos = [attrs for tag, attrs in elements(html) if tag == "video"]
    assert videos[0]["src"] == 'https://example.com/a.mp4"onerror="alert(1)'
    assert "onerror" not in videos[0]
