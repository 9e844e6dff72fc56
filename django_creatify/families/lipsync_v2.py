"""Lipsync v2, AI Avatar v2 (``/api/lipsyncs_v2/``): multi-scene avatar videos.

Made directly, or previewed then rendered. Its list takes ``ids`` but no ``ordering``;
``progress`` is a string; the scenes (``video_inputs``) are stored as JSON.
"""

from ..parsers import (
    json_value,
    progress_text,
    short_text,
    text,
)
from ..vocabularies import ASPECT_RATIOS, AVATAR_MODEL_VERSIONS
from .base import CREATE, PREVIEW, RENDER, Family, job_fields

LIPSYNC_V2 = Family(
    name="lipsyncs_v2",
    label="Lipsync v2",
    model_name="LipsyncV2",
    fields=job_fields(
        output=(text, None),
        video_thumbnail=(text, None),
        progress=(progress_text, None),
        aspect_ratio=(short_text, ""),
        video_inputs=(json_value, None),
        model_version=(short_text, ""),
    ),
    output_field="output",
    vocabularies={"aspect_ratio": ASPECT_RATIOS, "model_version": AVATAR_MODEL_VERSIONS},
    accepts_ordering=False,
    steps=(CREATE, PREVIEW, RENDER),
    create_fields=(
        "video_inputs",
        "aspect_ratio",
        "background_music",
        "cta_end",
        "name",
        "model_version",
        "webhook_url",
    ),
)
