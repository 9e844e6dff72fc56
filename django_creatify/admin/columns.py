"""The job admin's columns and change-page fields: thin wrappers over :mod:`.display`.

Each reads the row in hand: the changelist loads only the columns these read (see
:mod:`.layout`), so a page costs the same queries whatever the table's size.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import CreatifyJob
from . import display


class JobColumns:
    #: The field holding a still of the job (set from the family by the job admin).
    poster_field: str | None = None

    def poster(self, obj: CreatifyJob) -> str | None:
        return getattr(obj, self.poster_field) if self.poster_field else None

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
        return display.media_cell(self.poster(obj), obj.output_url, obj.preview)

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
        return display.video_player(obj.output_url, poster=self.poster(obj), kind="video")

    @admin.display(description=_("preview"))
    def preview_display(self, obj: CreatifyJob):
        return display.preview_player(obj.preview, poster=self.poster(obj))

    @admin.display(description=_("editor"))
    def editor_display(self, obj: CreatifyJob):
        return display.editor_link(obj)

    @admin.display(description=_("webhook URL"))
    def webhook_display(self, obj: CreatifyJob):
        return display.plain_url(obj.webhook_url)

    @admin.display(description=_("raw payload"))
    def raw_display(self, obj: CreatifyJob):
        return display.raw_payload(obj)
