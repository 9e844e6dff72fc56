"""Job payloads of every family, shaped as Creatify's docs give each object, for tests that
put rows into the mirror through ``sync.apply_payloads`` (no Creatify involved)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django_creatify.families import FAMILIES

CDN = "https://cdn.example.com"
HOSTILE_TEXT = '<script>alert("x")</script><img src=x onerror=alert(2)>'
HOSTILE_URL = "javascript:alert(3)"
# Every URL field of each family's object, to make hostile at once.
URL_FIELDS = {
    "aurora": ("video_output", "preview", "editor_url", "webhook_url", "image", "audio"),
    "lipsyncs": (
        "output",
        "video_thumbnail",
        "preview",
        "editor_url",
        "webhook_url",
        "audio_url",
        "preview_audio",
        "background_asset_image_url",
    ),
    "lipsyncs_v2": ("output", "video_thumbnail", "preview", "editor_url", "webhook_url"),
    "ai_shorts": ("video_output", "preview", "editor_url", "webhook_url", "background_music_url"),
}
RECENT = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
SCENE = {
    "character": {"type": "avatar", "avatar_id": "a1b2c3", "avatar_style": "normal"},
    "voice": {"type": "text", "input_text": "Hello there.", "voice_id": str(uuid.UUID(int=7))},
}


def _common(job_id: str, index: int, status: str, name: str | None) -> dict[str, Any]:
    done = status == "done"
    # Recent, so that finished jobs' outputs are within Creatify's retention.
    created = RECENT - timedelta(hours=index)
    return {
        "id": job_id,
        "created_at": created.isoformat(),
        "updated_at": created.isoformat(),
        "name": name,
        "status": status,
        "failed_reason": "No face was detected." if status == "failed" else "",
        "credits_used": 10 if done else 0,
        "duration": 12 if done else 0,
        "media_job": None,
        "webhook_url": None,
        "preview": f"{CDN}/{job_id}/preview.mp4" if done else None,
        "editor_url": f"https://app.creatify.ai/editor/{job_id}" if done else None,
    }


def _family_fields(family: str, job_id: str, index: int, status: str) -> dict[str, Any]:
    done = status == "done"
    video = f"{CDN}/{job_id}/video.mp4" if done else None
    thumb = f"{CDN}/{job_id}/thumb.jpg"
    running = status == "running"
    if family == "aurora":
        return {
            "audio": f"{CDN}/{job_id}/voice.mp3",
            "image": f"{CDN}/{job_id}/face.png",
            "text_prompt": "Warm light",
            "prompt_guidance_scale": 1.0,
            "model_version": ("aurora_v1", "aurora_v1_fast")[index % 2],
            "video_output": video,
            "progress": 0.45 if running else (1.0 if done else 0.0),
            "is_hidden": index % 7 == 3,
        }
    if family == "lipsyncs":
        return {
            "text": "Welcome to our shop.",
            "creator": str(uuid.UUID(int=index + 1)),
            "model_version": ("standard", "aurora_v1")[index % 2],
            "output": video,
            "video_thumbnail": thumb,
            "aspect_ratio": ("16x9", "9x16", "1x1")[index % 3],
            "green_screen": False,
            "transparent_background": False,
            "progress": "0.45" if running else ("1" if done else "0"),
            "is_hidden": index % 7 == 3,
            "audio_url": f"{CDN}/{job_id}/voice.wav",
            "accent": None,
            "preview_audio": None,
            "no_caption": False,
            "no_music": False,
            "caption_style": "normal-black",
            "caption_position": "center",
            "caption_offset_x": "0",
            "caption_offset_y": "-0.4",
        }
    if family == "lipsyncs_v2":
        return {
            "output": video,
            "video_thumbnail": thumb,
            "progress": "45" if running else ("100" if done else "0"),
            "aspect_ratio": ("9x16", "16x9", "1x1")[index % 3],
            "video_inputs": [SCENE],
            "model_version": ("standard", "aurora_v1_fast")[index % 2],
        }
    assert family == "ai_shorts", family
    return {
        "video_output": video,
        "is_hidden": index % 7 == 3,
        "progress": 0.45 if running else (1.0 if done else 0.0),
        "permission_type": "private",
        "script": "Three tips for better sleep.",
        "aspect_ratio": ("9x16", "16x9", "1x1")[index % 3],
        "style": ("Cinematic", "3D", "Kawaii")[index % 3],
        "created_from_api": True,
        "caption_setting": {"style": "normal-white", "offset": {"x": 0, "y": -0.4}},
        "background_music_url": f"{CDN}/{job_id}/music.mp3",
        "background_music_volume": 0.4,
        "voiceover_volume": 0.9,
        "user": 42,
        "workspace": str(uuid.UUID(int=99)),
        "brand": None,
        "accent": None,
        "media_job": f"media-{index}",
    }


def payload(family: str, index: int = 0, status: str = "done", **overrides: Any) -> dict:
    """One job of ``family`` as its list serves it; ``overrides`` replace fields."""
    assert family in FAMILIES, family
    job_id = overrides.pop("id", None) or str(uuid.uuid4())
    name = overrides.pop("name", f"{FAMILIES[family].label} job {index}")
    return {
        **_common(job_id, index, status, name),
        **_family_fields(family, job_id, index, status),
        **overrides,
    }


STATUSES = ("pending", "in_queue", "running", "done", "failed", "rejected")


def payloads(family: str, count: int, *, start: int = 0) -> list[dict]:
    """``count`` jobs of every status in turn."""
    return [
        payload(family, index, STATUSES[index % len(STATUSES)])
        for index in range(start, start + count)
    ]


def hostile(family: str, index: int = 0, status: str = "failed") -> dict:
    """A job whose every text is markup and every URL ``javascript:``."""
    extra: dict[str, Any] = dict.fromkeys(URL_FIELDS[family], HOSTILE_URL)
    extra["failed_reason"] = HOSTILE_TEXT
    for name in ("text_prompt", "text", "script", "style"):
        if name in _family_fields(family, "x", 0, status):
            extra[name] = HOSTILE_TEXT
    if family == "lipsyncs_v2":
        extra["video_inputs"] = [{"voice": {"input_text": "</pre>" + HOSTILE_TEXT}}]
    if family == "ai_shorts":
        extra["caption_setting"] = {"style": "</pre>" + HOSTILE_TEXT}
    return payload(family, index, status, name=HOSTILE_TEXT, **extra)
