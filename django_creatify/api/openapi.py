"""The API as drf-spectacular describes it: every parameter, every status, every body.

Written once for every family: :func:`document` decorates a family's viewset with an
``extend_schema`` per operation, reading the family's serializers; the error bodies are
components every operation shares (``Error``, ``ValidationErrors``, ``BadRequest``).
The statuses are the ones the code answers with: DRF's own (validation, authentication,
permission, throttling, negotiation), the viewset's (a family left out of
``CREATIFY['FAMILIES']`` is a 404) and ``errors.creatify_error_response``'s for Creatify's
failures. Imported only when drf-spectacular (the ``openapi`` extra) is installed.
"""

from __future__ import annotations

from inspect import getdoc
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import append_meta
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from ..families import RENDER
from .registry import registration
from .serializers import ArchivedOutputsField, JobSerializer, ServedOutputURLField, serializer_for

if TYPE_CHECKING:
    from .views import JobViewSet

Schema = dict[str, Any]


# -- Error bodies ---------------------------------------------------------------------


@extend_schema_serializer(many=False, component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """DRF's shape for every error that is not about a field of the request."""

    detail = serializers.CharField(help_text=_("What went wrong, for a person to read."))


class WrittenSchema(serializers.Serializer):
    """A component whose schema is written out by :meth:`openapi_schema`: DRF's fields
    cannot say "an object of any keys" or "one of these shapes"."""

    @classmethod
    def openapi_schema(cls, auto_schema: Any, direction: str) -> Schema:
        raise NotImplementedError


def _ref(auto_schema: Any, serializer: type[serializers.Serializer], direction: str) -> Schema:
    return auto_schema.resolve_serializer(serializer, direction).ref


def _messages(fields: Schema) -> Schema:
    """A list of messages, each a text or the errors of a nested object (``fields``)."""
    return {"type": "array", "items": {"anyOf": [{"type": "string"}, fields]}}


@extend_schema_serializer(many=False, component_name="ValidationErrors")
class ValidationErrorsSerializer(WrittenSchema):
    """`{field: [message, ...]}` for every field in error (`non_field_errors` for a rule
    across fields); a nested object's errors nest the same way, and a list of objects'
    errors are a list with one entry per object."""

    @classmethod
    def openapi_schema(cls, auto_schema: Any, direction: str) -> Schema:
        nested = _ref(auto_schema, cls, direction)
        return {
            "type": "object",
            "description": getdoc(cls),
            "additionalProperties": {"anyOf": [_messages(nested), nested]},
        }


@extend_schema_serializer(many=False, component_name="BadRequest")
class BadRequestSerializer(WrittenSchema):
    """The body of a 400: the fields in error, `{"detail": ...}` for a body that cannot
    be read, or a list of messages (when Creatify refuses the data with one)."""

    @classmethod
    def openapi_schema(cls, auto_schema: Any, direction: str) -> Schema:
        fields = _ref(auto_schema, ValidationErrorsSerializer, direction)
        detail = _ref(auto_schema, ErrorSerializer, direction)
        return {"description": getdoc(cls), "anyOf": [fields, detail, _messages(fields)]}


class WrittenSchemaExtension(OpenApiSerializerExtension):
    target_class = WrittenSchema
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> Schema:
        return self.target.openapi_schema(auto_schema, direction)


# -- Jobs -----------------------------------------------------------------------------


class ArchivedCopySerializer(serializers.Serializer):
    """One output the site keeps a copy of."""

    url = serializers.CharField(
        allow_null=True, help_text=_("The storage's URL of the copy, or the API's archive view.")
    )
    size = serializers.IntegerField(min_value=0, help_text=_("Bytes."))
    sha256 = serializers.CharField()
    content_type = serializers.CharField(allow_null=True)
    archived_at = serializers.DateTimeField()


class ArchivedOutputsFieldExtension(OpenApiSerializerFieldExtension):
    target_class = ArchivedOutputsField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Schema:
        return {
            "type": "object",
            "description": str(_("Each archived output by field name; {} when none is kept.")),
            "additionalProperties": _ref(auto_schema, ArchivedCopySerializer, direction),
        }


class ServedOutputURLFieldExtension(OpenApiSerializerFieldExtension):
    target_class = ServedOutputURLField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Schema:
        return {
            "type": "string",
            "nullable": True,
            "description": str(
                _(
                    "The finished video: the site's archived copy once there is one, else "
                    "Creatify's."
                )
            ),
        }


class JobSerializerExtension(OpenApiSerializerExtension):
    """A job as every family's serializer shows it, plus what the generator cannot see:
    ``raw`` (present only when asked for) and mirrored values kept as Creatify sent them."""

    target_class = JobSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> Schema:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        properties = schema["properties"]
        for name, field in self.target.fields.items():
            if isinstance(field, serializers.ChoiceField) and name in properties:
                properties[name] = _as_sent(properties[name], field)
        # Not in "required": only staff asking with ?expand=raw get it.
        properties["raw"] = {
            "type": "object",
            "additionalProperties": {},
            "readOnly": True,
            "description": str(_("The job's last payload from Creatify: staff, ?expand=raw.")),
        }
        return schema


def _as_sent(documented: Schema, field: serializers.ChoiceField) -> Schema:
    """A mirrored choice as text: the mirror keeps whatever Creatify sends, including values
    it adds later and an empty value, so an enum would be a promise the API cannot keep."""
    known = ", ".join(f"`{value}`" for value in field.choices if value != "")
    note = str(_("As Creatify sent it; the values it documents: %(known)s.") % {"known": known})
    meta = {key: documented[key] for key in ("title",) if key in documented}
    meta["description"] = f"{field.help_text} {note}" if field.help_text else note
    meta["readOnly"] = True
    if field.allow_null:
        meta["nullable"] = True
    return append_meta({"type": "string"}, meta)


# -- Parameters and responses -------------------------------------------------------------

EXPAND = OpenApiParameter(
    "expand",
    str,
    enum=["raw"],
    description=_(
        "raw: add the job's last payload from Creatify as `raw`. Staff only; "
        "ignored for anyone else."
    ),
)
RANGE = OpenApiParameter(
    "Range",
    str,
    OpenApiParameter.HEADER,
    description=_(
        "One byte range (`bytes=0-1023`, `bytes=1024-`, `bytes=-500`): a 206 with "
        "that part. Several ranges, or an unreadable header: the whole file."
    ),
)
WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate", str, OpenApiParameter.HEADER, required=True, response=[401]
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429, 503],
    description=_(
        "Seconds to wait: the throttle's (429), or Creatify's when it rate limits the site (503)."
    ),
)
CONTENT_RANGE = OpenApiParameter(
    "Content-Range",
    str,
    OpenApiParameter.HEADER,
    required=True,
    response=[206, 416],
    description=_("`bytes first-last/size` (206) or `bytes */size` (416)."),
)
RESPONSE_HEADERS = [WWW_AUTHENTICATE, RETRY_AFTER]

