"""The :class:`Sandbox`: a WSGI app that behaves like Creatify's API for every job family
with a list call, and the Python handles tests use to steer it."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from .ageing import DEFAULT_RETENTION_DAYS
from .api import CreatifyAPI
from .clock import Clock, to_timestamp
from .control import handle_control
from .credits import DEFAULT_CREDITS, Ledger
from .families import AURORA, FAMILIES, Family, family_named
from .faults import Fault, FaultQueue
from .media import read as read_media
from .messages import RecordedRequest
from .seed import seeded_jobs
from .server import SandboxServer
from .state import JobStore, NotRenderable
from .timeline import ACTIVE_STATUSES, FINAL_STATUSES
from .uploads import DeliveredUpload, DueUpload, upload
from .webhooks import DeliveredWebhook, deliver
from .wsgi import SandboxApp, StartResponse

# Where payload links point when no request says which host to use (no server running).
DEFAULT_BASE = "http://testserver"
# Seeded jobs per family besides Aurora, at most: a handful to show each family.
FAMILY_JOBS = 6


class Sandbox:
    """A local Creatify API: call it as a WSGI app or ``serve()`` it on a port.

    ``jobs`` seeded Aurora jobs, and ``family_jobs`` seeded jobs in each other family
    (default: as many as ``jobs``, at most :data:`FAMILY_JOBS`). Calls that take a
    ``family`` (a key of :data:`~django_creatify.sandbox.families.FAMILIES`) default to
    Aurora, as does ``len(sandbox)``; calls that take a job id work for any family.

    ``speed``: jobs move that many times faster than at 1 (``inf``: they finish as they
    are made), while the clock keeps real time. ``retention_days``: how long a finished
    job's media is served when it was created without ``ttl_days``. ``credits``: the
    account's balance, which creates, previews and renders draw on (``sandbox.credits``
    reads or sets it). ``video_bytes``: finished videos of that many made-up bytes,
    streamed, instead of the bundled clip (for measuring downloads of large outputs).

    Everything is guarded by one lock, so the threaded server, its webhook ticker and the
    test thread can all use it at once.
    """

    def __init__(
        self,
        api_id: str = "sandbox-id",
        api_key: str = "sandbox-key",
        jobs: int = 0,
        seed: int | str = 0,
        speed: float = 1.0,
        manual_clock: bool = False,
        *,
        start: datetime | str | float | None = None,
        editor_access: bool = True,
        webhook_timeout: float = 2.0,
        family_jobs: int | None = None,
        retention_days: float = DEFAULT_RETENTION_DAYS,
        credits: float = DEFAULT_CREDITS,
        video_bytes: int | None = None,
    ) -> None:
        self.api_id = api_id
        self.api_key = api_key
        self.seed = seed
        self.initial_jobs = jobs
        self.initial_family_jobs = min(jobs, FAMILY_JOBS) if family_jobs is None else family_jobs
        self.webhook_timeout = webhook_timeout
        self.retention_days = retention_days
        self.video_bytes = video_bytes
        self.initial_credits = float(credits)
        #: Outcomes ("done", "failed", "rejected") for the next jobs created by POST, in order.
        self.next_outcomes: list[str] = []
        #: The URL of the running server, if any.
        self.url: str | None = None
        if not speed > 0:
            raise ValueError("speed must be a positive number (or inf)")
        self._start = None if start is None else to_timestamp(start)
        self._lock = threading.RLock()
        self._delivery_lock = threading.Lock()
        self._clock = Clock(manual=manual_clock, start=self._start)
        self._store = JobStore(self._clock, f"{seed}:{api_id}", editor_access, float(speed))
        self._faults = FaultQueue()
        self._requests: list[RecordedRequest] = []
        self._webhooks: list[DeliveredWebhook] = []
        self._uploads: list[DeliveredUpload] = []
        self._ledger = Ledger(self.initial_credits)
        self._servers: list[SandboxServer] = []
        self._rng = random.Random(f"creatify-sandbox:{seed}")  # noqa: S311 - repeatable test data
        self._api = CreatifyAPI(
            self._store,
            self._lock,
            credentials=lambda: (self.api_id, self.api_key),
            next_outcome=self._next_outcome,
            ledger=self._ledger,
        )
        self._app = SandboxApp(
            lock=self._lock,
            store=self._store,
            faults=self._faults,
            requests=self._requests,
            api=self._api,
            control=lambda request: handle_control(self, request),
            retention_days=lambda: self.retention_days,
            video_bytes=lambda: self.video_bytes,
        )
        self._seed_initial()

    def __repr__(self) -> str:
        # The key is the sandbox's own, but keep reprs free of keys all the same.
        return f"<Sandbox {self.url or 'not serving'} jobs={len(self)}>"

    def __len__(self) -> int:
        """The Aurora jobs, like every call without a family (``count()`` for others)."""
        return self.count(AURORA)

    def count(self, family: str | Family | None = None) -> int:
        """The jobs of one family, or of every family (None)."""
        with self._lock:
            return self._store.count(None if family is None else family_named(family))

    @property
    def speed(self) -> float:
        """How many times faster than at speed 1 jobs move (inf: instantly)."""
        return self._store.speed

    @property
    def manual_clock(self) -> bool:
        return self._clock.manual

    def __contains__(self, job_id: object) -> bool:
        return isinstance(job_id, str) and job_id in self._store

    # -- serving ---------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Start a threaded server in the background (port 0 = any free port)."""
        server = SandboxServer(self, host, port).start()
        with self._lock:
            self._servers.append(server)
            self.url = server.url
        return server

    def _server_stopped(self, server: SandboxServer) -> None:
        with self._lock:
            if server in self._servers:
                self._servers.remove(server)
            self.url = self._servers[-1].url if self._servers else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self._app(environ, start_response)

    # -- jobs ------------------------------------------------------------------------

    def add_job(self, family: str | Family = AURORA.key, **fields: Any) -> dict[str, Any]:
        """Insert one job of ``family`` as given, without validation; returns its payload.

        Any field of the family's object may be given. ``status`` places the job in that
        state now (a final status stays final; an unknown one freezes); without it the job
        lives its natural life from ``created_at``. ``outcome`` says how an unfinished job
        ends; ``stage`` (``direct``, ``preview`` or ``render``) whether it is a direct
        create, a preview or a preview being rendered, in families that have those calls.
        Derived fields (the output video, ``duration``, ``credits_used``...) given here win
        over the computed ones; ``OMIT`` leaves a field out; unknown names are served too.
        """
        with self._lock:
            job = self._store.insert(fields, family_named(family))
            payload = dict(self._store.payload(job, self._clock.now(), self._base()))
        self.deliver_due()
        return payload

    def add_jobs(
        self,
        n: int,
        family: str | Family = AURORA.key,
        *,
        seed: int | str | None = None,
        **fields: Any,
    ) -> list[dict]:
        """``n`` varied jobs of ``family`` (see ``seed``); ``fields`` override every one."""
        with self._lock:
            jobs = self._add_seeded(n, seed, fields, family_named(family))
            now, base = self._clock.now(), self._base()
            payloads = [dict(self._store.payload(job, now, base)) for job in jobs]
        self.deliver_due()
        return payloads

    def _add_seeded(
        self, n: int, seed: int | str | None, fields: dict | None = None, family: Family = AURORA
    ) -> list:
        if seed is None:
            rng = self._rng
        else:
            # Each family its own stream, so one seed gives every family different ids.
            rng = random.Random(seed if family is AURORA else f"{family.key}:{seed}")  # noqa: S311
        fields = fields or {}
        with self._lock:
            specs = seeded_jobs(family, rng, n, self._clock.now())
            if "status" in fields:
                for spec in specs:
                    spec.pop("progress", None)
                    spec.pop("outcome", None)
                    # Seeded webhook URLs are example data for finished jobs; a job that
                    # will finish here must not POST to the internet.
                    spec["webhook_url"] = None
            return [self._store.insert({**spec, **fields}, family) for spec in specs]

    def _seed_initial(self) -> None:
        if self.initial_jobs:
            self._add_seeded(self.initial_jobs, self.seed)
        if self.initial_family_jobs:
            for family in FAMILIES.values():
                if family is not AURORA:
                    self._add_seeded(self.initial_family_jobs, self.seed, family=family)

    def update_job(self, id: str, **fields: Any) -> dict[str, Any]:
        """Change a job's fields; ``status``/``progress``/``outcome`` restart its timeline
        from now. Bumps ``updated_at`` unless it is given."""
        with self._lock:
            job = self._job(id)
            self._store.update(job, fields, self._base())
            payload = dict(self._store.payload(job, self._clock.now(), self._base()))
        self.deliver_due()
        return payload

    def render(self, id: str, outcome: str | None = None) -> dict[str, Any]:
        """What ``POST /api/<family>/<id>/render/`` does: a finished preview starts its
        render, to end ``outcome`` (default ``done``). ValueError if the job is not a
        finished preview."""
        with self._lock:
            job = self._job(id)
            try:
                self._store.render(job, self._base(), outcome)
            except NotRenderable as exc:
                raise ValueError(str(exc)) from None
            payload = dict(self._store.payload(job, self._clock.now(), self._base()))
        self.deliver_due()
        return payload

    def finish_all(
        self, status: str = "done", family: str | Family | None = None
    ) -> list[dict[str, Any]]:
        """Move every unfinished job of ``family`` (None: of every family) to ``status``
        now; returns their payloads."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"status must be one of {', '.join(FINAL_STATUSES)}")
        with self._lock:
            now = self._clock.now()
            jobs = self._store.default_order(None if family is None else family_named(family))
            active = [job.id for job in jobs if job.plan.state_at(now).status in ACTIVE_STATUSES]
        return [self.update_job(job_id, status=status) for job_id in active]

    def job(self, id: str) -> dict[str, Any]:
        """What ``GET /api/<family>/<id>/`` returns now (links use the server's URL)."""
        with self._lock:
            return dict(self._store.payload(self._job(id), self._clock.now(), self._base()))

    def family_of(self, id: str) -> str:
        """The key of the family a job belongs to."""
        with self._lock:
            return self._job(id).family.key

    def payloads(self, family: str | Family = AURORA.key) -> list[dict[str, Any]]:
        """A family's jobs as its list call returns them by default (``-created_at``)."""
        with self._lock:
            now, base = self._clock.now(), self._base()
            jobs = self._store.default_order(family_named(family))
            return [dict(self._store.payload(job, now, base)) for job in jobs]

    def now(self) -> datetime:
        """The sandbox clock."""
        with self._lock:
            return datetime.fromtimestamp(self._clock.now(), UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward, then send the webhooks that became due."""
        with self._lock:
            self._clock.advance(seconds)
        self.deliver_due()

    def deliver_due(self) -> list[DeliveredWebhook | DeliveredUpload]:
        """Send the webhooks of jobs that finished by now, and upload their videos to their
        ``output_upload_url`` (the server's ticker calls this)."""
        # One delivery round at a time: advance() returns only after every due webhook,
        # including any the ticker had already picked up, has been sent.
        with self._delivery_lock:
            with self._lock:
                due = self._store.pop_due(self._clock.now(), self._base())
            results: list[DeliveredWebhook | DeliveredUpload] = []
            for item in due:
                if isinstance(item, DueUpload):
                    video = read_media("video.mp4")
                    uploaded = upload(item, video, timeout=self.webhook_timeout)
                    with self._lock:
                        self._uploads.append(uploaded)
                    results.append(uploaded)
                else:
                    sent = deliver(item.url, item.payload, timeout=self.webhook_timeout)
                    with self._lock:
                        self._webhooks.append(sent)
                    results.append(sent)
            return results

    # -- faults and logs -------------------------------------------------------------

    def inject(self, *faults: Fault, method: str | None = None, path_prefix: str | None = None):
        """Queue faults; each matching request (default: any ``/api/`` path) takes the next."""
        with self._lock:
            self._faults.add(faults, method, path_prefix)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    **queued.fault.to_spec(),
                    "method": queued.method,
                    "path_prefix": queued.path_prefix,
                }
                for queued in self._faults.pending()
            ]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request served outside ``/_sandbox/``, oldest first (API keys redacted).

        The live list: ``sandbox.requests.clear()`` works; server threads append to it.
        """
        return self._requests

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def webhooks(self) -> list[DeliveredWebhook]:
        """Every webhook delivery attempt, oldest first (the live list, like ``requests``)."""
        return self._webhooks

    @property
    def uploads(self) -> list[DeliveredUpload]:
        """Every upload to an ``output_upload_url``, oldest first (the live list)."""
        return self._uploads

    @property
    def credits(self) -> float:
        """What ``GET /api/remaining_credits/`` answers now."""
        with self._lock:
            return self._ledger.remaining(self._store)

    @credits.setter
    def credits(self, value: float) -> None:
        with self._lock:
            self._ledger.set(value)

    def reset(self) -> None:
        """Back to a freshly built sandbox: the seeded jobs only, no faults, empty logs,
        the clock restarted. A running server keeps running."""
        with self._lock:
            self._store.clear()
            self._faults.clear()
            self._requests.clear()
            self._webhooks.clear()
            self._uploads.clear()
            self._ledger.set(self.initial_credits)
            self.next_outcomes.clear()
            self._clock.restart(self._start)
            self._rng = random.Random(f"creatify-sandbox:{self.seed}")  # noqa: S311
        self._seed_initial()

    # -- internals -------------------------------------------------------------------

    def _job(self, job_id: str) -> Any:
        if job_id not in self._store:
            raise KeyError(f"No sandbox job {job_id!r}")
        return self._store.get(job_id)

    def _base(self) -> str:
        return self.url or DEFAULT_BASE

    def _next_outcome(self) -> str | None:
        return self.next_outcomes.pop(0) if self.next_outcomes else None
