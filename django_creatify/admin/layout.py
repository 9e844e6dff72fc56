"""What a job admin shows, read off its family's description and model: columns, filters,
fieldsets, the columns the list never reads, and a display for each media and JSON field.

Nothing here is written per family. A field is media by Creatify's naming: a text field
whose name says image or thumbnail is an image, audio or music a sound track.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import admin
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..families import RENDER, Family
from ..parsers import text
from . import cells, players
from .filters import job_filters

IMAGE, AUDIO = "image", "audio"
#: The model's own fields shown in the list's settings column, when the family has them.
LIST_FIELDS = ("model_version", "aspect_ratio", "style")
#: Their short names, for the header of a column kept narrow.
SETTING_LABELS = {"model_version": _("model"), "aspect_ratio": _("ratio"), "style": _("style")}
#: The fields each computed column reads (besides ``id``), so that no other is loaded.
COLUMN_READS = {
    # The job's cell also shows the folded columns' values on narrow screens.
    "title_column": (
        "name",
        "is_hidden",
        "missing_since",
        "status",
        "duration",
        "credits_used",
        "created_at",
    ),
    "status_column": ("status", "progress", "failed_reason"),
    "duration_column": ("duration", "status"),
    "credits_column": ("credits_used", "status"),
    "created_column": ("created_at",),
    # Whether Creatify's copy has outlived its retention (outputs.remote_expired).
    "media_column": ("status", "updated_at", "created_at"),
}
# When a job went missing is told once, at the top of its page.
MIRROR_FIELDS = ("created_by", "synced_at", "editor_url_fetched_at")
RENDERERS: dict[str, Callable[[Any], Any]] = {
    IMAGE: players.image,
    AUDIO: players.audio_player,
}


def media_kind(name: str) -> str | None:
    if "image" in name or "thumbnail" in name:
        return IMAGE
    if "audio" in name or "music" in name:
        return AUDIO
    return None


def _without_url(label) -> str:
    text = str(label)
    return text[: -len(" URL")] if text.endswith(" URL") else text


#: A player's label: the field's name without "URL" (it shows the file, not the address).
player_label = lazy(_without_url, str)


def field_display(name: str, render: Callable[[Any], Any], description) -> Callable:
    """An admin display method showing field ``name`` of the row through ``render``."""

    @admin.display(description=description)
    def show(self, obj):
        return render(getattr(obj, name))

    show.__name__ = show.__qualname__ = f"{name}_display"
    return show


def media_display(name: str, player: Callable[[Any], Any], description) -> Callable:
    """An admin display method playing media field ``name``: the archived copy first
    (see ``JobColumns.output_player``)."""

    @admin.display(description=description)
    def show(self, obj):
        return self.output_player(obj, name, player)

    show.__name__ = show.__qualname__ = f"{name}_display"
    return show


def settings_column(fields: tuple[str, ...], description) -> Callable:
    """The list's settings column: the family's model version, aspect ratio or style in
    one cell, one per line, sorted by the first."""

    @admin.display(description=description, ordering=fields[0])
    def show(self, obj):
        return cells.settings_cell(obj, fields)

    show.__name__ = show.__qualname__ = "settings_column"
    return show


@dataclass(frozen=True)
class JobLayout:
    family: Family

    @cached_property
    def model(self):
        return self.family.model

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.model._meta.concrete_fields)

    def has(self, name: str) -> bool:
        return name in self.field_names

    @cached_property
    def media_fields(self) -> tuple[tuple[str, str], ...]:
        """(name, kind) of the family's image and audio URL fields, in Creatify's order."""
        special = {self.family.output_field, "preview", "editor_url", "webhook_url"}
        found = []
        for name, (parser, _default) in self.family.fields.items():
            kind = media_kind(name)
            if kind and parser is text and name not in special and self.has(name):
                found.append((name, kind))
        return tuple(found)

    @cached_property
    def poster_field(self) -> str | None:
        """The still shown before the video plays: the family's first image field."""
        return next((name for name, kind in self.media_fields if kind == IMAGE), None)

    @cached_property
    def json_fields(self) -> tuple[str, ...]:
        return tuple(name for name in self.family.fields if name in self.family.json_fields)

    @cached_property
    def list_fields(self) -> tuple[str, ...]:
        return tuple(name for name in LIST_FIELDS if self.has(name))

    @cached_property
    def list_display(self) -> tuple[str, ...]:
        return (
            "title_column",
            "status_column",
            *(("settings_column",) if self.list_fields else ()),
            "duration_column",
            "credits_column",
            "created_column",
            "media_column",
        )

    @cached_property
    def changelist_deferred(self) -> tuple[str, ...]:
        read = {"id", *self.list_fields, self.family.output_field, "preview"}
        for column in self.list_display:
            read.update(COLUMN_READS.get(column, ()))
        if self.poster_field:
            read.add(self.poster_field)
        return tuple(name for name in self.field_names if name not in read)

    @cached_property
    def fieldsets(self) -> tuple:
        # A failure's reason is not a row: the page opens with it (change_form.html).
        summary = (
            "name",
            "id",
            "status_display",
            *self.list_fields,
            "duration_display",
            "credits_display",
            "created_at",
            "updated_at",
        )
        media = (
            "video_display",
            "preview_display",
            # Stills first, then sound tracks.
            *(f"{name}_display" for name, kind in self.media_fields if kind == IMAGE),
            *(f"{name}_display" for name, kind in self.media_fields if kind == AUDIO),
            "editor_display",
        )
        shown = {
            *summary,
            "status",
            "progress",
            "failed_reason",
            "duration",
            "credits_used",
            self.family.output_field,
            "preview",
            "editor_url",
            *(name for name, _kind in self.media_fields),
        }
        request = []
        for name in self.family.fields:
            if name in shown or not self.has(name):
                continue
            if name == "webhook_url":
                request.append("webhook_display")
            elif name in self.family.json_fields:
                request.append(f"{name}_display")
            else:
                request.append(name)
        return (
            (None, {"fields": summary}),
            (_("Media"), {"fields": media}),
            (_("Request"), {"fields": tuple(request)}),
            (_("Mirror"), {"fields": MIRROR_FIELDS}),
            (_("Last payload"), {"fields": ("raw_display",)}),
        )

    @cached_property
    def readonly_fields(self) -> tuple[str, ...]:
        displays = [
            name
            for _title, options in self.fieldsets
            for name in options["fields"]
            if name.endswith("_display")
        ]
        return (*self.field_names, *displays)

    @cached_property
    def actions(self) -> tuple[str, ...]:
        if RENDER in self.family.steps:
            return ("refresh_selected", "render_selected")
        return ("refresh_selected",)

    def display_methods(self) -> dict[str, Callable]:
        """A display method per media field (a player) and per JSON field (indented), and
        the list's settings column."""
        methods = {}
        if self.list_fields:
            labels = [SETTING_LABELS[name] for name in self.list_fields]
            description = format_lazy("{}" + " \u00b7 {}" * (len(labels) - 1), *labels)
            methods["settings_column"] = settings_column(self.list_fields, description)
        for name, kind in self.media_fields:
            label = player_label(self.model._meta.get_field(name).verbose_name)
            methods[f"{name}_display"] = media_display(name, RENDERERS[kind], label)
        for name in self.json_fields:
            label = self.model._meta.get_field(name).verbose_name
            methods[f"{name}_display"] = field_display(name, players.json_document, label)
        return methods

    def admin_attributes(self) -> dict[str, Any]:
        return {
            "list_display": self.list_display,
            "list_filter": job_filters(self.family),
            "fieldsets": self.fieldsets,
            "readonly_fields": self.readonly_fields,
            "actions": list(self.actions),
            "changelist_deferred": self.changelist_deferred,
            "poster_field": self.poster_field,
            "setting_fields": self.list_fields,
        }
