"""Request bodies for ``POST /api/aurora/``: parsing and Creatify's create rules.

Messages copy Django REST framework's, since Creatify's API is built on it.
"""

from __future__ import annotations

import json
import math
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..pricing import AURORA_V1, MODEL_VERSIONS, RESOLUTIONS

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
BAD_URL = "Enter a valid URL."
BAD_NUMBER = "A valid number is required."

AUDIO_EXTENSIONS = (".mp3", ".wav")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
NAME_MAX = 255
WEBHOOK_URL_MAX = 200
TTL_DAYS_MIN = 1
GUIDANCE_MIN, GUIDANCE_MAX = 0.0, 10.0


class BodyError(Exception):
    """The body could not be read at all (DRF answers these before validation)."""

    def __init__(self, status: int, message: str, *, key: str = "detail") -> None:
        super().__init__(message)
        self.status = status
        # DRF puts parse errors under "detail" and a non-object body under non_field_errors.
        self.payload: dict[str, Any] = {key: message if key == "detail" else [message]}


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], bool]:
    """The submitted fields and whether they came from a form (where "" means absent)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        # DRF reads no body as no data, whatever the Content-Type says.
        return {}, False
    if media_type == "application/json":
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BodyError(400, f"JSON parse error - {exc}") from None
        if not isinstance(data, dict):
            kind = {list: "list", str: "str", int: "int", float: "float", bool: "bool"}
            raise BodyError(
                400,
                f"Invalid data. Expected a dictionary, but got {kind.get(type(data), 'null')}.",
                key="non_field_errors",
            )
        return data, False
    if media_type == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        return dict(parse_qsl(text, keep_blank_values=True)), True
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body), True
    raise BodyError(415, f'Unsupported media type "{content_type}" in request.')


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    # The email package reads MIME multipart; the cgi module left the stdlib in 3.13.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise BodyError(400, "Multipart form parse error - Invalid boundary in multipart: None")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            # An uploaded file where a URL belongs: DRF would hand the field a file object.
            fields[str(name)] = _Upload()
            continue
        fields[str(name)] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


class _Upload:
    """A file part: never a valid value for any create field."""


def validate_create(data: dict[str, Any], *, form: bool) -> tuple[dict[str, Any], dict[str, list]]:
    """(cleaned fields, errors); errors maps each bad field to its messages."""
    if form:
        # HTML forms cannot send null: an empty optional field means "not given".
        data = {
            key: value
            for key, value in data.items()
            if not (
                value == ""
                and key
                in (
                    "prompt_guidance_scale",
                    "model_version",
                    "webhook_url",
                    "resolution",
                    "ttl_days",
                    "output_upload_url",
                )
            )
        }
    cleaned: dict[str, Any] = {}
    errors: dict[str, list] = {}

    def check(name: str, validate: Any, *, required: bool = False, default: Any = None) -> None:
        if name not in data:
            if required:
                errors[name] = [REQUIRED]
            else:
                cleaned[name] = default
            return
        try:
            cleaned[name] = validate(data[name])
        except _Invalid as exc:
            errors[name] = [str(exc)]

    check(
        "audio",
        _media_url(AUDIO_EXTENSIONS, "Only mp3 and wav audio files are supported."),
        required=True,
    )
    check(
        "image",
        _media_url(IMAGE_EXTENSIONS, "Only png, jpg, jpeg and webp image files are supported."),
        required=True,
    )
    check("name", _name)
    check("text_prompt", _text_prompt, default="")
    check("prompt_guidance_scale", _guidance, default=1.0)
    check("model_version", _model_version, default=AURORA_V1)
    check("webhook_url", _webhook_url)
    check("resolution", _resolution)
    check("ttl_days", _ttl_days)
    check("output_upload_url", _upload_url)
    return cleaned, errors


class _Invalid(ValueError):
    pass


def _string(value: Any, *, allow_null: bool = False, allow_blank: bool = True) -> str | None:
    if value is None:
        if allow_null:
            return None
        raise _Invalid(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(NOT_STRING)
    text = str(value).strip()  # DRF's CharField trims by default
    if not text and not allow_blank:
        raise _Invalid(NOT_BLANK)
    return text


def _is_http_url(text: str) -> bool:
    if any(char.isspace() for char in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _media_url(extensions: tuple[str, ...], message: str) -> Any:
    def validate(value: Any) -> str:
        text = _string(value, allow_blank=False)
        assert text is not None
        if not _is_http_url(text):
            raise _Invalid(BAD_URL)
        if not urlsplit(text).path.lower().endswith(extensions):
            raise _Invalid(message)
        return text

    return validate


def _name(value: Any) -> str | None:
    text = _string(value, allow_null=True)
    if text is not None and len(text) > NAME_MAX:
        raise _Invalid(f"Ensure this field has no more than {NAME_MAX} characters.")
    return text


def _text_prompt(value: Any) -> str:
    text = _string(value)
    assert text is not None
    return text


def _guidance(value: Any) -> float:
    if value is None:
        raise _Invalid(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(BAD_NUMBER)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise _Invalid(BAD_NUMBER) from None
    if not math.isfinite(number):
        raise _Invalid(BAD_NUMBER)
    if number < GUIDANCE_MIN:
        raise _Invalid(f"Ensure this value is greater than or equal to {GUIDANCE_MIN}.")
    if number > GUIDANCE_MAX:
        raise _Invalid(f"Ensure this value is less than or equal to {GUIDANCE_MAX}.")
    return number


def _model_version(value: Any) -> str:
    if value is None:
        raise _Invalid(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(NOT_STRING)
    if str(value) not in MODEL_VERSIONS:
        raise _Invalid(f'"{value}" is not a valid choice.')
    return str(value)


def _webhook_url(value: Any) -> str | None:
    text = _string(value, allow_null=True)
    if not text:
        return None
    if len(text) > WEBHOOK_URL_MAX:
        raise _Invalid(f"Ensure this field has no more than {WEBHOOK_URL_MAX} characters.")
    if not _is_http_url(text):
        raise _Invalid(BAD_URL)
    return text


def _resolution(value: Any) -> str | None:
    if value is None:
        return None
    if str(value) not in RESOLUTIONS:
        raise _Invalid(f'"{value}" is not a valid choice.')
    return str(value)


def _ttl_days(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid("A valid integer is required.")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise _Invalid("A valid integer is required.") from None
    if not math.isfinite(number) or number != int(number):
        raise _Invalid("A valid integer is required.")
    if number < TTL_DAYS_MIN:
        raise _Invalid(f"Ensure this value is greater than or equal to {TTL_DAYS_MIN}.")
    return int(number)


def _upload_url(value: Any) -> str | None:
    text = _string(value, allow_null=True)
    if not text:
        return None
    if not _is_http_url(text):
        raise _Invalid(BAD_URL)
    return text
