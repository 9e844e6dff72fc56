"""The changelist's live poll: what every value a row shows that can change is now, for
the rows on screen, read from the database only (Celery's refreshes keep it fresh).

Bounded: at most :data:`POLL_MAX_IDS` ids a request, one query for the rows and one for
their archived copies whatever their number, text cut to a tooltip's length. Links are
http(s) or the site's own; the JSON escapes ``<``, ``>`` and ``&`` as well, so that no
reader can take it for markup. ``changelist.js`` writes the values as text and properties.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse, JsonResponse

from .. import outputs
from ..client import normalize_ids
from ..models import CreatifyJob
from . import display

#: The most ids one poll may ask for: the admin's "Show all" page at its largest.
POLL_MAX_IDS = 200
MARKUP_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def row_state(model_admin, flow: CreatifyJob) -> dict[str, Any]:
    """Every value of ``flow``'s row that the poll can change, as the page draws it."""
    return {
        "id": str(flow.pk),
        "status": flow.status,
        "status_css": display.status_css(flow.status),
        "status_label": display.status_label(flow.status),
        "is_finished": flow.is_finished,
        "progress_percent": flow.progress_percent,
        "progress_label": display.progress_label(flow),
        "failed_reason": display.reason_tooltip(flow),
        "duration": display.duration_text(flow),
        "credits": display.credits_text(flow),
        "missing": flow.missing_since is not None,
        "missing_title": display.missing_title(flow),
        "media": model_admin.media_state(flow).as_json(),
    }


def fields_read(model_admin) -> tuple[str, ...]:
    family = model_admin.family
    fields = {
        "id",
        "status",
        "progress",
        "failed_reason",
        "duration",
        "credits_used",
        "missing_since",
        # Whether Creatify's copy has outlived its retention (outputs.remote_expired).
        "updated_at",
        "created_at",
        family.output_field,
        "preview",
    }
    if model_admin.poster_field:
        fields.add(model_admin.poster_field)
    return tuple(sorted(fields))


def escaped_json(data: Any) -> HttpResponse:
    text = json.dumps(data, ensure_ascii=False).translate(MARKUP_ESCAPES)
    return HttpResponse(text, content_type="application/json")


def poll_response(model_admin, request) -> HttpResponse:
    """GET ``?ids=a,b,c``: :func:`row_state` of each of those rows that exists."""
    parts = [part for part in request.GET.get("ids", "").split(",") if part.strip()]
    if len(parts) > POLL_MAX_IDS:
        return JsonResponse({"error": f"at most {POLL_MAX_IDS} ids"}, status=400)
    try:
        ids = normalize_ids(parts)
    except ValueError:
        return JsonResponse({"error": "ids must be comma-separated UUIDs"}, status=400)
    rows = list(
        model_admin.model._default_manager.filter(pk__in=ids).only(*fields_read(model_admin))
    )
    outputs.attach_copies(rows)
    return escaped_json({"flows": [row_state(model_admin, flow) for flow in rows]})
