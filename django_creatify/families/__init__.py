"""The job families this app mirrors, each a :class:`Family` description.

Adding a family is a description here, a model and its migration; the engine (sync,
tasks, webhooks, admin, API) reads the description.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..conf import creatify_settings
from .ai_shorts import AI_SHORTS
from .aurora import AURORA
from .base import CREATE, PREVIEW, RENDER, Family
from .lipsync import LIPSYNC
from .lipsync_v2 import LIPSYNC_V2

#: Every family, in the order the admin and the API list them.
FAMILIES: dict[str, Family] = {
    family.name: family for family in (AURORA, LIPSYNC, LIPSYNC_V2, AI_SHORTS)
}

__all__ = [
    "AI_SHORTS",
    "AURORA",
    "CREATE",
    "FAMILIES",
    "LIPSYNC",
    "LIPSYNC_V2",
    "PREVIEW",
    "RENDER",
    "Family",
    "enabled_families",
    "family_for_model",
    "get_family",
]


class UnknownFamily(LookupError):
    pass


def get_family(name: str | Family) -> Family:
    if isinstance(name, Family):
        return name
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownFamily(
            f"No Creatify job family {str(name)[:40]!r}; the families are {', '.join(FAMILIES)}"
        ) from None


def enabled_families() -> list[Family]:
    """The families the site mirrors (``CREATIFY['FAMILIES']``, default all), in order."""
    names = creatify_settings.FAMILIES
    if names is None:
        return list(FAMILIES.values())
    wanted = set(names)
    return [family for family in FAMILIES.values() if family.name in wanted]


def family_for_model(model: object) -> Family:
    """The family of a job model (or of one of its rows)."""
    meta = getattr(model, "_meta", None)
    model_name = meta and meta.object_name
    for family in FAMILIES.values():
        if family.model_name == model_name:
            return family
    raise UnknownFamily(f"{model!r} is not a Creatify job model")


def families_named(names: Iterable[str] | None) -> list[Family]:
    """The families of ``names`` (each checked), or every enabled one."""
    if not names:
        return enabled_families()
    return [get_family(name) for name in names]
