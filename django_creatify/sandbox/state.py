"""The sandbox's jobs, of every family: storage, payloads, list order and due webhooks.

Not thread-safe on its own: :class:`~django_creatify.sandbox.app.Sandbox` holds one lock
around every call.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, isoformat, to_timestamp
from .families import AURORA, Family
from .jobs import DIRECT, OMIT, PREVIEW, RENDER, STAGES, Job, LocalURL, build_payload
from .timeline import (
    ACTIVE_STATUSES,
    DONE,
    FAILED,
    FINAL_STATUSES,
    PENDING,
    REJECTED,
    RUNNING,
    Plan,
    Profile,
)
from .uploads import DueUpload

__all__ = ["OMIT", "DueWebhook", "JobStore", "LocalURL", "NotRenderable", "canonical_id"]


class NotRenderable(ValueError):
    """``render/`` asked of a job that is not a finished preview."""


@dataclass(frozen=True, slots=True)
class DueWebhook:
    url: str
    payload: dict[str, Any]


@dataclass(slots=True)
class JobStore:
    clock: Clock
    editor_secret: str
    editor_access: bool = True
    speed: float = 1.0  # divides how long jobs take; inf: they finish as they are made
    _jobs: dict[str, Job] = field(default_factory=dict)
    _orders: dict[str, list[Job]] = field(default_factory=dict)
    _due: list[tuple[float, int, str, int]] = field(default_factory=list)
    _held: list[DueWebhook | DueUpload] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=itertools.count)

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: str) -> bool:
        return canonical_id(job_id) in self._jobs

    def get(self, job_id: str) -> Job:
        return self._jobs[canonical_id(job_id)]

    def count(self, family: Family | None = None) -> int:
        return len(self._jobs) if family is None else len(self.default_order(family))

    def clear(self) -> None:
        self._jobs.clear()
        self._orders.clear()
        self._due.clear()
        self._held.clear()

    # -- writing ---------------------------------------------------------------------

    def insert(self, values: dict[str, Any], family: Family = AURORA) -> Job:
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
        stage = _stage(values.pop("stage", DIRECT), family)
        status = values.pop("status", None)
        progress = values.pop("progress", None)
        outcome = _outcome(values.pop("outcome", None))
        updated_at = values.pop("updated_at", None)
        created = to_timestamp(values.pop("created_at")) if "created_at" in values else now
        overrides = {name: values.pop(name) for name in family.derived_fields if name in values}
        fields = family.defaults(job_id)
        fields.update(values)  # unknown names stay: the real API may add fields too

        if status in FINAL_STATUSES:
            outcome = status
        elif status == RUNNING and outcome is None:
            outcome = _unrejected(Profile.for_job(job_id, "", bits=bits).outcome)
        profile = Profile.for_job(
            job_id,
            family.length_key(fields),
            outcome=outcome,
            speed=self.speed,
            bits=bits,
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
            # Given an unfinished status, the job enters it now (unknown statuses freeze),
            # or when its dates say it last changed, if that is later.
            if status in ACTIVE_STATUSES:
                progress = float(progress or 0.0)
            elif progress is None:
                progress = 0.0
            entered = max(now, created, now if updated_at is None else to_timestamp(updated_at))
            plan = Plan(entered, status, progress, profile)

        job = Job(job_id, next(self._seq), created, family, stage, fields, overrides, plan, created)
        job.created_iso = isoformat(created)
        if updated_at is not None:
            job.touched = to_timestamp(updated_at)
            state = plan.state_at(now)
            job.pinned = (state.status, state.progress)
        self._jobs[job_id] = job
        self._reorder(family)
        if plan.status in ACTIVE_STATUSES:
            self._schedule(job)
        return job

    def update(self, job: Job, values: dict[str, Any], base: str) -> None:
        values = dict(values)
        now = self.clock.now()
        if "id" in values and canonical_id(str(values.pop("id"))) != job.id:
            raise ValueError("A job's id cannot change")
        before = job.plan.state_at(now)
        updated_at = values.pop("updated_at", None)
        if "stage" in values:
            job.stage = _stage(values.pop("stage"), job.family)
        if "created_at" in values:
            job.created = to_timestamp(values.pop("created_at"))
            job.created_iso = isoformat(job.created)
            self._reorder(job.family)
        moves = {
            name: values.pop(name) for name in ("status", "progress", "outcome") if name in values
        }
        for name in job.family.derived_fields:
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
            plan = Plan(now, status, progress, self._profile(job, outcome))
            self._replan(job, plan, now, base)
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

    def discard(self, job: Job) -> None:
        """Forget a job just inserted (a create refused after all); its due entries lapse."""
        del self._jobs[job.id]
        self._reorder(job.family)

    def render(self, job: Job, base: str, outcome: str | None = None) -> None:
        """Start the render of a finished preview: a new life on the same job, from
        ``pending``, ending ``outcome`` (``done`` by default) with the video."""
        self.check_renderable(job)
        now = self.clock.now()
        job.stage = RENDER
        plan = Plan(now, PENDING, 0.0, self._profile(job, _outcome(outcome) or DONE))
        self._replan(job, plan, now, base)
        self._schedule(job)
        job.touched, job.pinned = now, None
        job.version += 1

    def check_renderable(self, job: Job) -> None:
        """NotRenderable unless the job is a finished preview."""
        now = self.clock.now()
        if not job.family.preview_render:
            raise NotRenderable(f"{job.family.key} jobs have no render step.")
        state = job.plan.state_at(now)
        if job.stage == RENDER:
            raise NotRenderable("This job has already been rendered.")
        if job.stage != PREVIEW:
            raise NotRenderable(
                "Only a preview can be rendered: this job was created with its video."
            )
        if state.status != DONE:
            raise NotRenderable(
                f"Only a finished preview can be rendered: this one is {state.status}."
            )

    # -- reading ---------------------------------------------------------------------

    def payload(self, job: Job, now: float, base: str) -> dict[str, Any]:
        """The job's public object; cached until its visible state changes."""
        state = job.plan.state_at(now)
        key = (state, base, job.version)
        if job.cache_key == key:
            return job.cache  # type: ignore[return-value]  # set with cache_key
        if job.pinned == (state.status, state.progress):
            updated = job.touched
        else:
            updated = max(job.touched, state.since)
        token = self.editor_token if self.editor_access else None
        job.cache = build_payload(job, state, updated, base, token)
        job.cache_key, job.cache_json, job.cache_updated = key, None, updated
        return job.cache

    def payload_json(self, job: Job, now: float, base: str) -> bytes:
        self.payload(job, now, base)
        if job.cache_json is None:
            job.cache_json = json.dumps(
                job.cache, ensure_ascii=False, separators=(",", ":")
            ).encode()
        return job.cache_json

    def default_order(self, family: Family | None = AURORA) -> list[Job]:
        """A family's jobs (None: every job), newest first (``-created_at``, then newest
        inserted)."""
        key = "" if family is None else family.key
        order = self._orders.get(key)
        if order is None:
            jobs: Iterable[Job] = self._jobs.values()
            if family is not None:
                jobs = [job for job in jobs if job.family is family]
            order = self._orders[key] = sorted(jobs, key=_created_key, reverse=True)
        return order

    def select(
        self,
        family: Family,
        now: float,
        base: str,
        *,
        ids: list[str] | None = None,
        ordering: list[tuple[str, bool]] | None = None,
    ) -> list[Job]:
        if ids is None:
            jobs = list(self.default_order(family))
        else:
            found = (self._jobs.get(job_id) for job_id in dict.fromkeys(ids))
            jobs = sorted(
                (job for job in found if job is not None and job.family is family),
                key=_created_key,
                reverse=True,
            )
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
                # The default binds this round's name; mypy cannot infer such a lambda here.
                jobs.sort(key=lambda job, n=name: _sort_key(job.cache.get(n)), reverse=descending)  # type: ignore[misc]
        return jobs

    def pop_due(self, now: float, base: str) -> list[DueWebhook | DueUpload]:
        """Webhooks for jobs that reached a final status by ``now``, each exactly once per
        life (a preview's end, then its render's), and the uploads of finished videos to
        their ``output_upload_url``."""
        due, self._held = self._held, []
        while self._due and self._due[0][0] <= now:
            _, _, job_id, generation = heapq.heappop(self._due)
            job = self._jobs.get(job_id)
            if job is None or job.generation != generation or job.delivered == generation:
                continue
            url, upload_url = _deliveries(job)
            if not url and not upload_url:
                continue
            payload = self.payload(job, now, base)
            if payload["status"] not in FINAL_STATUSES:
                continue
            job.delivered = generation
            if url:
                body = {name: payload.get(name) for name in job.family.webhook_fields}
                due.append(DueWebhook(url, body))
            if upload_url and payload["status"] == DONE and job.stage != PREVIEW:
                due.append(DueUpload(upload_url, job.id))
        return due

    def editor_token(self, job_id: str) -> str:
        return hashlib.sha256(f"{self.editor_secret}:{job_id}".encode()).hexdigest()[:32]

    # -- internals -------------------------------------------------------------------

    def _profile(self, job: Job, outcome: str) -> Profile:
        return Profile.for_job(
            job.id, job.family.length_key(job.fields), outcome=outcome, speed=self.speed
        )

    def _replan(self, job: Job, plan: Plan, now: float, base: str) -> None:
        # A webhook that fell due under the old plan would be lost with it: take it now.
        self._held = self.pop_due(now, base)
        job.plan = plan
        job.generation += 1

    def _reorder(self, family: Family) -> None:
        self._orders.pop(family.key, None)
        self._orders.pop("", None)

    def _schedule(self, job: Job) -> None:
        if not any(_deliveries(job)):
            return
        when = job.plan.final_at()
        if when is not None:
            heapq.heappush(self._due, (when, next(self._seq), job.id, job.generation))


def _deliveries(job: Job) -> tuple[str | None, str | None]:
    """The job's (webhook URL, output upload URL), each None when unset."""
    urls = (job.fields.get("webhook_url"), job.fields.get("output_upload_url"))
    return tuple(url if isinstance(url, str) and url else None for url in urls)  # type: ignore[return-value]  # two in, two out


def canonical_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _stage(value: Any, family: Family) -> str:
    if value not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {value!r}")
    if value != DIRECT and not family.preview_render:
        raise ValueError(f"{family.key} jobs have no preview or render")
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
