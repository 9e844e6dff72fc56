"""Mirrored jobs as the API shows them: one base serializer, made concrete per family from
its description and model by :func:`serializer_for`."""

from __future__ import annotations

from rest_framework import serializers

from .. import outputs
from ..families import AI_SHORTS, AURORA, LIPSYNC, LIPSYNC_V2, Family, get_family
from ..webhook_urls import allowed_for_non_staff
from . import representation
from .access import is_staff, wants_raw
from .create import (  # noqa: F401 (the create side, where it always was)
    AIShortCreateSerializer,
    AuroraFlowCreateSerializer,
    LipsyncCreateSerializer,
    model_versions,
)
from .registry import create_serializer_for, registration
from .scenes import LipsyncV2CreateSerializer  # noqa: F401

__all__ = [
    "AIShortSerializer",
    "AuroraFlowCreateSerializer",
    "AuroraFlowSerializer",
    "JobSerializer",
    "LipsyncSerializer",
    "LipsyncV2Serializer",
    "NonStaffWebhookURLField",
    "create_serializer_for",
    "is_staff",
    "model_versions",
    "serializer_for",
    "wants_raw",
]

#: What every family's representation adds after its mirrored fields, in this order.
DERIVED_FIELDS = (
    "progress_percent",
    "is_finished",
    "editor_url_expires_at",
    "synced_at",
    "missing_since",
    "created_by",
    "archived_outputs",
    "raw",
)


class NonStaffWebhookURLField(serializers.CharField):
    """``webhook_url`` as a non-staff user may see it: only a URL they could have set
    themselves, never the site's own endpoint, whose path is the webhook secret."""

    def to_representation(self, value):
        return value if allowed_for_non_staff(value) else None


class WholeJobField(serializers.Field):
    """A read-only value derived from the whole job."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)


class ServedOutputURLField(WholeJobField):
    """The finished video's URL: the site's archived copy once there is one, else the
    link Creatify sent."""

    def to_representation(self, job):
        return outputs.served_url(job, job.family().output_field)


class ArchivedOutputsField(WholeJobField):
    """``{field: {url, size, sha256, content_type, archived_at}}`` of each archived output."""

    def to_representation(self, job):
        return outputs.describe_copies(job)


class JobSerializer(serializers.ModelSerializer):
    """A mirrored job under Creatify's field names, plus derived conveniences.

    Mirrored fields hold what Creatify sent; ``output_url`` prefers the site's archived
    copy, and ``archived_outputs`` describes each copy (URL, size, SHA-256).
    ``editor_url`` is ``null`` once the link has expired. ``raw`` (the last payload) is
    included only for staff who ask with ``?expand=raw``. For anyone else, ``webhook_url``
    is ``null`` unless its host is one of ``WEBHOOK_URL_ALLOWED_HOSTS``.
    """

    editor_url = serializers.CharField(source="current_editor_url", read_only=True, allow_null=True)
    output_url = ServedOutputURLField()
    archived_outputs = ArchivedOutputsField()
    progress_percent = serializers.FloatField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)
    editor_url_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    raw = serializers.JSONField(read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        if not self._wants_raw():
            fields.pop("raw")
        if not self._for_staff():
            fields["webhook_url"] = NonStaffWebhookURLField(read_only=True, allow_null=True)
        return fields

    def _wants_raw(self) -> bool:
        return wants_raw(self.context.get("request"))

    def _for_staff(self) -> bool:
        return is_staff(self.context.get("request"))

    def to_representation(self, instance):
        # A list's rows share one child serializer, so its plan is looked up once.
        steps = self.__dict__.get("_steps")
        if steps is None:
            variant = (self._wants_raw(), self._for_staff())
            steps = self._steps = representation.cached_plan(self, variant)
        return representation.represent(steps, instance)


_serializers: dict[str, type[JobSerializer]] = {}


def serializer_for(family: Family | str) -> type[JobSerializer]:
    """The read serializer of ``family``: ``<Model>Serializer``, made once."""
    family = get_family(family)
    made = _serializers.get(family.name)
    if made is None:
        registered = registration(family)
        output = ("output_url",) if registered.output_url else ()
        fields = ("id", *registered.mirrored_fields, *output, *DERIVED_FIELDS)
        meta = type(
            "Meta", (), {"model": family.model, "fields": fields, "read_only_fields": fields}
        )
        made = _serializers[family.name] = type(
            f"{family.model_name}Serializer",
            (JobSerializer,),
            {"Meta": meta, "__module__": __name__, "__doc__": JobSerializer.__doc__},
        )
    return made


AuroraFlowSerializer = serializer_for(AURORA)
LipsyncSerializer = serializer_for(LIPSYNC)
LipsyncV2Serializer = serializer_for(LIPSYNC_V2)
AIShortSerializer = serializer_for(AI_SHORTS)
