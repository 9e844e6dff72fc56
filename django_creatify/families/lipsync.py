"""Lipsync, AI Avatar v1 (``/api/lipsyncs/``): a script or audio spoken by an avatar.

Made directly, or previewed (``preview/``) and then rendered (``<id>/render/``). Its list
takes ``ids`` but no ``ordering``; ``progress`` is a string on the newest pages.
"""

from ..parsers import (
    boolean,
    progress_text,
    short_text,
    text,
    uuid_value,
)
from ..vocabularies import ASPECT_RATIOS, AVATAR_MODEL_VERSIONS, CAPTION_STYLES
from .base import CREATE, PREVIEW, RENDER, Family, job_fields

LIPSYNC = Family(
    name="lipsyncs",
    label="Lipsync",
    model_name="Lipsync",
    fields=job_fields(
        text=(text, None),
        creator=(uuid_value, None),
        model_version=(short_text, ""),
        output=(text, None),
        video_thumbnail=(text, None),
        aspect_ratio=(short_text, ""),
        green_screen=(boolean, False),
        transparent_background=(boolean, False),
        progress=(progress_text, None),
        is_hidden=(boolean, False),
        audio_url=(text, None),
        accent=(uuid_value, None),
        preview_audio=(text, None),
        no_caption=(boolean, False),
        no_music=(boolean, False),
        caption_style=(short_text, ""),
        caption_position=(short_text, ""),
        caption_offset_x=(text, None),
        caption_offset_y=(text, None),
        background_asset_image_url=(text, None),
    ),
    output_field="output",
    vocabularies={
        "aspect_ratio": ASPECT_RATIOS,
        "model_version": AVATAR_MODEL_VERSIONS,
        "caption_style": CAPTION_STYLES,
    },
    accepts_ordering=False,
    steps=(CREATE, PREVIEW, RENDER),
    create_fields=(
        "name",
        "text",
        "audio",
        "creator",
        "aspect_ratio",
        "green_screen",
        "transparent_background",
        "model_version",
        "accent",
        "no_caption",
        "no_music",
        "caption_style",
        "caption_offset_x",
        "caption_offset_y",
        "background_asset_image_url",
        "webhook_url",
    ),
)
