"""What the engine needs to know of a job family: a description, never code.

Every family Creatify documents with a list endpoint shares one contract: a bare JSON
array, ``ids=`` of at most 100 UUIDs, retrieve by id, a webhook when a job finishes. What
differs (the object's fields and their types, where the finished video is, whether the
list takes ``ordering``, whether jobs are made in one step or previewed then rendered) is
written down here, once per family, and read by the shared sync, tasks, webhooks, admin
and API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..parsers import date_time, integer, json_value, number, short_text, text, uuid_value

if TYPE_CHECKING:
    from ..models import CreatifyJob

#: A mirrored field: how its remote value is read, and what is stored when it is absent.
FieldSpec = tuple[Callable[[Any], Any], Any]


def job_fields(**own: FieldSpec) -> dict[str, FieldSpec]:
    """The fields every family's object documents (``id`` aside), then the family's own;
    a family may read a common field its own way (``progress`` as text, say)."""
    common: dict[str, FieldSpec] = {
        "created_at": (date_time, None),
        "updated_at": (date_time, None),
        "name": (text, None),
        "status": (short_text, ""),
        "progress": (number, None),
        "failed_reason": (text, ""),
        "credits_used": (number, None),
        "duration": (integer, None),
        "media_job": (uuid_value, None),
        "webhook_url": (text, None),
        "preview": (text, None),
        "editor_url": (text, None),
    }
    return {**common, **own}


CREATE, PREVIEW, RENDER = "create", "preview", "render"


@dataclass(frozen=True, eq=False)
class Family:
    #: Creatify's path segment (``/api/<name>/``): also the family's name in settings,
    #: ``creatify_sync --family``, the app's API path and task arguments.
    name: str
    #: What people call it ("Lipsync v2").
    label: str
    #: The concrete model in this app (``django_creatify.<model_name>``).
    model_name: str
    #: The documented object's fields but ``id`` (see :func:`job_fields`).
    fields: Mapping[str, FieldSpec]
    #: The object's field holding the finished video.
    output_field: str
    #: Whether the list endpoint documents ``ordering``.
    accepts_ordering: bool = False
    #: The create calls it documents: a direct create, and a preview later rendered.
    steps: tuple[str, ...] = (CREATE,)
    #: The create body's fields, as Creatify documents them.
    create_fields: tuple[str, ...] = ()
    #: The documented values of its choice-like fields (field -> values).
    vocabularies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Lease name of a full sync of this family.
    full_sync_lease: str = ""

    def __post_init__(self) -> None:
        if not self.full_sync_lease:
            object.__setattr__(self, "full_sync_lease", f"django_creatify.sync.{self.name}")

    def __repr__(self) -> str:
        return f"<Family {self.name}>"

    @property
    def path(self) -> str:
        return f"/api/{self.name}/"

    @property
    def mirrored_fields(self) -> tuple[str, ...]:
        return tuple(self.fields)

    @cached_property
    def model(self) -> type[CreatifyJob]:
        from django.apps import apps

        model: type[CreatifyJob] = apps.get_model("django_creatify", self.model_name)
        return model

    @property
    def previews(self) -> bool:
        return PREVIEW in self.steps

    @cached_property
    def json_fields(self) -> frozenset[str]:
        """Fields whose value is a nested JSON document, stored as JSON."""
        return frozenset(
            name for name, (parse, _default) in self.fields.items() if parse is json_value
        )
