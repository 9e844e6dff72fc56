"""A local stand-in for Creatify's Aurora API, on the standard library alone.

Use it from tests, from the demo and from benchmarks instead of the real service::

    from django_creatify.sandbox import Fault, Sandbox

    sandbox = Sandbox(jobs=20, seed=1, manual_clock=True)
    with sandbox.serve() as server:          # a threaded server on a free loopback port
        ...                                  # point CREATIFY["BASE_URL"] at server.url
        sandbox.advance(30)                  # jobs move on; due webhooks are sent now
        sandbox.inject(Fault.status(503), Fault.status(429, retry_after=2))

From a shell: ``python -m django_creatify.sandbox --addr 127.0.0.1:8765 --jobs 50`` or
``manage.py creatify_sandbox``. pytest: the ``creatify_sandbox`` fixture.

The API, as Creatify does it
----------------------------
Both ``X-API-ID`` and ``X-API-KEY`` must match the sandbox's (``sandbox-id`` /
``sandbox-key`` by default), else 401 ``{"detail": ...}``. Errors follow Django REST
framework's shapes.

``GET /api/aurora/``
    A JSON array of every job, newest first. ``ids=`` takes up to 100 comma-separated
    UUIDs (more, or a malformed one: 400 ``{"ids": [...]}``; unknown ids are simply not
    returned). ``ordering=`` takes field names, ``-`` for descending, comma-separated;
    unknown names are ignored, like DRF's OrderingFilter.
``GET /api/aurora/<id>/``
    One job, or 404 ``{"detail": "Not found."}``.
``POST /api/aurora/``
    JSON, urlencoded or multipart body. ``audio`` (http(s) URL ending .mp3/.wav) and
    ``image`` (.png/.jpg/.jpeg/.webp) are required; ``name`` (<= 255, nullable),
    ``text_prompt``, ``prompt_guidance_scale`` (0..10, default 1), ``model_version``
    (``aurora_v1`` default, ``aurora_v1_fast`` or ``aurora_v2``), ``resolution`` (480p,
    720p, 1080p, 2k), ``ttl_days`` (an integer from 1), ``output_upload_url`` (http(s)) and
    ``webhook_url`` (<= 200, nullable) are optional; the three newest are kept on the job
    but, as Creatify does not document them on the object, not echoed. 400 names every
    bad field; 201 returns the new job, ``pending``.

Paths need their trailing slash: without it the answer is Django's plain HTML 404.

Every job carries every AuroraFlow property. A job moves with the sandbox clock: a few
seconds ``pending`` and ``in_queue``, then ``running`` for 11-40 seconds (its video's
length decides), ``progress`` rising from 0.0 to 1.0 in steps of 0.05, then ``done``
(with ``video_output``, ``preview``, ``duration`` in whole seconds, ``credits_used`` =
duration x the model's price per second (:mod:`django_creatify.pricing`), and
``editor_url``), ``failed`` (with
``failed_reason``, progress frozen) or ``rejected`` (straight from the queue).
``updated_at`` changes exactly when status or progress does. Jobs created through the API
end ``done`` unless ``sandbox.next_outcomes`` says otherwise; seeded and added jobs end as
their id decides (mostly ``done``). On reaching a final status a job's ``webhook_url`` gets
one POST of ``{"id", "status", "failed_reason", "video_output"}``.

The sandbox clock is: start time + real time x ``speed`` + ``advance()``; with
``manual_clock=True`` only ``advance()`` moves it, and ``speed=float("inf")`` (``--speed
instant``) finishes jobs as soon as they exist. Without a running server, webhooks go out
only from ``advance()``, ``add_job()`` and ``update_job()``; a server also checks every
0.1 s of real time.

Media, no credentials needed (they stand for signed CDN links):
``/media/image.png``, ``/media/audio.wav``, ``/media/video.mp4``, ``/media/preview.mp4``
(byte ranges supported) and the editor page ``/editor/<id>/?token=...``. Links in payloads
are built from the request's ``Host``, so they work on whatever port the server got.

Control endpoints (no credentials; JSON in and out; trailing slash optional)
-----------------------------------------------------------------------------
``GET /_sandbox/``                 the clock, the job count and this list
``POST /_sandbox/advance``         ``{"seconds": 30}``: move the clock, send due webhooks
``GET /_sandbox/jobs``             every job's payload
``POST /_sandbox/jobs``            ``{"count": 100, "seed": 1, ...fields}`` adds seeded
                                   jobs; any other object adds one job with those fields
``GET|PATCH /_sandbox/jobs/<id>``  read or change one job (like ``update_job``)
``POST /_sandbox/faults``          one fault spec or a list of them, e.g.
                                   ``{"kind": "status", "code": 503, "retry_after": 2}``,
                                   ``{"kind": "latency", "seconds": 1.5}``, ``{"kind":
                                   "truncate"}``, ``{"kind": "drop"}``, ``{"kind":
                                   "wrong_types"}``, ``{"kind": "body", "code": 200,
                                   "body": "{}"}``, ``{"kind": "endless", "seconds":
                                   0.01}``, ``{"kind": "slow", "seconds": 0.05,
                                   "chunk_bytes": 64}``; each may add ``method`` and
                                   ``path_prefix``
``GET|DELETE /_sandbox/faults``    list or clear queued faults
``POST /_sandbox/outcomes``        ``{"outcomes": ["failed"]}`` for the next created jobs
``GET|DELETE /_sandbox/requests``  the request log (keys redacted), or clear it
``GET /_sandbox/webhooks``         webhook deliveries so far
``POST /_sandbox/reset``           back to the initial seeded state

Control calls are not logged in ``requests`` and never hit faults.

Faults
------
Each request the fault matches (default: any ``/api/`` path) takes the next queued one:
``Fault.status(code, retry_after=..., body=...)`` an error answer as Creatify's load
balancer or API sends it; ``Fault.latency(s)`` the real answer, ``s`` seconds late;
``Fault.truncate()`` the real answer cut to half its body; ``Fault.drop()`` the connection
closed without a byte; ``Fault.wrong_types()`` a list whose items break the schema one way
each; ``Fault.body(status, raw)`` exactly these bytes; ``Fault.endless(pause=0)`` a 200
list that never ends (``[`` then items, 64 kB at a time, ``pause`` seconds apart, until
the client hangs up); ``Fault.slow(seconds, chunk_bytes=64)`` the real answer dripped
``chunk_bytes`` at a time, ``seconds`` apart. The last three send no Content-Length.
"""

from .app import Sandbox
from .faults import Fault, wrong_type_items
from .jobs import OMIT
from .messages import RecordedRequest
from .server import SandboxServer
from .webhooks import DeliveredWebhook

__all__ = [
    "OMIT",
    "DeliveredWebhook",
    "Fault",
    "RecordedRequest",
    "Sandbox",
    "SandboxServer",
    "wrong_type_items",
]