BAD_REQUEST = _(
    "A query parameter or the body is invalid, named in the body: "
    '`{parameter: [messages]}`; a body that cannot be parsed: `{"detail": ...}`.'
)
CREATIFY_BAD_REQUEST = _("Creatify refused the data: its messages, in the same shapes.")
NO_FAMILY = _("The family is not enabled (`CREATIFY['FAMILIES']`).")
NO_JOB = _("Or no such job, or one this user may not see (`API_OWNER_SCOPED`).")
CREATIFY_NOT_FOUND = _("Or Creatify has no such job.")
COMMON_ERRORS = {
    401: _("No credentials, and an authentication class can ask for them (`WWW-Authenticate`)."),
    403: _(
        "Not allowed by `CREATIFY['API_PERMISSION_CLASSES']` (default: staff only), "
        "credentials no class can challenge for, or a session failing its CSRF check."
    ),
    429: _(
        "Throttled: the `creatify_create` scope (create, preview, render), the "
        "`creatify_refresh` scope (refresh) or the site's default throttles."
    ),
}
NOT_ACCEPTABLE = _("The `Accept` header names no type this API sends (JSON).")
UNSUPPORTED_MEDIA_TYPE = _("The body is not JSON, a form or multipart.")
CREATIFY_ERRORS = {
    502: _(
        "Creatify's answer could not be read, or it refused the request for a reason "
        "asking again will not change."
    ),
    503: _(
        "Creatify is unreachable or failing, is rate limiting this site (`Retry-After` "
        "when Creatify said how long), or this site's credentials are missing or rejected."
    ),
}
# What the archive view sends inline; anything else is application/octet-stream.
ARCHIVE_MEDIA_TYPES = ("video/*", "audio/*", "image/*", "application/octet-stream")
WHOLE_FILE = OpenApiResponse(OpenApiTypes.BINARY, _("The archived file."))
PART_OF_FILE = OpenApiResponse(OpenApiTypes.BINARY, _("The range of the file asked for."))


