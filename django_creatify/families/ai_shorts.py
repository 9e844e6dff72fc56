"""AI Shorts (``/api/ai_shorts/``): a script becomes a stylised short.

Made directly, or (the documented flow) previewed, then rendered once the preview is
there. Its list takes ``ids`` and ``ordering``. ``media_job`` is a plain string here.
"""

from ..parsers import boolean, date_time, integer, json_value, number, short_text, text, uuid_value
from .base import CREATE, PREVIEW, RENDER, Family

AI_SHORTS = Family(
    name="ai_shorts",
    label="AI Shorts",
    model_name="AIShort",
    fields={
        "status": (short_text, ""),
        "failed_reason": (text, ""),
        "video_output": (text, None),
        "preview": (text, None),
        "editor_url": (text, None),
        "is_hidden": (boolean, False),
        "progress": (number, None),
        "credits_used": (number, None),
        "duration": (integer, None),
        "media_job": (text, None),
        "permission_type": (short_text, ""),
        "created_at": (date_time, None),
        "updated_at": (date_time, None),
        "name": (text, None),
        "script": (text, None),
        "aspect_ratio": (short_text, ""),
        "style": (text, ""),
        "created_from_api": (boolean, False),
        "caption_setting": (json_value, None),
        "background_music_url": (text, None),
        "background_music_volume": (number, None),
        "voiceover_volume": (number, None),
        "webhook_url": (text, None),
        "user": (integer, None),
        "workspace": (uuid_value, None),
        "brand": (uuid_value, None),
        "accent": (uuid_value, None),
    },
    output_field="video_output",
    accepts_ordering=True,
    steps=(CREATE, PREVIEW, RENDER),
    create_fields=(
        "aspect_ratio",
        "script",
        "style",
        "accent",
        "caption_setting",
        "background_music_url",
        "background_music_volume",
        "voiceover_volume",
        "webhook_url",
    ),
    json_fields=frozenset({"caption_setting"}),
)
