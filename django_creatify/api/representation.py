"""A serializer's output for many rows, with DRF's per-field machinery done once.

Tuned for speed: ``benchmarks/sync_benchmark.py`` (the DRF list of 100 rows against a
plain view) guards it, and tests/test_api.py compares its output with DRF's own.

For every field of every row DRF resolves the source (walking attributes, checking for
callables and dicts), then formats the value through the field, converting each date to
the current time zone with several calls. On a page of 100 jobs that is most of the
request. Here each readable field is planned once: a plain attribute read and the
cheapest formatter that gives DRF's exact output. Anything the plan does not know goes
through the field itself.

Only DRF's public API is used: ``serializer.fields``, a field's ``write_only``,
``field_name`` and ``source``, and its ``get_attribute()``, ``to_representation()`` and
``enforce_timezone()``. A shortcut is taken only for a field of exactly a stock type
whose own output, asked once for sample values, is the shortcut's.

A plan is shared by every serializer of a class and variant, so a formatter must not
depend on the request: fields whose output does (like hyperlinks) vary the variant or
stay out of planned serializers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from operator import attrgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone as django_timezone
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField
from rest_framework.settings import api_settings

Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any]]

# Output exactly as the field's to_representation() for a value that is not None.
_FORMATTERS: dict[type, Callable[[Any], Any]] = {
    serializers.CharField: str,
    serializers.FloatField: float,
    serializers.IntegerField: int,
}

# A winter and a summer instant, each with and without microseconds: ISO 8601 output
# differs from any strftime format on one of them, and daylight saving shows.
_DATETIME_SAMPLES = (
    *(
        datetime(2021, month, 14, 23, 59, 58, micro, tzinfo=UTC)
        for month in (1, 7)
        for micro in (0, 120)
    ),
    datetime(1999, 12, 31, 18, 0, tzinfo=timezone(timedelta(hours=-7))),
)
_UUID_SAMPLE = uuid.UUID("0f1e2d3c-4b5a-4697-8877-665544332211")

_plans: dict[tuple, list[Step]] = {}


def cached_plan(serializer: serializers.Serializer, variant: Any = None) -> list[Step]:
    """The plan of ``serializer``'s class, made once per ``variant`` (what makes its field
    set differ between requests) and output setting: building a ModelSerializer's fields
    costs as much as formatting a page."""
    key = (
        type(serializer),
        variant,
        django_timezone.get_current_timezone() if settings.USE_TZ else None,
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
    """(output key, attribute getter, formatter) for each readable field, in order."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return [_step(field, model) for field in serializer.fields.values() if not field.write_only]


def represent(steps: list[Step], instance: Any) -> dict[str, Any]:
    output = {}
    for key, get, formatted in steps:
        try:
            value = get(instance)
        except SkipField:
            continue
        output[key] = None if value is None else formatted(value)
    return output


def _step(field: serializers.Field, model: type[models.Model] | None) -> Step:
    name = str(field.field_name)  # set when the serializer bound it
    if type(field) is PrimaryKeyRelatedField and _outputs_pk_as_is(field):
        # DRF reads the foreign key's column and outputs the primary key as it is.
        attname = _attname(field, model)
        if attname is not None:
            return name, attrgetter(attname), _same
    if isinstance(field, serializers.RelatedField):
        return name, _related_getter(field), field.to_representation
    getter: Callable[[Any], Any] = field.get_attribute
    if _plain_attribute(field, model):
        getter = attrgetter(str(field.source))
    return name, getter, _formatter(field)


def _plain_attribute(field: serializers.Field, model: type[models.Model] | None) -> bool:
    """A model field or property: no dotted path, no method DRF would call."""
    source = field.source
    if model is None or not source or source == "*" or "." in source:
        return False
    on_class = getattr(model, source, None)
    return not callable(on_class) or isinstance(on_class, property)


def _outputs_pk_as_is(field: PrimaryKeyRelatedField) -> bool:
    marker = object()
    try:
        return field.to_representation(PKOnlyObject(pk=marker)) is marker
    except Exception:
        return False


def _attname(field: serializers.Field, model: type[models.Model] | None) -> str | None:
    if model is None or not field.source or "." in field.source:
        return None
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:
        return None
    return model_field.attname if isinstance(model_field, models.ForeignKey) else None


def _related_getter(field: serializers.RelatedField) -> Callable[[Any], Any]:
    get = field.get_attribute

    def related(instance: Any) -> Any:
        # DRF outputs null for a relation whose key is null, without formatting it.
        value = get(instance)
        return None if isinstance(value, PKOnlyObject) and value.pk is None else value

    return related


def _formatter(field: serializers.Field) -> Callable[[Any], Any]:
    kind = type(field)
    exact = _FORMATTERS.get(kind)
    if exact is not None:
        return exact
    if kind is serializers.UUIDField and _agrees(field, str, (_UUID_SAMPLE,)):
        return str
    if kind is serializers.BooleanField and _agrees(field, _same, (True, False)):
        return _boolean(field)
    if kind is serializers.DateTimeField:
        return _datetime_formatter(cast(serializers.DateTimeField, field))
    return field.to_representation


def _agrees(field: serializers.Field, shortcut: Callable[[Any], Any], samples) -> bool:
    try:
        return all(field.to_representation(value) == shortcut(value) for value in samples)
    except Exception:
        return False


def _boolean(field: serializers.Field) -> Callable[[Any], Any]:
    slow = field.to_representation

    def boolean(value: Any) -> Any:
        return value if value.__class__ is bool else slow(value)

    return boolean


def _datetime_formatter(field: serializers.DateTimeField) -> Callable[[Any], Any]:
    slow = field.to_representation
    try:
        zone = field.enforce_timezone(_DATETIME_SAMPLES[0]).tzinfo
    except Exception:
        return slow
    # Converting with the zone DRF converted the sample to is exact only for zones whose
    # object stands for the whole zone (pytz's stand for one offset).
    if type(zone) not in (ZoneInfo, timezone):
        return slow

    def iso_8601(value: Any) -> Any:
        # DRF: aware datetimes in the field's zone, ISO 8601, "Z" for UTC.
        if value.__class__ is not datetime or value.tzinfo is None:
            return slow(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso_8601 if _agrees(field, iso_8601, _DATETIME_SAMPLES) else slow


def _same(value: Any) -> Any:
    return value
