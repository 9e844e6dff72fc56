"""One registration per family: what the API adds to the family's description.

The serializers, filters and views are built from a family's description and its model;
a registration names only what genuinely differs: the create body's rules, and which of
its own fields are choice-like enough to filter by (``?aspect_ratio=9x16,1x1``). Boolean
fields are filters without being named here.
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from ..families import AI_SHORTS, AURORA, LIPSYNC, LIPSYNC_V2, Family, get_family
from ..object_fields import AURORA_OBJECT_FIELDS
from .create import AIShortCreateSerializer, AuroraFlowCreateSerializer, LipsyncCreateSerializer
from .scenes import LipsyncV2CreateSerializer


@dataclass(frozen=True)
class Registration:
    family: Family
    create_serializer: type[serializers.Serializer]
    #: The family's own fields a list filters by, any of several values.
    choice_filters: tuple[str, ...] = ()
    #: Whether the representation carries ``output_url``. Aurora's representation predates
    #: it and is relied on as it is; its ``video_output`` is the same URL.
    output_url: bool = True
    #: The order of the mirrored fields in the representation, when it is not the
    #: description's: clients may compare Aurora's output byte for byte.
    field_order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.field_order and sorted(self.field_order) != sorted(self.family.fields):
            raise ValueError(f"{self.family.label}: field_order must list every mirrored field")

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def mirrored_fields(self) -> tuple[str, ...]:
        """The family's mirrored fields in the order the API shows them."""
        return self.field_order or self.family.mirrored_fields


REGISTRATIONS: dict[str, Registration] = {
    registration.name: registration
    for registration in (
        Registration(
            AURORA,
            AuroraFlowCreateSerializer,
            choice_filters=("model_version",),
            output_url=False,
            # Creatify's order for the AuroraFlow object, as the API has always shown it.
            field_order=AURORA_OBJECT_FIELDS[1:],  # without "id", which comes first
        ),
        Registration(
            LIPSYNC,
            LipsyncCreateSerializer,
            choice_filters=("model_version", "aspect_ratio", "caption_style"),
        ),
        Registration(
            LIPSYNC_V2, LipsyncV2CreateSerializer, choice_filters=("model_version", "aspect_ratio")
        ),
        Registration(
            AI_SHORTS,
            AIShortCreateSerializer,
            choice_filters=("aspect_ratio", "style", "permission_type"),
        ),
    )
}


def registration(family: Family | str) -> Registration:
    return REGISTRATIONS[get_family(family).name]


def create_serializer_for(family: Family | str) -> type[serializers.Serializer]:
    """The serializer that validates a family's create (and preview) body."""
    return registration(family).create_serializer
