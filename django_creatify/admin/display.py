"""HTML fragments for the admin: badges, progress bars, players, links.

Everything here reads the row in hand, never the network. Remote text goes through
``format_html`` (escaped); remote URLs become attributes only through :func:`safe_url`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..choices import FINISHED_STATUSES, AuroraStatus
from ..models import AuroraFlow
from ..safe_urls import safe_url

EMPTY = "\u2013"  # an en dash: "no value"
KNOWN_CSS_STATUSES = frozenset(status.value for status in AuroraStatus)
FAILURE_STATUSES = frozenset({AuroraStatus.FAILED, AuroraStatus.REJECTED})


def status_css(status: str) -> str:
    """A CSS modifier for a status: the status itself if known, ``other`` for anything new."""
    return status if status in KNOWN_CSS_STATUSES else "other"


def status_label(status: str) -> str:
    """The human label of a status; an unknown status is shown as sent (escaped by callers)."""
    try:
        return str(AuroraStatus(status).label)
    except ValueError:
        return status or _("unknown")


def is_active(status: str) -> bool:
    return status not in FINISHED_STATUSES


def progress_label(flow: AuroraFlow) -> str:
    return f"{flow.progress_percent:.0f}%"


def status_badge(flow: AuroraFlow) -> SafeString:
    """A coloured badge with the status's text; failure reasons show on hover."""
    title = flow.failed_reason if flow.status in FAILURE_STATUSES and flow.failed_reason else ""
    return format_html(
        '<span class="creatify-badge creatify-badge--{}" data-creatify-flow="{}"'
        ' data-creatify-role="badge" data-creatify-active="{}"{}>{}</span>',
        status_css(flow.status),
        flow.pk,
        "true" if is_active(flow.status) else "false",
        format_html(' title="{}"', title) if title else "",
        status_label(flow.status),
    )


def progress_bar(flow: AuroraFlow) -> SafeString:
    percent = flow.progress_percent
    return format_html(
        '<span class="creatify-progress-cell">'
        '<progress class="creatify-progress creatify-progress--{}" max="100" value="{}"'
        ' data-creatify-flow="{}" data-creatify-role="progress" data-creatify-active="{}"'
        ' aria-label="{}">{}</progress>'
        ' <span class="creatify-progress-label" data-creatify-flow="{}"'
        ' data-creatify-role="progress-label">{}</span></span>',
        status_css(flow.status),
        f"{percent:g}",
        flow.pk,
        "true" if is_active(flow.status) else "false",
        _("progress"),
        progress_label(flow),
        flow.pk,
        progress_label(flow),
    )


def thumbnail(flow: AuroraFlow) -> SafeString | str:
    url = safe_url(flow.image)
    if not url:
        return EMPTY
    return format_html(
        '<img class="creatify-thumb" src="{}" alt="" loading="lazy" decoding="async"'
        ' width="48" height="48" referrerpolicy="no-referrer">',
        url,
    )


def title(flow: AuroraFlow) -> SafeString:
    tags = []
    if flow.is_hidden:
        tags.append(format_html('<span class="creatify-tag">{}</span>', _("hidden")))
    if flow.missing_since is not None:
        tags.append(
            format_html(
                '<span class="creatify-tag creatify-tag--warning" title="{}">{}</span>',
                _("No longer listed by Creatify"),
                _("missing"),
            )
        )
    if flow.name:
        text = format_html('<span class="creatify-name">{}</span>', flow.name)
    else:
        text = format_html('<span class="creatify-name creatify-name--id">{}</span>', flow.pk)
    # Each tag is already escaped by format_html; joining keeps them safe.
    return format_html("{}{}", text, SafeString("".join(" " + tag for tag in tags)))


def duration(flow: AuroraFlow) -> str:
    # Creatify sends 0 until the video exists: no length yet is not a length of zero.
    if flow.duration is None or (flow.duration == 0 and flow.status != AuroraStatus.DONE):
        return EMPTY
    return f"{flow.duration} s"


def credits(flow: AuroraFlow) -> str:
    return EMPTY if flow.credits_used is None else f"{flow.credits_used:g}"


# -- change view -------------------------------------------------------------------


def _unsafe_note(url: str | None) -> SafeString | str:
    if not url:
        return EMPTY
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


def video_player(
    url_value: str | None, *, poster: str | None = None, kind: str
) -> SafeString | str:
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


def audio_player(url_value: str | None) -> SafeString | str:
    url = safe_url(url_value)
    if not url:
        return _unsafe_note(url_value)
    return format_html(
        '<div class="creatify-media"><audio class="creatify-audio" controls preload="none"'
        ' src="{}"></audio><div>{}</div></div>',
        url,
        _open_link(url, _("Open in a new tab")),
    )


def image(url_value: str | None) -> SafeString | str:
    url = safe_url(url_value)
    if not url:
        return _unsafe_note(url_value)
    return format_html(
        '<div class="creatify-media"><img class="creatify-image" src="{}" alt="" loading="lazy"'
        ' referrerpolicy="no-referrer"><div>{}</div></div>',
        url,
        _open_link(url, _("Open in a new tab")),
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


def editor_link(flow: AuroraFlow, now: datetime | None = None) -> SafeString | str:
    if not flow.editor_url:
        return EMPTY
    expires_at = flow.editor_url_expires_at
    if expires_at is None:
        return EMPTY
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


def failed_reason(flow: AuroraFlow) -> SafeString | str:
    if not flow.failed_reason:
        return EMPTY
    if flow.status in FAILURE_STATUSES:
        return format_html(
            '<div class="creatify-failure" role="alert"><strong>{}</strong> {}</div>',
            status_label(flow.status) + ":",
            flow.failed_reason,
        )
    return format_html("<span>{}</span>", flow.failed_reason)


def raw_payload(flow: AuroraFlow) -> SafeString:
    text = json.dumps(flow.raw, indent=2, sort_keys=True, ensure_ascii=False, default=str)
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


def plain_url(url_value: str | None) -> SafeString | str:
    """A URL that is shown, never followed (e.g. the webhook the job posts to)."""
    if not url_value:
        return EMPTY
    return format_html('<code class="creatify-url">{}</code>', url_value)
