"""Creatify's documented Aurora prices, in credits per second of audio.

Billed per second, a started second counted whole. ``aurora_v2`` is priced by its output
resolution (720p when none is asked for). Standard library only: the sandbox charges by
this table too.
"""

from __future__ import annotations

import math

AURORA_V1, AURORA_V1_FAST, AURORA_V2 = "aurora_v1", "aurora_v1_fast", "aurora_v2"
MODEL_VERSIONS = (AURORA_V1, AURORA_V1_FAST, AURORA_V2)
RESOLUTIONS = ("480p", "720p", "1080p", "2k")
DEFAULT_RESOLUTION = "720p"
#: The models whose price depends on ``resolution``.
RESOLUTION_MODELS = frozenset({AURORA_V2})

_PER_SECOND = {
    (AURORA_V1, None): 1.0,
    (AURORA_V1_FAST, None): 0.5,
    (AURORA_V2, "480p"): 0.4,
    (AURORA_V2, "720p"): 0.7,
    (AURORA_V2, "1080p"): 1.4,
    (AURORA_V2, "2k"): 2.8,
}


def credits_per_second(
    model_version: str | None, resolution: str | None = None, extra: dict | None = None
) -> float | None:
    """The documented rate, ``extra``'s (a site's own table of newer models), or None."""
    model = model_version or AURORA_V1
    if model in RESOLUTION_MODELS:
        return _PER_SECOND.get((model, resolution or DEFAULT_RESOLUTION))
    if (model, None) in _PER_SECOND:
        return _PER_SECOND[(model, None)]
    rate = (extra or {}).get(model)
    return None if rate is None else float(rate)


def estimate_credits(
    seconds: float,
    model_version: str | None,
    resolution: str | None = None,
    extra: dict | None = None,
) -> float | None:
    rate = credits_per_second(model_version, resolution, extra)
    return None if rate is None else round(math.ceil(seconds) * rate, 4)


def price_list(extra: dict | None = None) -> list[tuple[str, str]]:
    """(model, "N credits/s" or per-resolution rates) for a form's help text."""
    rows = [
        (AURORA_V1, "1 credit/s"),
        (AURORA_V1_FAST, "0.5 credit/s"),
        (
            AURORA_V2,
            ", ".join(f"{res} {_PER_SECOND[(AURORA_V2, res)]:g}/s" for res in RESOLUTIONS),
        ),
    ]
    for model, rate in (extra or {}).items():
        rows.append((model, "price unknown" if rate is None else f"{float(rate):g} credit/s"))
    return rows
