"""The changelist's cells: a job (its name, flags, id and the values of columns folded
into the row on narrow screens), its status with progress, its settings, its media.

A value the live poll can change carries ``data-creatify-flow`` (the job) and
``data-creatify-role`` (which value); :mod:`.live` sends the same values as JSON, built
by the same functions, and ``changelist.js`` writes them back as text and properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import CreatifyJob
from ..safe_urls import safe_url
from . import display

VIDEO, PREVIEW, EXPIRED = "video", "preview", "expired"
THUMB_SIZE = 36


@dataclass(frozen=True)
class MediaState:
    """What the media cell shows: a still (``poster``) and where it leads (``url``, a
    ``kind``), or that Creatify's copy has expired. URLs are http(s) or the site's own."""

    kind: str = ""
    url: str | None = None
    poster: str | None = None

    @property
    def label(self) -> str:
        return {VIDEO: _("video"), PREVIEW: _("preview"), EXPIRED: _("expired")}.get(self.kind, "")

    @property
    def title(self) -> str:
        return {
            VIDEO: _("Open the video"),
            PREVIEW: _("Open the preview"),
            EXPIRED: _("Creatify's copy has most likely been deleted, and the site kept none"),
        }.get(self.kind, "")

    def as_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "url": self.url,
            "poster": self.poster,
            "label": self.label,
            "title": self.title,
        }


def media_state(
    poster: str | None, video: str | None, preview: str | None, *, expired: bool = False
) -> MediaState:
    """The video when there is one, else the preview; only links that may be followed."""
    poster_url, video_url, preview_url = safe_url(poster), safe_url(video), safe_url(preview)
    if expired:
        return MediaState(EXPIRED, None, poster_url)
    if video_url:
        return MediaState(VIDEO, video_url, poster_url)
    if preview_url:
        return MediaState(PREVIEW, preview_url, poster_url)
    return MediaState("", None, poster_url)


def thumbnail(url: str | None) -> SafeString:
    if not url:
        return SafeString("")
    return format_html(
        '<img class="creatify-thumb" src="{}" alt="" loading="lazy" decoding="async"'
        ' width="{}" height="{}" referrerpolicy="no-referrer">',
        url,
        THUMB_SIZE,
        THUMB_SIZE,
    )


def media_content(state: MediaState) -> SafeString:
    """One link, not players: fifty video elements on one page would each fetch metadata."""
    still = thumbnail(state.poster)
    if state.kind == EXPIRED:
        return format_html(
            '{}<span class="creatify-tag creatify-tag--warning" title="{}">{}</span>',
            still,
            state.title,
            state.label,
        )
    if state.url:
        return format_html(
            '<a class="creatify-media-link creatify-media-link--{}" href="{}" target="_blank"'
            ' rel="noopener noreferrer" title="{}">{}</a>',
            state.kind,
            state.url,
            state.title,
            still or state.label,
        )
    return still or display.empty()


def media_cell(flow: CreatifyJob, state: MediaState) -> SafeString:
    return format_html(
        '<span class="creatify-media-cell" data-creatify-flow="{}" data-creatify-role="media">'
        "{}</span>",
        flow.pk,
        media_content(state),
    )


def status_cell(flow: CreatifyJob) -> SafeString:
    """The status and, below it, how far the job has come: one column for both."""
    return format_html(
        '<span class="creatify-status">{}{}</span>',
        display.status_badge(flow),
        display.progress_bar(flow),
    )


def setting_values(flow: CreatifyJob, fields: Iterable[str]) -> list[str]:
    """The row's settings as people read them: a choice's label, else the value sent."""
    values = []
    for name in fields:
        value = getattr(flow, name, None)
        if value in (None, ""):
            continue
        label = getattr(flow, f"get_{name}_display", None)
        values.append(str(label()) if label else str(value))
    return values


def settings_cell(flow: CreatifyJob, fields: Iterable[str]) -> SafeString:
    values = setting_values(flow, fields)
    if not values:
        return display.empty()
    return format_html_join(
        "", '<span class="creatify-setting">{}</span>', ((value,) for value in values)
    )


def _folded(kind: str, label: str, value: SafeString, *, label_shown: bool) -> SafeString:
    # Shown only when the column it belongs to is hidden (changelist.css), so that each
    # value is on screen once, in the column or in the row. Settings and dates say what
    # they are; a number shows its column's name.
    label_class = "creatify-folded-label" if label_shown else "creatify-visually-hidden"
    return format_html(
        '<span class="creatify-folded creatify-folded--{}"><span class="{}">{}</span> {}</span>',
        kind,
        label_class,
        label,
        value,
    )


def folded_values(flow: CreatifyJob, fields: Iterable[str]) -> SafeString:
    """The values of the columns a narrow screen folds into the job's cell."""
    values = setting_values(flow, fields)
    settings = (
        format_html_join(" \u00b7 ", "{}", ((value,) for value in values))
        if values
        else display.empty()
    )
    duration = display.live_value(flow, "duration", display.duration_text(flow))
    credits = display.live_value(flow, "credits", display.credits_text(flow))
    return format_html(
        "{}{}{}{}",
        _folded("settings", _("Settings"), settings, label_shown=False),
        _folded(
            "created",
            _("Created"),
            display.short_datetime(flow.created_at),
            label_shown=False,
        ),
        _folded("duration", _("Duration"), duration, label_shown=True),
        _folded("credits", _("Credits"), credits, label_shown=True),
    )


def job_cell(flow: CreatifyJob, change_url: str | None, fields: Iterable[str]) -> SafeString:
    """The job's name as the link to its page, its flags, and below them its id (unless
    the id is the link's text already) and the values folded into the row."""
    if flow.name:
        text = format_html('<span class="creatify-name">{}</span>', flow.name)
        job_id = format_html('<span class="creatify-job-id" title="{}">{}</span>', flow.pk, flow.pk)
    else:
        text = format_html('<span class="creatify-name creatify-name--id">{}</span>', flow.pk)
        job_id = SafeString("")
    link = text
    if change_url:
        title = flow.name or str(flow.pk)
        link = format_html(
            '<a class="creatify-job-link" href="{}" title="{}">{}</a>', change_url, title, text
        )
    hidden = (
        format_html(' <span class="creatify-tag">{}</span>', _("hidden"))
        if getattr(flow, "is_hidden", False)
        else ""
    )
    return format_html(
        '<div class="creatify-job"><div class="creatify-job-title">{} {}{}</div>'
        '<div class="creatify-job-meta">{}{}</div></div>',
        link,
        display.missing_flag(flow),
        hidden,
        job_id,
        folded_values(flow, fields),
    )