def error_responses(
    *not_found: Any, body: bool = False, creatify: bool = False, negotiated: bool = True
) -> dict[Any, OpenApiResponse]:
    """The errors an operation can answer with. Every operation checks its query
    parameters (400), who asks (401, 403), that the family is enabled (404) and its
    throttles (429); ``not_found`` says what else a 404 means there."""
    bad_request = [BAD_REQUEST, *([CREATIFY_BAD_REQUEST] if creatify else [])]
    not_found = (NO_FAMILY, *not_found, *([CREATIFY_NOT_FOUND] if creatify else []))
    responses: dict[Any, OpenApiResponse] = {
        400: OpenApiResponse(BadRequestSerializer, " ".join(map(str, bad_request))),
        **{code: OpenApiResponse(ErrorSerializer, text) for code, text in COMMON_ERRORS.items()},
        404: OpenApiResponse(ErrorSerializer, " ".join(map(str, not_found))),
    }
    if negotiated:
        responses[406] = OpenApiResponse(ErrorSerializer, NOT_ACCEPTABLE)
    if body:
        responses[415] = OpenApiResponse(ErrorSerializer, UNSUPPORTED_MEDIA_TYPE)
    if creatify:
        for code, text in CREATIFY_ERRORS.items():
            responses[code] = OpenApiResponse(ErrorSerializer, text)
    return dict(sorted(responses.items(), key=lambda item: str(item[0])))


def document(viewset: type[JobViewSet]) -> type[JobViewSet]:
    """``viewset`` (a family's, from ``views.viewset_for``) with every operation described."""
    family = viewset.family
    job = serializer_for(family)
    body = registration(family).create_serializer
    parameters = [EXPAND, *RESPONSE_HEADERS]
    created = OpenApiResponse(job, _("The job as Creatify made it, mirrored."))
    making = extend_schema(
        request=body,
        parameters=parameters,
        responses={201: created, **error_responses(body=True, creatify=True)},
    )
    operations = {
        "list": extend_schema(
            parameters=parameters,
            responses={
                200: OpenApiResponse(job, _("A page of jobs, newest first unless ordered.")),
                **error_responses(_("Or the page is past the end.")),
            },
        ),
        "retrieve": extend_schema(
            parameters=parameters,
            responses={200: OpenApiResponse(job, _("The job.")), **error_responses(NO_JOB)},
        ),
        "create": making,
        "refresh": extend_schema(
            request=None,
            parameters=parameters,
            responses={
                200: OpenApiResponse(job, _("Re-read now (tasks run inline): the job as it is.")),
                202: OpenApiResponse(job, _("Queued (or already queued): the job as it was.")),
                **error_responses(NO_JOB, creatify=True),
            },
        ),
        "archive": extend_schema(
            request=None,
            parameters=[RANGE, CONTENT_RANGE, *RESPONSE_HEADERS],
            responses={
                **{(200, kind): WHOLE_FILE for kind in ARCHIVE_MEDIA_TYPES},
                **{(206, kind): PART_OF_FILE for kind in ARCHIVE_MEDIA_TYPES},
                416: OpenApiResponse(None, _("The range starts past the end of the file.")),
                **error_responses(
                    NO_JOB, _("Or the job has no archived copy of that field."), negotiated=False
                ),
            },
        ),
    }
    if family.previews and RENDER in family.steps:
        operations["preview"] = making
        operations["render"] = extend_schema(
            request=None,
            parameters=parameters,
            responses={
                200: OpenApiResponse(job, _("The job as Creatify answered: running again.")),
                **error_responses(NO_JOB, creatify=True),
            },
        )
    return extend_schema_view(**operations)(viewset)
