"""Request bodies for the create and preview calls: parsing, and the field checks every
family's rules are built from.

Messages copy Django REST framework's, since Creatify's API is built on it.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Collection
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
BAD_URL = "Enter a valid URL."
BAD_NUMBER = "A valid number is required."
BAD_INTEGER = "A valid integer is required."
BAD_BOOLEAN = "Must be a valid boolean."
BAD_UUID = "Must be a valid UUID."
BAD_JSON = "Value must be valid JSON."

NAME_MAX = 255
WEBHOOK_URL_MAX = 200
# What DRF's BooleanField takes from a form, where no real boolean can be sent.
FORM_TRUE = frozenset({"true", "on", "1", "yes", "y", "t"})
FORM_FALSE = frozenset({"false", "off", "0", "no", "n", "f"})

Validator = Callable[[Any], Any]


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
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = b""  # None: a part that is itself multipart has no payload of its own
        if part.get_filename() is not None:
            # An uploaded file where a URL belongs: DRF would hand the field a file object.
            fields[str(name)] = _Upload()
            continue
        fields[str(name)] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


class _Upload:
    """A file part: never a valid value for any create field."""


class Invalid(ValueError):
    """One field's problem; the message is DRF's."""


_ABSENT: Any = object()


class Form:
    """One body's fields, checked one by one into ``cleaned`` and ``errors`` (field ->
    messages, every bad field at once, as a DRF serializer reports them)."""

    def __init__(
        self, data: dict[str, Any], *, form: bool, blank_is_absent: Collection[str] = ()
    ) -> None:
        if form:
            # HTML forms cannot send null: an empty optional field means "not given".
            data = {
                key: value
                for key, value in data.items()
                if not (value == "" and key in blank_is_absent)
            }
        self.data = data
        self.form = form
        self.cleaned: dict[str, Any] = {}
        self.errors: dict[str, list] = {}

    def field(
        self,
        name: str,
        validate: Validator,
        *,
        required: bool = False,
        default: Any = _ABSENT,
        store_as: str | None = None,
    ) -> None:
        """Check ``name``; an absent field is an error if required, else ``default`` (no
        default: left to the family's own default)."""
        target = store_as or name
        if name not in self.data:
            if required:
                self.errors[name] = [REQUIRED]
            elif default is not _ABSENT:
                self.cleaned[target] = default
            return
        try:
            self.cleaned[target] = validate(self.data[name])
        except Invalid as exc:
            self.errors[name] = [str(exc)]

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def result(self) -> tuple[dict[str, Any], dict[str, list]]:
        return self.cleaned, self.errors


def string(value: Any, *, allow_null: bool = False, allow_blank: bool = True) -> str | None:
    if value is None:
        if allow_null:
            return None
        raise Invalid(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(NOT_STRING)
    text = str(value).strip()  # DRF's CharField trims by default
    if not text and not allow_blank:
        raise Invalid(NOT_BLANK)
    return text


def text(
    max_length: int | None = None, *, allow_null: bool = True, allow_blank: bool = True
) -> Validator:
    def validate(value: Any) -> str | None:
        result = string(value, allow_null=allow_null, allow_blank=allow_blank)
        if result is not None and max_length is not None and len(result) > max_length:
            raise Invalid(f"Ensure this field has no more than {max_length} characters.")
        return result

    return validate


job_name = text(NAME_MAX)


def is_http_url(text: str) -> bool:
    if any(char.isspace() for char in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def http_url(max_length: int | None = None) -> Validator:
    """A nullable http(s) URL; blank counts as null."""

    def validate(value: Any) -> str | None:
        result = string(value, allow_null=True)
        if not result:
            return None
        if max_length is not None and len(result) > max_length:
            raise Invalid(f"Ensure this field has no more than {max_length} characters.")
        if not is_http_url(result):
            raise Invalid(BAD_URL)
        return result

    return validate


webhook_url = http_url(WEBHOOK_URL_MAX)


def media_url(extensions: tuple[str, ...], message: str) -> Validator:
    def validate(value: Any) -> str:
        result = string(value, allow_blank=False)
        assert result is not None
        if not is_http_url(result):
            raise Invalid(BAD_URL)
        if not urlsplit(result).path.lower().endswith(extensions):
            raise Invalid(message)
        return result

    return validate


def choice(values: Collection[str], *, allow_null: bool = False) -> Validator:
    def validate(value: Any) -> str | None:
        if value is None:
            if allow_null:
                return None
            raise Invalid(NOT_NULL)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Invalid(NOT_STRING)
        if str(value) not in values:
            raise Invalid(f'"{value}" is not a valid choice.')
        return str(value)

    return validate


def _float(value: Any, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(message)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise Invalid(message) from None
    if not math.isfinite(number):
        raise Invalid(message)
    return number


def number(low: float, high: float, *, allow_null: bool = False) -> Validator:
    def validate(value: Any) -> float | None:
        if value is None:
            if allow_null:
                return None
            raise Invalid(NOT_NULL)
        result = _float(value, BAD_NUMBER)
        if result < low:
            raise Invalid(f"Ensure this value is greater than or equal to {low}.")
        if result > high:
            raise Invalid(f"Ensure this value is less than or equal to {high}.")
        return result

    return validate


def integer(minimum: int) -> Validator:
    """A nullable whole number from ``minimum`` ("4", 4 and 4.0 alike)."""

    def validate(value: Any) -> int | None:
        if value is None:
            return None
        result = _float(value, BAD_INTEGER)
        if result != int(result):
            raise Invalid(BAD_INTEGER)
        if result < minimum:
            raise Invalid(f"Ensure this value is greater than or equal to {minimum}.")
        return int(result)

    return validate


def boolean(*, form: bool) -> Validator:
    """A JSON boolean; from a form, DRF's spellings of one."""

    def validate(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value is None:
            raise Invalid(NOT_NULL)
        if form and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in FORM_TRUE:
                return True
            if lowered in FORM_FALSE:
                return False
        raise Invalid(BAD_BOOLEAN)

    return validate


def uuid_value(value: Any) -> str | None:
    """A nullable UUID, in its canonical form; blank counts as null."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(BAD_UUID)
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise Invalid(BAD_UUID) from None


def json_value(*, form: bool) -> Validator:
    """Any JSON; a form sends it as JSON text (as DRF's JSONField reads form input)."""

    def validate(value: Any) -> Any:
        if form and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise Invalid(BAD_JSON) from None
        return value

    return validate
