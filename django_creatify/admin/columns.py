"""The job admin's columns and change-page fields: thin wrappers over :mod:`.cells`,
:mod:`.display` and :mod:`.players`.

Each reads the row in hand: the changelist loads only the columns these read (see
:mod:`.layout`), so a page costs the same queries whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import outputs
from ..archive import archiving_enabled
from ..models import CreatifyJob
from ..webhook_urls import redact_secrets
from . import cells, display, players

#: Where the changelist leaves each row's link to its page (filters kept), for the job cell.
CHANGE_URL_ATTRIBUTE = "_creatify_change_url"

if TYPE_CHECKING:
    _JobAdmin = admin.ModelAdmin[CreatifyJob]  # what the mixin is mixed into
else:
    _JobAdmin = object


class JobColumns(_JobAdmin):
    #: The field holding a still of the job (set from the family by the job admin).
    poster_field: str | None = None
    #: The family's settings shown in the list (model version, aspect ratio, style).
    setting_fields: tuple[str, ...] = ()

    if TYPE_CHECKING:

        def _url(self, name: str, *args: Any) -> str: ...  # AdminToolViews's

    def poster(self, obj: CreatifyJob) -> str | None:
        return self.served(obj, self.poster_field) if self.poster_field else None

    def served(self, obj: CreatifyJob, field: str) -> str | None:
        """The archived copy's URL (through this admin's view unless the storage's own
        URL is wanted), else Creatify's."""
        return outputs.served_url(obj, field, view_url=self.archive_view_url)

    def archive_view_url(self, obj: CreatifyJob, field: str) -> str:
        return self._url("archive", quote(obj.pk), field)

    def output_player(self, obj: CreatifyJob, field: str, player: Callable[[str | None], Any]):
        """``player`` of the archived copy, else of Creatify's link while it should still
        work; past Creatify's retention without a copy, a notice instead of a dead player."""
        archived = outputs.archived_url(obj, field, view_url=self.archive_view_url)
        if archived:
            return players.archived_note(player(archived), outputs.copies(obj)[field])
        remote = getattr(obj, field)
        if remote and outputs.is_creatify_output(obj, field) and outputs.remote_expired(obj):
            return players.expired_notice(
                remote, outputs.remote_expires_at(obj), archiving=archiving_enabled()
            )
        return player(remote)

    def is_expired(self, obj: CreatifyJob) -> bool:
        field = obj.family().output_field
        return (
            bool(getattr(obj, field))
            and field not in outputs.copies(obj)
            and outputs.remote_expired(obj)
        )

    def media_state(self, obj: CreatifyJob) -> cells.MediaState:
        return cells.media_state(
            self.poster(obj),
            self.served(obj, obj.family().output_field),
            self.served(obj, "preview"),
            expired=self.is_expired(obj),
        )

    # -- the list ----------------------------------------------------------------------

    @admin.display(description=_("job"), ordering="name")
    def title_column(self, obj: CreatifyJob):
        return cells.job_cell(obj, getattr(obj, CHANGE_URL_ATTRIBUTE, None), self.setting_fields)

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, obj: CreatifyJob):
        return cells.status_cell(obj)

    @admin.display(description=_("duration"), ordering="duration")
    def duration_column(self, obj: CreatifyJob):
        return display.live_value(obj, "duration", display.duration_text(obj))

    @admin.display(description=_("credits"), ordering="credits_used")
    def credits_column(self, obj: CreatifyJob):
        return display.live_value(obj, "credits", display.credits_text(obj))

    @admin.display(description=_("created"), ordering="created_at")
    def created_column(self, obj: CreatifyJob):
        return display.short_datetime(obj.created_at)

    @admin.display(description=_("media"))
    def media_column(self, obj: CreatifyJob):
        return cells.media_cell(obj, self.media_state(obj))

    # -- the change page ---------------------------------------------------------------

    @admin.display(description=_("status"))
    def status_display(self, obj: CreatifyJob):
        # The failure reason has its own notice at the top of the page.
        return format_html(
            '<span class="creatify-status creatify-status--page">{}{} {}</span>',
            display.status_badge(obj, with_reason=False),
            display.progress_bar(obj),
            display.missing_flag(obj),
        )

    @admin.display(description=_("duration"))
    def duration_display(self, obj: CreatifyJob):
        return display.text_or_empty(display.duration_text(obj))

    @admin.display(description=_("credits used"))
    def credits_display(self, obj: CreatifyJob):
        return display.text_or_empty(display.credits_text(obj))

    @admin.display(description=_("video"))
    def video_display(self, obj: CreatifyJob):
        poster = self.poster(obj)
        return self.output_player(
            obj,
            obj.family().output_field,
            lambda url: players.video_player(url, poster=poster, kind="video"),
        )

    @admin.display(description=_("preview"))
    def preview_display(self, obj: CreatifyJob):
        poster = self.poster(obj)
        return self.output_player(
            obj, "preview", lambda url: players.preview_player(url, poster=poster)
        )

    @admin.display(description=_("editor"))
    def editor_display(self, obj: CreatifyJob):
        return players.editor_link(obj)

    @admin.display(description=_("webhook URL"))
    def webhook_display(self, obj: CreatifyJob):
        # The site's own webhook URL holds its secret: a page never shows it.
        return players.plain_url(redact_secrets(obj.webhook_url))

    @admin.display(description=_("raw payload"))
    def raw_display(self, obj: CreatifyJob):
        return players.raw_payload(obj)
