"""A serializer's output for many rows, with DRF's per-field machinery done once.

For every field of every row DRF resolves the source (walking attributes, checking for
callables and dicts), then formats the value through the field, converting each date to
the current time zone with several calls. On a page of 100 jobs that is most of the
request. Here each readable field is planned once per serializer instance (a
``ListSerializer`` reuses one child for the whole page): a plain attribute read and the
cheapest formatter that gives DRF's exact output. Anything the plan does not know goes
through the field itself.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.settings import api_settings

Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any]]

# Output exactly as the field's to_representation() for a value that is not None.
_FORMATTERS: dict[type, Callable[[Any], Any]] = {
    serializers.CharField: str,
    serializers.FloatField: float,
    serializers.IntegerField: int,
}


_plans: dict[tuple, list[Step]] = {}


def cached_plan(serializer: serializers.Serializer, variant: Any = None) -> list[Step]:
    """The plan of ``serializer``'s class, made once per ``variant`` (what makes its field
    set differ between requests) and output setting: building a ModelSerializer's fields
    costs as much as formatting a page."""
    key = (
        type(serializer),
        variant,
        timezone.get_current_timezone() if settings.USE_TZ else None,
        api_settings.DATETIME_FORMAT,
    )
    steps = _plans.get(key)
    if steps is None:
        steps = _plans[key] = plan(serializer)
    return steps


@receiver(setting_changed)
def _forget_plans(*, setting: str, **kwargs: Any) -> None:
    if setting in ("REST_FRAMEWORK", "USE_TZ", "TIME_ZONE"):
        _plans.clear()


def plan(serializer: serializers.Serializer) -> list[Step]:
    """(output key, attribute getter, formatter) for each readable field."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return [_step(field, model) for field in serializer._readable_fields]


def represent(steps: list[Step], instance: Any) -> dict[str, Any]:
    output = {}
    for key, get, formatted in steps:
        value = get(instance)
        output[key] = None if value is None else formatted(value)
    return output


def _step(field: serializers.Field, model: type[models.Model] | None) -> Step:
    if isinstance(field, PrimaryKeyRelatedField) and field.use_pk_only_optimization():
        # DRF reads the foreign key's column and outputs the primary key as it is.
        attname = _attname(field, model)
        if attname is not None:
            return field.field_name, attrgetter(attname), _same
    getter = field.get_attribute
    if _plain_attribute(field, model):
        getter = attrgetter(field.source_attrs[0])
    return field.field_name, getter, _formatter(field)


def _plain_attribute(field: serializers.Field, model: type[models.Model] | None) -> bool:
    """A model field or property: no dotted path, no method DRF would call."""
    if model is None or len(field.source_attrs) != 1 or field.source_attrs[0] == "*":
        return False
    on_class = getattr(model, field.source_attrs[0], None)
    return not callable(on_class) or isinstance(on_class, property)


def _attname(field: PrimaryKeyRelatedField, model: type[models.Model] | None) -> str | None:
    if model is None or len(field.source_attrs) != 1:
        return None
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
    except Exception:
        return None
    return model_field.attname if isinstance(model_field, models.ForeignKey) else None


def _formatter(field: serializers.Field) -> Callable[[Any], Any]:
    exact = _FORMATTERS.get(type(field))
    if exact is not None:
        return exact
    if type(field) is serializers.UUIDField and field.uuid_format == "hex_verbose":
        return str
    if type(field) is serializers.BooleanField:
        return field.to_representation
    if type(field) is serializers.DateTimeField:
        return _datetime_formatter(field)
    return field.to_representation


def _datetime_formatter(field: serializers.DateTimeField) -> Callable[[Any], Any]:
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != ISO_8601 or zone is None:
        return field.to_representation

    def iso_8601(value: Any) -> Any:
        # DRF: aware datetimes in the field's zone, ISO 8601, "Z" for UTC.
        if isinstance(value, str) or value.tzinfo is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso_8601


def _same(value: Any) -> Any:
    return value
