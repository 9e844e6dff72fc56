"""The sandbox's jobs: storage, public payloads, list order and due webhooks.

Not thread-safe on its own: :class:`~django_creatify.sandbox.app.Sandbox` holds one lock
around every call.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..pricing import credits_per_second
from .clock import Clock, isoformat, to_timestamp
from .timeline import (
    ACTIVE_STATUSES,
    AURORA_V1,
    DONE,
    FAILED,
    FINAL_STATUSES,
    PENDING,
    REJECTED,
    RUNNING,
    Plan,
    Profile,
    State,
)


class _Omit:
    """Marks a field left out of the payload entirely (the schema does not require it)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()


class LocalURL(str):
    """A path on the sandbox itself; payloads prefix it with the requesting host."""

    __slots__ = ()


# The schema's order, which is also the order of keys in every payload.
PUBLIC_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "audio",
    "image",
    "text_prompt",
    "prompt_guidance_scale",
    "model_version",
    "video_output",
    "credits_used",
    "duration",
    "progress",
    "failed_reason",
    "media_job",
    "status",
    "is_hidden",
    "webhook_url",
    "preview",
    "editor_url",
)
# Kept as given; everything else in a payload is computed from the job's plan.
STORED_FIELDS = (
    "name",
    "audio",
    "image",
    "text_prompt",
    "prompt_guidance_scale",
    "model_version",
    "media_job",
    "is_hidden",
    "webhook_url",
)
# Taken at creation and acted on, but not echoed: Creatify's object does not document them.
CREATE_ONLY_FIELDS = ("resolution", "ttl_days", "output_upload_url")
# Computed, unless a test pins them with add_job()/update_job().
DERIVED_FIELDS = (
    "video_output",
    "credits_used",
    "duration",
    "failed_reason",
    "preview",
    "editor_url",
)


@dataclass(slots=True, eq=False)
class Job:
    id: str
    seq: int
    created: float
    fields: dict[str, Any]
    overrides: dict[str, Any]
    plan: Plan
    touched: float
    # While the visible (status, progress) equals this, updated_at shows `touched` as given.
    pinned: tuple[str, float] | None = None
    generation: int = 0  # bumped whenever the plan is replaced
    delivered: int = -1  # the generation whose final webhook went out
    version: int = 0  # bumped on every change, so cached payloads go stale
    cache_key: tuple | None = None
    cache: dict[str, Any] | None = None
    cache_json: bytes | None = None
    cache_updated: float = 0.0
    created_iso: str = ""


@dataclass(frozen=True, slots=True)
class DueWebhook:
    url: str
    payload: dict[str, Any]


