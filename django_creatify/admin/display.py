"""The small HTML fragments every job page shares: the empty mark, status badges, progress
bars, the missing flag, and the numbers that are only known once a job has finished.

Everything here reads the row in hand, never the network. Remote text goes through
``format_html`` (escaped). The changelist's cells (:mod:`.cells`), the change page's
players (:mod:`.players`) and the live poll (:mod:`.live`) are built from these, so that a
value looks the same wherever it is shown.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ..choices import FINISHED_STATUSES, JobStatus
from ..models import CreatifyJob

#: The one mark for a value that is absent or not known yet, on every page.
EMPTY_TEXT = "\u2013"  # an en dash
KNOWN_CSS_STATUSES = frozenset(status.value for status in JobStatus)
FAILURE_STATUSES = frozenset({JobStatus.FAILED, JobStatus.REJECTED})
# A tooltip, not a document: the change page shows the whole reason.
REASON_TOOLTIP_CHARS = 500


def empty() -> SafeString:
    """The empty mark, with a tooltip saying what it means."""
    return format_html('<span class="creatify-empty" title="{}">{}</span>', _("none"), EMPTY_TEXT)


def text_or_empty(value: object) -> SafeString:
    """``value`` escaped, or the empty mark when there is none."""
    if value is None or value == "":
        return empty()
    return format_html("{}", value)


def status_css(status: str) -> str:
    """A CSS modifier for a status: the status itself if known, ``other`` for anything new."""
    return status if status in KNOWN_CSS_STATUSES else "other"


def status_label(status: str) -> str:
    """The human label of a status; an unknown status is shown as sent (escaped by callers)."""
    try:
        return str(JobStatus(status).label)
    except ValueError:
        return status or _("unknown")


def is_active(status: str) -> bool:
    return status not in FINISHED_STATUSES


def has_failed(flow: CreatifyJob) -> bool:
    return flow.status in FAILURE_STATUSES


def reason_tooltip(flow: CreatifyJob) -> str:
    """The failure reason, cut to a tooltip's length; empty unless the job failed."""
    if not (has_failed(flow) and flow.failed_reason):
        return ""
    return Truncator(flow.failed_reason).chars(REASON_TOOLTIP_CHARS)


def progress_label(flow: CreatifyJob) -> str:
    return f"{flow.progress_percent:.0f}%"


def _active_flag(flow: CreatifyJob) -> str:
    return "true" if is_active(flow.status) else "false"


def status_badge(flow: CreatifyJob, *, with_reason: bool = True) -> SafeString:
    """A coloured badge with the status's text. ``with_reason``: the failure reason on
    hover, for pages that do not show it otherwise."""
    title = reason_tooltip(flow) if with_reason else ""
    return format_html(
        '<span class="creatify-badge creatify-badge--{}" data-creatify-flow="{}"'
        ' data-creatify-role="badge" data-creatify-active="{}"{}>{}</span>',
        status_css(flow.status),
        flow.pk,
        _active_flag(flow),
        format_html(' title="{}"', title) if title else "",
        status_label(flow.status),
    )


def progress_bar(flow: CreatifyJob) -> SafeString:
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
        _active_flag(flow),
        _("progress"),
        progress_label(flow),
        flow.pk,
        progress_label(flow),
    )


def missing_title(flow: CreatifyJob) -> str:
    if flow.missing_since is None:
        return ""
    # template_localtime (what the admin shows dates with) is missing from django-stubs.
    since = formats.localize(timezone.template_localtime(flow.missing_since))  # type: ignore[attr-defined]
    return _("No longer listed by Creatify since %(since)s") % {"since": since}


def missing_flag(flow: CreatifyJob) -> SafeString:
    """A warning flag for a job Creatify no longer lists. Present (``hidden``) on every
    row, so that the live poll can raise it without a reload."""
    return format_html(
        '<span class="creatify-flag creatify-flag--missing" data-creatify-flow="{}"'
        ' data-creatify-role="missing" title="{}"{}>{}'
        '<span class="creatify-visually-hidden">{}</span></span>',
        flow.pk,
        missing_title(flow),
        "" if flow.missing_since else SafeString(" hidden"),
        _("missing"),
        _(": no longer listed by Creatify"),
    )


def duration_text(flow: CreatifyJob) -> str | None:
    """The video's length, or None while there is none: Creatify sends 0 until the video
    exists, and no length yet is not a length of zero."""
    if flow.duration is None or (flow.duration == 0 and flow.status != JobStatus.DONE):
        return None
    return f"{flow.duration}\u00a0s"


def credits_text(flow: CreatifyJob) -> str | None:
    """Credits spent, or None while the job runs: Creatify sends 0 until it has charged.
    A finished job's 0 is a fact (a failed step costs nothing); so is a preview's charge
    shown while its render runs."""
    used = flow.credits_used
    if used is None or (used == 0 and is_active(flow.status)):
        return None
    return f"{used:g}"


def live_value(flow: CreatifyJob, role: str, text: str | None) -> SafeString:
    """A value the live poll rewrites (``role``), or the empty mark in the same place."""
    if text is None:
        return format_html(
            '<span class="creatify-empty" data-creatify-flow="{}" data-creatify-role="{}"'
            ' title="{}">{}</span>',
            flow.pk,
            role,
            _("none"),
            EMPTY_TEXT,
        )
    return format_html(
        '<span data-creatify-flow="{}" data-creatify-role="{}">{}</span>', flow.pk, role, text
    )


def short_datetime(value) -> SafeString:
    """A date and time in little room: the day on one line, the time below, the whole
    moment in ``datetime`` and on hover."""
    if value is None:
        return empty()
    local = timezone.localtime(value)
    return format_html(
        '<time class="creatify-when" datetime="{}" title="{}">{}'
        ' <span class="creatify-when-time">{}</span></time>',
        local.isoformat(),
        formats.localize(local),
        formats.date_format(local, "j M Y"),
        formats.time_format(local, "H:i"),
    )
