"""AI Shorts (``/api/ai_shorts/``): a script becomes a stylised short.

Made directly, or (the documented flow) previewed, then rendered once the preview is
there. Its list takes ``ids`` and ``ordering``. ``media_job`` is a plain string here.
"""

from ..parsers import boolean, integer, json_value, number, short_text, text, uuid_value
from ..vocabularies import ASPECT_RATIOS, PERMISSION_TYPES, SHORTS_STYLES
from .base import CREATE, PREVIEW, RENDER, Family, job_fields

AI_SHORTS = Family(
    name="ai_shorts",
    label="AI Shorts",
    model_name="AIShort",
    fields=job_fields(
        video_output=(text, None),
        is_hidden=(boolean, False),
        media_job=(text, None),
        permission_type=(short_text, ""),
        script=(text, None),
        aspect_ratio=(short_text, ""),
        style=(text, ""),
        created_from_api=(boolean, False),
        caption_setting=(json_value, None),
        background_music_url=(text, None),
        background_music_volume=(number, None),
        voiceover_volume=(number, None),
        user=(integer, None),
        workspace=(uuid_value, None),
        brand=(uuid_value, None),
        accent=(uuid_value, None),
    ),
    output_field="video_output",
    vocabularies={
        "aspect_ratio": ASPECT_RATIOS,
        "style": SHORTS_STYLES,
        "permission_type": PERMISSION_TYPES,
    },
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
)
