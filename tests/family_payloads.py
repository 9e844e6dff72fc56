"""A documented payload of each job family, as Creatify's list endpoints send them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

# Recent, so that a finished job's outputs are still within Creatify's retention.
_CREATED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
CREATED = _CREATED.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
UPDATED = (_CREATED + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def later_than(stamp: str, minutes: int = 55) -> str:
    """A Creatify time ``minutes`` after ``stamp``."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def payload(family: str, **overrides: Any) -> dict[str, Any]:
    job_id = str(uuid.uuid4())
    common = {
        "id": job_id,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "name": f"{family} job",
        "status": "running",
        "failed_reason": "",
        "credits_used": 5,
        "duration": 30,
        "media_job": str(uuid.uuid4()),
        "webhook_url": None,
        "preview": "https://app.creatify.ai/preview/" + job_id,
        "editor_url": None,
    }
    own = {
        "aurora": {
            "audio": "https://cdn.example/a.mp3",
            "image": "https://cdn.example/i.png",
            "text_prompt": "",
            "prompt_guidance_scale": 1.0,
            "model_version": "aurora_v1",
            "video_output": None,
            "progress": 0.5,
            "is_hidden": False,
        },
        "lipsyncs": {
            "text": "Hello from the avatar.",
            "creator": str(uuid.uuid4()),
            "model_version": "standard",
            "output": None,
            "video_thumbnail": "https://cdn.example/t.jpg",
            "aspect_ratio": "9x16",
            "green_screen": False,
            "transparent_background": False,
            "progress": "0.5",
            "is_hidden": False,
            "audio_url": None,
            "accent": str(uuid.uuid4()),
            "preview_audio": None,
            "no_caption": False,
            "no_music": True,
            "caption_style": "normal-black",
            "caption_position": "center",
            "caption_offset_x": "0",
            "caption_offset_y": "-0.4",
        },
        "lipsyncs_v2": {
            "output": None,
            "video_thumbnail": "https://cdn.example/t.jpg",
            "progress": "0.5",
            "aspect_ratio": "16x9",
            "model_version": "standard",
            "video_inputs": [
                {
                    "character": {"type": "avatar", "avatar_id": "a1"},
                    "voice": {"type": "text", "input_text": "Scene one.", "voice_id": "v1"},
                }
            ],
        },
        "ai_shorts": {
            "video_output": None,
            "is_hidden": False,
            "progress": 0.5,
            "media_job": "mj-123",
            "permission_type": "private",
            "script": "A short script.",
            "aspect_ratio": "9x16",
            "style": "Cinematic",
            "created_from_api": True,
            "caption_setting": {"style": "neo", "offset": {"x": 0, "y": 0.4}},
            "background_music_url": None,
            "background_music_volume": 0.3,
            "voiceover_volume": 1.0,
            "user": 42,
            "workspace": str(uuid.uuid4()),
            "brand": None,
            "accent": None,
        },
    }[family]
    return {**common, **own, **overrides}
