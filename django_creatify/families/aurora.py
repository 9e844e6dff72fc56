"""Aurora (``/api/aurora/``): an image and an audio track become a talking video."""

from ..parsers import boolean, date_time, integer, number, short_text, text, uuid_value
from .base import CREATE, Family

AURORA = Family(
    name="aurora",
    label="Aurora",
    model_name="AuroraFlow",
    fields={
        "created_at": (date_time, None),
        "updated_at": (date_time, None),
        "name": (text, None),
        "audio": (text, ""),
        "image": (text, ""),
        "text_prompt": (text, ""),
        "prompt_guidance_scale": (number, None),
        "model_version": (short_text, ""),
        "video_output": (text, None),
        "credits_used": (number, None),
        "duration": (integer, None),
        "progress": (number, None),
        "failed_reason": (text, ""),
        "media_job": (uuid_value, None),
        "status": (short_text, ""),
        "is_hidden": (boolean, False),
        "webhook_url": (text, None),
        "preview": (text, None),
        "editor_url": (text, None),
    },
    output_field="video_output",
    accepts_ordering=True,
    steps=(CREATE,),
    create_fields=(
        "audio",
        "image",
        "name",
        "text_prompt",
        "prompt_guidance_scale",
        "model_version",
        "resolution",
        "ttl_days",
        "output_upload_url",
        "webhook_url",
    ),
    # The lease's name from before there were several families: a worker of the previous
    # release and one of this release must not run a full sync side by side.
    full_sync_lease="django_creatify.sync_aurora_flows",
)
