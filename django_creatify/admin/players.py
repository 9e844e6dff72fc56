"""The change page's media and documents: players, images, links that open in a new tab,
the archive's note, the expired notice, the editor link, the raw payload and JSON fields.

Everything here reads the row in hand, never the network. Remote text goes through
``format_html`` (escaped); remote URLs become attributes only through :func:`safe_url`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import CreatifyJob
from ..safe_urls import safe_url
from ..webhook_urls import redact_secrets
from .display import empty

# A preview at one of these paths is a video file; any other is a page at Creatify.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".webm", ".m3u8"})


def _unsafe_note(url: str | None) -> SafeString:
    if not url:
        return empty()
    return format_html(
        '<span class="creatify-muted">{}</span>',
        _("Not shown: not an http(s) URL (see the raw payload)."),
    )


def _open_link(url: str, label: str) -> SafeString:
    return format_html(
        '<a class="creatify-link" href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
        url,
        label,
    )


def video_player(url_value: str | None, *, poster: str | None = None, kind: str) -> SafeString:
    url = safe_url(url_value)
    if not url:
        return _unsafe_note(url_value)
    poster_url = safe_url(poster)
    return format_html(
        '<div class="creatify-media"><video class="creatify-player creatify-player--{}" controls'
        ' preload="metadata" playsinline src="{}"{}></video><div>{}</div></div>',
        kind,
        url,
        format_html(' poster="{}"', poster_url) if poster_url else "",
        _open_link(url, _("Open in a new tab")),
    )


def is_video_file(url: str) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return PurePosixPath(path).suffix.lower() in VIDEO_SUFFIXES


def preview_player(url_value: str | None, *, poster: str | None = None) -> SafeString:
    """A player when the preview is a video file; a link when it is a page at Creatify
    (Lipsync and AI Shorts previews are pages made to be framed, which this admin does not
    frame: the page is Creatify's, not the site's)."""
    url = safe_url(url_value)
    if not url:
        return _unsafe_note(url_value)
    if is_video_file(url):
        return video_player(url, poster=poster, kind="preview")
    return format_html(
        '<div class="creatify-media">{}<div class="creatify-muted">{}</div></div>',
        _open_link(url, _("Open the preview")),
        _("A page at Creatify; it opens in a new tab."),
    )


def audio_player(url_value: str | None) -> SafeString:
    url = safe_url(url_value)
    if not url:
        return _unsafe_note(url_value)
    return format_html(
        '<div class="creatify-media"><audio class="creatify-audio" controls preload="metadata"'
        ' src="{}"></audio><div>{}</div></div>',
        url,
        _open_link(url, _("Open in a new tab")),
    )


def image(url_value: str | None) -> SafeString:
    url = safe_url(url_value)
    if not url:
        return _unsafe_note(url_value)
    return format_html(
        '<div class="creatify-media"><img class="creatify-image" src="{}" alt="" loading="lazy"'
        ' referrerpolicy="no-referrer"><div>{}</div></div>',
        url,
        _open_link(url, _("Open in a new tab")),
    )


def archived_note(player: SafeString | str, copy) -> SafeString:
    """A player of the site's archived copy, with what the archive knows of the file."""
    return format_html(
        '{}<div class="creatify-archived" data-creatify-role="archived">{} \u00b7 {} \u00b7 '
        'SHA-256 <code title="{}">{}\u2026</code></div>',
        player,
        _("The site's archived copy"),
        filesizeformat(copy.size),
        copy.sha256,
        copy.sha256[:12],
    )


def expired_notice(url_value: str | None, expires_at: datetime | None, *, archiving: bool):
    """In place of a player whose file Creatify has most likely deleted."""
    when = timezone.localtime(expires_at).strftime("%Y-%m-%d") if expires_at else "?"
    hint = (
        _("The archive has no copy of it yet; creatify_archive --missing would try.")
        if archiving
        else _("Set CREATIFY['ARCHIVE_STORAGE'] to keep copies of finished outputs.")
    )
    url = safe_url(url_value)
    return format_html(
        '<div class="creatify-expired" role="note" data-creatify-role="expired"><strong>{}</strong>'
        " {} {}{}</div>",
        _("Expired at Creatify."),
        _("Creatify keeps outputs for a limited time; this one was due to go on %(date)s.")
        % {"date": when},
        hint,
        format_html(" {}", _open_link(url, _("Try Creatify's link anyway"))) if url else "",
    )


def expiry_text(expires_at: datetime, now: datetime | None = None) -> str:
    remaining = (expires_at - (now or timezone.now())).total_seconds()
    if remaining <= 0:
        return _("expired")
    if remaining < 3600:
        minutes = max(1, math.ceil(remaining / 60))
        return ngettext("expires in %(n)d min", "expires in %(n)d min", minutes) % {"n": minutes}
    hours = math.floor(remaining / 3600)
    return ngettext("expires in %(n)d h", "expires in %(n)d h", hours) % {"n": hours}


def editor_link(flow: CreatifyJob, now: datetime | None = None) -> SafeString:
    if not flow.editor_url:
        return empty()
    expires_at = flow.editor_url_expires_at
    if expires_at is None:
        return empty()
    text = expiry_text(expires_at, now)
    if not flow.editor_url_is_valid:
        return format_html('<span class="creatify-expiry creatify-expiry--expired">{}</span>', text)
    url = safe_url(flow.editor_url)
    if not url:
        return _unsafe_note(flow.editor_url)
    return format_html(
        '{} <span class="creatify-expiry" title="{}">({})</span>',
        _open_link(url, _("Open in Creatify's editor")),
        timezone.localtime(expires_at).strftime("%Y-%m-%d %H:%M %Z"),
        text,
    )


def raw_payload(flow: CreatifyJob) -> SafeString:
    text = json.dumps(
        redact_secrets(flow.raw), indent=2, sort_keys=True, ensure_ascii=False, default=str
    )
    return format_html(
        '<details class="creatify-raw"><summary>{}</summary><pre>{}</pre></details>',
        ngettext(
            "%(n)d field as Creatify sent it", "%(n)d fields as Creatify sent them", len(flow.raw)
        )
        % {"n": len(flow.raw)}
        if isinstance(flow.raw, dict)
        else _("As Creatify sent it"),
        text,
    )


def json_document(value: Any) -> SafeString:
    """A nested JSON field (scenes, caption settings), indented and escaped."""
    if value is None:
        return empty()
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="creatify-json">{}</pre>', text)


def plain_url(url_value: str | None) -> SafeString:
    """A URL that is shown, never followed (e.g. the webhook the job posts to)."""
    if not url_value:
        return empty()
    return format_html('<code class="creatify-url">{}</code>', url_value)
