"""Aurora (``/api/aurora/``): an image and an audio track become a talking video."""

from ..parsers import boolean, number, short_text, text
from .base import CREATE, Family, job_fields

AURORA = Family(
    name="aurora",
    label="Aurora",
    model_name="AuroraFlow",
    fields=job_fields(
        audio=(text, ""),
        image=(text, ""),
        text_prompt=(text, ""),
        prompt_guidance_scale=(number, None),
        model_version=(short_text, ""),
        video_output=(text, None),
        is_hidden=(boolean, False),
    ),
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
