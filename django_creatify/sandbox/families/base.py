"""What sets one Creatify job family apart; everything else in the sandbox is shared."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..jobs import PREVIEW, RENDER

# The preview and render prices every family with those calls documents.
PREVIEW_CREDITS_PER_30S = 1
RENDER_CREDITS_PER_30S = 4


def per_started_30s(seconds: float, credits: int) -> int:
    """``credits`` for every started 30 seconds of video."""
    return math.ceil(seconds / 30) * credits


@dataclass(frozen=True, eq=False)
class Family:
    """One job family: ``/api/<segment>/`` and the objects it serves.

    ``defaults(job_id)`` gives the stored fields of a job given nothing else;
    ``validate(data, form)`` checks a create or preview body into (cleaned fields,
    DRF-style errors); ``direct_price(fields, seconds)`` is what a directly created job
    costs once done; ``length_key(fields)`` names the input whose length decides the
    video's (the same input, the same length); ``seed_job(rng, index, now)`` draws one
    seeded job's ``add_job()`` fields.
    """

    key: str
    public_fields: tuple[str, ...]  # the schema's order, which every payload keeps
    defaults: Callable[[str], dict[str, Any]]
    validate: Callable[[dict[str, Any], bool], tuple[dict[str, Any], dict[str, list]]]
    direct_price: Callable[[dict[str, Any], float], float]
    length_key: Callable[[dict[str, Any]], str]
    seed_job: Callable[[random.Random, int, float], dict[str, Any]]
    output_field: str = "video_output"  # where a finished video is, in payloads and webhooks
    thumbnail_field: str | None = None
    progress_as_string: bool = False
    ordering: bool = False  # whether the list call honours ``ordering=``
    preview_render: bool = False  # ``preview/`` and ``<id>/render/`` exist
    int_credits: bool = False  # ``credits_used`` is an integer in the schema
    # Taken at creation and acted on, but not echoed: the family's object lacks them.
    create_only: tuple[str, ...] = ()
    segment: str = ""
    unechoed_fields: frozenset[str] = field(init=False)
    webhook_fields: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "segment", self.segment or self.key)
        set_(self, "unechoed_fields", frozenset(self.defaults("")) | set(self.create_only))
        set_(self, "webhook_fields", ("id", "status", "failed_reason", self.output_field))

    def __repr__(self) -> str:
        return f"<Family {self.key}>"

    @property
    def path(self) -> str:
        return f"/api/{self.segment}/"

    @property
    def derived_fields(self) -> tuple[str, ...]:
        """Computed from the job's plan, unless a test pins them."""
        names: tuple[str, ...] = (
            self.output_field,
            "credits_used",
            "duration",
            "failed_reason",
            "preview",
        )
        names += ("editor_url",)
        return names + ((self.thumbnail_field,) if self.thumbnail_field else ())

    def credits(
        self, fields: dict[str, Any], seconds: float | None, stage: str, done: bool
    ) -> float | int:
        """``credits_used`` for a job at this point: a preview pays its price when done; a
        render has paid the preview's and adds its own when done; a failed or unfinished
        step costs nothing."""
        total: float = 0
        if seconds is not None:
            if stage == PREVIEW:
                total = per_started_30s(seconds, PREVIEW_CREDITS_PER_30S) if done else 0
            elif stage == RENDER:
                total = per_started_30s(seconds, PREVIEW_CREDITS_PER_30S)
                if done:
                    total += per_started_30s(seconds, RENDER_CREDITS_PER_30S)
            elif done:
                total = self.direct_price(fields, seconds)
        if self.int_credits:
            return math.ceil(total)
        return float(total)

    def shown_progress(self, progress: Any) -> Any:
        """Progress as the family's payloads type it: a number, or a decimal string with
        two places (how Django REST framework renders a DecimalField)."""
        numeric = isinstance(progress, int | float) and not isinstance(progress, bool)
        return f"{progress:.2f}" if self.progress_as_string and numeric else progress
