"""Admin for the mirror: read-only rows (Creatify is the source of truth), fast on big tables."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AuroraFlow


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else ``None``: remote data must never become a javascript: link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@admin.register(AuroraFlow)
class AuroraFlowAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "status",
        "progress_display",
        "model_version",
        "duration",
        "credits_used",
        "created_at",
    )
    list_filter = ("status", "model_version", "is_hidden")
    search_fields = ("name", "=id")
    date_hierarchy = "created_at"
    list_per_page = 50
    # COUNT(*) over a large table on every changelist view is the usual admin slowdown.
    show_full_result_count = False
    readonly_fields = (
        *(field.name for field in AuroraFlow._meta.fields),
        "video_link",
        "editor_link",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("name"), ordering="name")
    def title(self, obj: AuroraFlow) -> str:
        return obj.name or str(obj.id)

    @admin.display(description=_("progress"), ordering="progress")
    def progress_display(self, obj: AuroraFlow) -> str:
        return f"{obj.progress_percent:.0f}%"

    @admin.display(description=_("video"))
    def video_link(self, obj: AuroraFlow) -> str:
        url = safe_url(obj.video_output)
        return (
            format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, url) if url else "-"
        )

    @admin.display(description=_("editor"))
    def editor_link(self, obj: AuroraFlow) -> str:
        url = safe_url(obj.current_editor_url)
        return (
            format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, _("Open editor"))
            if url
            else "-"
        )
