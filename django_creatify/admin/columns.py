"""The job admin's columns and change-page fields: thin wrappers over :mod:`.display`.

Each reads the row in hand: the changelist loads only the columns these read (see
:mod:`.layout`), so a page costs the same queries whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.utils.translation import gettext_lazy as _

from .. import outputs
from ..archive import archiving_enabled
from ..models import CreatifyJob
from . import display


class JobColumns:
    #: The field holding a still of the job (set from the family by the job admin).
    poster_field: str | None = None

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
            return display.archived_note(player(archived), outputs.copies(obj)[field])
        remote = getattr(obj, field)
        if remote and outputs.is_creatify_output(obj, field) and outputs.remote_expired(obj):
            return display.expired_notice(
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

    # -- the list ----------------------------------------------------------------------

    @admin.display(description=_("name"), ordering="name")
    def title_column(self, obj: CreatifyJob):
        return display.title(obj)

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, obj: CreatifyJob):
        return display.status_badge(obj)

    @admin.display(description=_("progress"), ordering="progress")
    def progress_column(self, obj: CreatifyJob):
        return display.progress_bar(obj)

    @admin.display(description=_("duration"), ordering="duration")
    def duration_column(self, obj: CreatifyJob):
        return display.duration(obj)

    @admin.display(description=_("credits"), ordering="credits_used")
    def credits_column(self, obj: CreatifyJob):
        return display.credits(obj)

    @admin.display(description=_("media"))
    def media_column(self, obj: CreatifyJob):
        output_field = obj.family().output_field
        return display.media_cell(
            self.poster(obj),
            self.served(obj, output_field),
            self.served(obj, "preview"),
            expired=self.is_expired(obj),
        )

    # -- the change page ---------------------------------------------------------------

    @admin.display(description=_("status"))
    def status_display(self, obj: CreatifyJob):
        return display.status_badge(obj)

    @admin.display(description=_("progress"))
    def progress_display(self, obj: CreatifyJob):
        return display.progress_bar(obj)

    @admin.display(description=_("failed reason"))
    def failed_reason_display(self, obj: CreatifyJob):
        return display.failed_reason(obj)

    @admin.display(description=_("video"))
    def video_display(self, obj: CreatifyJob):
        poster = self.poster(obj)
        return self.output_player(
            obj,
            obj.family().output_field,
            lambda url: display.video_player(url, poster=poster, kind="video"),
        )

    @admin.display(description=_("preview"))
    def preview_display(self, obj: CreatifyJob):
        poster = self.poster(obj)
        return self.output_player(
            obj, "preview", lambda url: display.preview_player(url, poster=poster)
        )

    @admin.display(description=_("editor"))
    def editor_display(self, obj: CreatifyJob):
        return display.editor_link(obj)

    @admin.display(description=_("webhook URL"))
    def webhook_display(self, obj: CreatifyJob):
        return display.plain_url(obj.webhook_url)

    @admin.display(description=_("raw payload"))
    def raw_display(self, obj: CreatifyJob):
        return display.raw_payload(obj)
