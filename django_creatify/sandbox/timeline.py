"""How a job moves: pending -> in_queue -> running -> done / failed / rejected.

A job's whole life is a :class:`Plan`, a pure function of sandbox time, so reading a job
never mutates it and a list of 100,000 jobs costs one arithmetic pass. Durations and the
outcome come from a :class:`Profile` derived from the job's id (and its audio URL), so the
same job always behaves the same way. The sandbox's ``speed`` divides the durations (the
clock itself keeps real time, so dates stay real): at speed 3 a job lives a third as long.

Progress is a float from 0.0 to 1.0 that moves in steps of :data:`PROGRESS_STEP` (0.05)
while running, so a job's visible state (and its ``updated_at``) changes a countable
number of times: about twenty updates per run, not one per read. ``done`` jobs end at 1.0;
``failed`` jobs keep the progress they failed at; ``rejected`` jobs never start running.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass

from ..pricing import AURORA_V1, AURORA_V1_FAST, MODEL_VERSIONS  # noqa: F401 (re-exported)

# The sandbox's modules take the vocabulary from here, under these names.
from ..statuses import ACTIVE as ACTIVE_STATUSES
from ..statuses import DONE, FAILED, IN_QUEUE, PENDING, REJECTED, RUNNING
from ..statuses import FINISHED as FINAL_STATUSES
from ..statuses import KNOWN as STATUSES  # noqa: F401

PROGRESS_STEP = 0.05

FAILED_REASONS = (
    "No face was detected in the image.",
    "The audio file could not be decoded.",
    "Rendering failed on our side; please try again.",
    "The audio is longer than the 60 seconds this plan allows.",
)
REJECTED_REASON = "The input did not pass content moderation."


def id_bits(job_id: str) -> int:
    """128 well-mixed bits from a job id (ids added by hand need not be UUIDs)."""
    try:
        return uuid.UUID(job_id).int
    except ValueError:
        return int.from_bytes(hashlib.blake2b(job_id.encode(), digest_size=16).digest(), "big")


@dataclass(frozen=True, slots=True)
class Profile:
    """What a job will do, fixed when it is created."""

    pending: float  # seconds in `pending`
    queued: float  # seconds in `in_queue`
    running: float  # seconds for a whole 0 -> 1 run
    outcome: str
    fail_at: float  # the progress a failing job stops at
    video_seconds: int  # the finished video's length: the audio's, as Creatify would read it
    failed_reason: str

    @classmethod
    def for_job(
        cls,
        job_id: str,
        audio: str,
        *,
        outcome: str | None = None,
        speed: float = 1.0,
        bits: int | None = None,
    ) -> Profile:
        """``speed`` divides every duration; an infinite one makes the job instant."""
        # A uuid's low bits are random (version bits live higher up), so they can stand
        # in for a seeded RNG at a fraction of the cost of building one per job.
        if bits is None:
            bits = id_bits(job_id)
        digest = hashlib.blake2b(audio.encode("utf-8", "replace"), digest_size=4).digest()
        video_seconds = 3 + int.from_bytes(digest, "big") % 58  # 3..60, like a short voice-over
        if outcome is None:
            roll = bits & 0xFF
            outcome = DONE if roll < 205 else FAILED if roll < 240 else REJECTED
        reason = ""
        if outcome == FAILED:
            reason = FAILED_REASONS[(bits >> 8) % len(FAILED_REASONS)]
        elif outcome == REJECTED:
            reason = REJECTED_REASON
        if math.isinf(speed):
            pending = queued = running = 0.0
        else:
            pending = (1.0 + ((bits >> 16) & 0xFF) / 255 * 3.0) / speed  # 1..4 s at speed 1
            queued = (2.0 + ((bits >> 24) & 0xFF) / 255 * 6.0) / speed  # 2..8 s
            running = min(40.0, 10.0 + video_seconds / 2) / speed  # 11.5..40 s
        fail_at = round((2 + (bits >> 32) % 17) * PROGRESS_STEP, 2)  # 0.10..0.90
        return cls(pending, queued, running, outcome, fail_at, video_seconds, reason)


@dataclass(frozen=True, slots=True)
class State:
    status: str
    progress: float
    since: float  # sandbox time the visible state last changed


@dataclass(frozen=True, slots=True)
class Plan:
    """A job's life from ``anchor`` on, starting in ``status`` at ``progress``."""

    anchor: float
    status: str
    progress: float
    profile: Profile

    def state_at(self, now: float) -> State:
        status, progress, start = self.status, self.progress, self.anchor
        if status not in ACTIVE_STATUSES:
            # Final, or a status the sandbox was told about but does not know: frozen.
            return State(status, progress, start)
        profile = self.profile
        if status == PENDING:
            end = start + profile.pending
            if now < end:
                return State(PENDING, progress, start)
            if profile.outcome == REJECTED:
                return State(REJECTED, progress, end)
            status, start = IN_QUEUE, end
        if status == IN_QUEUE:
            end = start + profile.queued
            if now < end:
                return State(IN_QUEUE, progress, start)
            if profile.outcome == REJECTED:
                return State(REJECTED, progress, end)
            start = end
        if profile.outcome == REJECTED:
            # Told to be rejected while already running: rejected at once.
            return State(REJECTED, progress, start)
        target = self._target(progress)
        end = start + max(0.0, target - progress) * profile.running
        if now >= end:
            final = 1.0 if profile.outcome == DONE else max(progress, target)
            return State(profile.outcome, final, end)
        reached = progress + (now - start) / profile.running
        step = round(math.floor(reached / PROGRESS_STEP + 1e-9) * PROGRESS_STEP, 2)
        if step <= progress:
            return State(RUNNING, progress, start)
        return State(RUNNING, step, min(now, start + (step - progress) * profile.running))

    def final_at(self) -> float | None:
        """When the plan reaches a final status; None if it never will."""
        if self.status in FINAL_STATUSES:
            return self.anchor
        if self.status not in ACTIVE_STATUSES:
            return None
        profile, when = self.profile, self.anchor
        if self.status == PENDING:
            when += profile.pending
            if profile.outcome == REJECTED:
                return when
        if self.status in (PENDING, IN_QUEUE):
            when += profile.queued
        if profile.outcome == REJECTED:
            return when
        return when + max(0.0, self._target(self.progress) - self.progress) * profile.running

    def _target(self, progress: float) -> float:
        """Where running ends: 1.0, or for a failing job its failure point, which lies
        ahead of a job placed mid-run (a job at 0.5 does not fail at once at 0.3)."""
        if self.profile.outcome != FAILED:
            return 1.0
        if self.profile.fail_at > progress:
            return self.profile.fail_at
        return min(1.0 - PROGRESS_STEP, round(progress + PROGRESS_STEP, 2))

    def total(self) -> float:
        """Seconds from a fresh ``pending`` to final, for backdated jobs."""
        return Plan(0.0, PENDING, 0.0, self.profile).final_at() or 0.0
