"""Shared test helpers: the sandbox's list as served over HTTP, and row snapshots."""

from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager
from datetime import datetime

import requests
from django.db import connections
from django.forms.models import model_to_dict

from django_creatify.models import AuroraFlow
from django_creatify.payloads import MIRRORED_FIELDS


def served(sandbox, **params) -> list[dict]:
    """The list exactly as the sandbox serves it over HTTP right now."""
    return json.loads(served_body(sandbox, **params))


def served_body(sandbox, **params) -> bytes:
    response = requests.get(
        f"{sandbox.url}/api/aurora/",
        params=params,
        headers={"X-API-ID": sandbox.api_id, "X-API-KEY": sandbox.api_key},
        timeout=10,
    )
    response.raise_for_status()
    return response.content


def served_items(sandbox) -> list[bytes]:
    """Each item of the list, as the exact bytes the sandbox serves.

    Found with the standard library's decoder, not the app's scanner: a test of the
    scanner must not take its input from it.
    """
    return split_array(served_body(sandbox))


def split_array(body: bytes) -> list[bytes]:
    """The exact bytes of each item of a JSON array body."""
    text = body.decode()
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    assert text[position] == "[", "not a JSON array"
    position = _skip_space(text, position + 1)
    items: list[bytes] = []
    if text[position] == "]":
        return items
    while True:
        _value, end = decoder.raw_decode(text, position)
        items.append(text[position:end].encode())
        position = _skip_space(text, end)
        if text[position] == "]":
            return items
        assert text[position] == ",", f"no ',' at character {position}"
        position = _skip_space(text, position + 1)


def _skip_space(text: str, position: int) -> int:
    while text[position] in " \t\n\r":
        position += 1
    return position


def expected_row(payload: dict) -> dict:
    """What the mirror must hold for a served payload, spelled out field by field."""

    def optional(name, convert):
        value = payload.get(name)
        return None if value is None else convert(value)

    return {
        "id": uuid.UUID(payload["id"]),
        "created_at": datetime.fromisoformat(payload["created_at"]),
        "updated_at": datetime.fromisoformat(payload["updated_at"]),
        "name": payload.get("name"),
        "audio": payload.get("audio") or "",
        "image": payload.get("image") or "",
        "text_prompt": payload.get("text_prompt") or "",
        "prompt_guidance_scale": optional("prompt_guidance_scale", float),
        "model_version": payload.get("model_version") or "",
        "video_output": payload.get("video_output"),
        "credits_used": optional("credits_used", float),
        "duration": optional("duration", int),
        "progress": optional("progress", float),
        "failed_reason": payload.get("failed_reason") or "",
        "media_job": optional("media_job", uuid.UUID),
        "status": payload["status"],
        "is_hidden": bool(payload.get("is_hidden")),
        "webhook_url": payload.get("webhook_url"),
        "preview": payload.get("preview"),
        "editor_url": payload.get("editor_url"),
        "raw": payload,
    }


def row_values(row: AuroraFlow) -> dict:
    values = model_to_dict(row, fields=list(expected_row_keys()))
    values["id"] = row.id
    values["created_at"] = row.created_at
    values["updated_at"] = row.updated_at
    return values


def expected_row_keys():
    return [*MIRRORED_FIELDS, "id", "raw"]


def snapshot() -> dict:
    """Every column of every mirrored row, to prove a failure changed nothing."""
    return {row["id"]: row for row in AuroraFlow.objects.order_by("pk").values()}


@contextmanager
def captured_statements(using: str = "default"):
    """Every statement sent to the database: (sql, rows of parameters)."""
    statements: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, list(params or []) if many else [params]))
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(record):
        yield statements


def poll_until(condition, timeout: float, what: str) -> None:
    """Poll ``condition`` until true; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout}s")
        time.sleep(0.01)
