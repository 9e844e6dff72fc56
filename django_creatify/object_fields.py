"""The order of the fields in a Creatify job object as the docs give it, for the objects
whose order is relied on: Aurora's, which the sandbox serves and the API shows byte for
byte as it always has. Plain tuples, so the sandbox imports them without Django."""

AURORA_OBJECT_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "audio",
    "image",
    "text_prompt",
    "prompt_guidance_scale",
    "model_version",
    "video_output",
    "credits_used",
    "duration",
    "progress",
    "failed_reason",
    "media_job",
    "status",
    "is_hidden",
    "webhook_url",
    "preview",
    "editor_url",
)