@dataclass(slots=True)
class JobStore:
    clock: Clock
    editor_secret: str
    editor_access: bool = True
    _jobs: dict[str, Job] = field(default_factory=dict)
    _order: list[Job] | None = None
    _due: list[tuple[float, int, str, int]] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=itertools.count)

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: str) -> bool:
        return canonical_id(job_id) in self._jobs

    def get(self, job_id: str) -> Job:
        return self._jobs[canonical_id(job_id)]

    def clear(self) -> None:
        self._jobs.clear()
        self._order = None
        self._due.clear()

    # -- writing ---------------------------------------------------------------------

    def insert(self, values: dict[str, Any]) -> Job:
        values = dict(values)
        now = self.clock.now()
        raw_id = values.pop("id", None) or uuid.uuid4()
        try:
            parsed = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
            job_id, bits = str(parsed), parsed.int
        except ValueError:
            job_id, bits = str(raw_id), None
        if job_id in self._jobs:
            raise ValueError(f"A job with id {job_id} already exists")
        status = values.pop("status", None)
        progress = values.pop("progress", None)
        outcome = _outcome(values.pop("outcome", None))
        updated_at = values.pop("updated_at", None)
        created = to_timestamp(values.pop("created_at")) if "created_at" in values else now
        overrides = {name: values.pop(name) for name in DERIVED_FIELDS if name in values}
        fields = {
            "name": None,
            "audio": LocalURL(f"/media/audio.wav?job={job_id}"),
            "image": LocalURL(f"/media/image.png?job={job_id}"),
            "text_prompt": "",
            "prompt_guidance_scale": 1.0,
            "model_version": AURORA_V1,
            "media_job": None,
            "is_hidden": False,
            "webhook_url": None,
        }
        fields.update(values)  # unknown names stay: the real API may add fields too

        if status in FINAL_STATUSES:
            outcome = status
        elif status == RUNNING and outcome is None:
            outcome = _unrejected(Profile.for_job(job_id, "", bits=bits).outcome)
        profile = Profile.for_job(
            job_id, str(fields["audio"]), outcome=outcome, instant=self.clock.instant, bits=bits
        )
        if status is None:
            # No status given: the job has lived its natural life since it was created.
            plan = Plan(created, PENDING, float(progress or 0.0), profile)
        elif status in FINAL_STATUSES:
            finished = max(created, min(now, created + Plan(0, PENDING, 0, profile).total()))
            anchor = to_timestamp(updated_at) if updated_at is not None else finished
            if progress is None:
                progress = 1.0 if status == DONE else profile.fail_at if status == FAILED else 0.0
            plan = Plan(anchor, status, progress, profile)
        else:
            # Given an unfinished status, the job enters it now (unknown statuses freeze).
            if status in ACTIVE_STATUSES:
                progress = float(progress or 0.0)
            elif progress is None:
                progress = 0.0
            plan = Plan(max(now, created), status, progress, profile)

        job = Job(job_id, next(self._seq), created, fields, overrides, plan, touched=created)
        job.created_iso = isoformat(created)
        if updated_at is not None:
            job.touched = to_timestamp(updated_at)
            state = plan.state_at(now)
            job.pinned = (state.status, state.progress)
        self._jobs[job_id] = job
        self._order = None
        if plan.status in ACTIVE_STATUSES:
            self._schedule(job)
        return job

    def update(self, job: Job, values: dict[str, Any]) -> None:
        values = dict(values)
        now = self.clock.now()
        if "id" in values and canonical_id(str(values.pop("id"))) != job.id:
            raise ValueError("A job's id cannot change")
        before = job.plan.state_at(now)
        updated_at = values.pop("updated_at", None)
        if "created_at" in values:
            job.created = to_timestamp(values.pop("created_at"))
            job.created_iso = isoformat(job.created)
            self._order = None
        moves = {
            name: values.pop(name) for name in ("status", "progress", "outcome") if name in values
        }
        for name in DERIVED_FIELDS:
            if name in values:
                job.overrides[name] = values.pop(name)
        webhook_changed = "webhook_url" in values and values["webhook_url"] != job.fields.get(
            "webhook_url"
        )
        job.fields.update(values)

        if moves:
            status = moves.get("status", before.status)
            outcome = _outcome(moves.get("outcome"))
            if status in FINAL_STATUSES:
                outcome = status
            elif outcome is None:
                outcome = job.plan.profile.outcome
                if status == RUNNING:
                    outcome = _unrejected(outcome)
            if "progress" in moves:
                progress = moves["progress"]
                if status in ACTIVE_STATUSES:
                    progress = float(progress)
            elif status == before.status or status in (FAILED, REJECTED):
                progress = before.progress
            else:
                progress = 1.0 if status == DONE else 0.0
            profile = Profile.for_job(
                job.id, str(job.fields["audio"]), outcome=outcome, instant=self.clock.instant
            )
            job.plan = Plan(now, status, progress, profile)
            job.generation += 1
            reaches_final = before.status in ACTIVE_STATUSES and status in FINAL_STATUSES
            if status in ACTIVE_STATUSES or reaches_final:
                self._schedule(job)
        elif webhook_changed and before.status in ACTIVE_STATUSES:
            self._schedule(job)

        if updated_at is not None:
            job.touched = to_timestamp(updated_at)
            state = job.plan.state_at(now)
            job.pinned = (state.status, state.progress)
        else:
            job.touched, job.pinned = now, None
        job.version += 1

    # -- reading ---------------------------------------------------------------------

    def payload(self, job: Job, now: float, base: str) -> dict[str, Any]:
        """The public AuroraFlow; cached until the job's visible state changes."""
        state = job.plan.state_at(now)
        key = (state, base, job.version)
        if job.cache_key == key:
            return job.cache  # type: ignore[return-value]
        if job.pinned == (state.status, state.progress):
            updated = job.touched
        else:
            updated = max(job.touched, state.since)
        job.cache_key, job.cache, job.cache_json = key, self._build(job, state, updated, base), None
        job.cache_updated = updated
        return job.cache

    def payload_json(self, job: Job, now: float, base: str) -> bytes:
        self.payload(job, now, base)
        if job.cache_json is None:
            job.cache_json = json.dumps(
                job.cache, ensure_ascii=False, separators=(",", ":")
            ).encode()
        return job.cache_json

    def default_order(self) -> list[Job]:
        """Every job, newest first (``-created_at``, then newest inserted)."""
        if self._order is None:
            self._order = sorted(self._jobs.values(), key=_created_key, reverse=True)
        return self._order

    def select(
        self,
        now: float,
        base: str,
        *,
        ids: list[str] | None = None,
        ordering: list[tuple[str, bool]] | None = None,
    ) -> list[Job]:
        if ids is None:
            jobs = list(self.default_order())
        else:
            found = (self._jobs.get(job_id) for job_id in dict.fromkeys(ids))
            jobs = sorted((job for job in found if job is not None), key=_created_key, reverse=True)
        # Stable sorts from the last key to the first give a multi-key order, with the
        # default order breaking ties.
        for name, descending in reversed(ordering or []):
            if name == "created_at":
                jobs.sort(key=lambda job: job.created, reverse=descending)
                continue
            for job in jobs:
                self.payload(job, now, base)
            if name == "updated_at":
                jobs.sort(key=lambda job: job.cache_updated, reverse=descending)
            else:
                jobs.sort(key=lambda job, n=name: _sort_key(job.cache.get(n)), reverse=descending)
        return jobs

    def pop_due(self, now: float, base: str) -> list[DueWebhook]:
        """Webhooks for jobs that reached a final status by ``now``, each exactly once."""
        due = []
        while self._due and self._due[0][0] <= now:
            _, _, job_id, generation = heapq.heappop(self._due)
            job = self._jobs.get(job_id)
            if job is None or job.generation != generation or job.delivered == generation:
                continue
            url = job.fields.get("webhook_url")
            if not isinstance(url, str) or not url:
                continue
            payload = self.payload(job, now, base)
            if payload["status"] not in FINAL_STATUSES:
                continue
            job.delivered = generation
            body = {name: payload[name] for name in WEBHOOK_FIELDS}
            due.append(DueWebhook(url, body))
        return due

    def editor_token(self, job_id: str) -> str:
        return hashlib.sha256(f"{self.editor_secret}:{job_id}".encode()).hexdigest()[:32]

    # -- internals -------------------------------------------------------------------

    def _schedule(self, job: Job) -> None:
        if not job.fields.get("webhook_url"):
            return
        when = job.plan.final_at()
        if when is not None:
            heapq.heappush(self._due, (when, next(self._seq), job.id, job.generation))

    def _build(self, job: Job, state: State, updated: float, base: str) -> dict[str, Any]:
        fields, overrides, status = job.fields, job.overrides, state.status
        done = status == DONE
        profile = job.plan.profile
        duration = overrides.get("duration", profile.video_seconds if done else 0)
        if "credits_used" in overrides:
            credits = overrides["credits_used"]
        elif done and isinstance(duration, int | float):
            rate = credits_per_second(fields.get("model_version"), fields.get("resolution"))
            credits = float(duration) * (1.0 if rate is None else rate)
        else:
            credits = 0.0
        if "failed_reason" in overrides:
            failed_reason = overrides["failed_reason"]
        else:
            failed_reason = profile.failed_reason if status in (FAILED, REJECTED) else ""
        computed = {
            "id": job.id,
            "created_at": job.created_iso,
            "updated_at": isoformat(updated),
            "video_output": overrides.get(
                "video_output", f"{base}/media/video.mp4?job={job.id}" if done else None
            ),
            "credits_used": credits,
            "duration": duration,
            "progress": state.progress,
            "failed_reason": failed_reason,
            "status": status,
            "preview": overrides.get(
                "preview", f"{base}/media/preview.mp4?job={job.id}" if done else None
            ),
            "editor_url": overrides.get(
                "editor_url",
                f"{base}/editor/{job.id}/?token={self.editor_token(job.id)}"
                if done and self.editor_access
                else None,
            ),
        }
        payload: dict[str, Any] = {}
        for name in PUBLIC_FIELDS:
            value = computed[name] if name in computed else fields.get(name)
            if value is OMIT:
                continue
            payload[name] = base + value if isinstance(value, LocalURL) else value
        for name, value in fields.items():
            if (
                name not in payload
                and name not in STORED_FIELDS
                and name not in CREATE_ONLY_FIELDS
                and value is not OMIT
            ):
                payload[name] = value
        return payload


WEBHOOK_FIELDS = ("id", "status", "failed_reason", "video_output")


def canonical_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _outcome(value: Any) -> str | None:
    if value is not None and value not in FINAL_STATUSES:
        raise ValueError(f"outcome must be one of {', '.join(FINAL_STATUSES)}, not {value!r}")
    return value


def _unrejected(outcome: str) -> str:
    # Rejection happens at intake: a job told to be running was, by then, accepted.
    return DONE if outcome == REJECTED else outcome


def _created_key(job: Job) -> tuple[float, int]:
    return (job.created, job.seq)


def _sort_key(value: Any) -> tuple:
    # NULLs last ascending and first descending, as PostgreSQL orders them.
    if value is None:
        return (1,)
    if isinstance(value, bool | int | float):
        return (0, 0, value)
    return (0, 1, str(value))
