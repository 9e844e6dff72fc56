"""A local stand-in for Creatify's API, on the standard library alone.

It serves every Creatify job family with a list call: Aurora (``/api/aurora/``), Lipsync
v1 (``/api/lipsyncs/``), Lipsync v2 (``/api/lipsyncs_v2/``) and AI Shorts
(``/api/ai_shorts/``). Use it from tests, from the demo and from benchmarks instead of
the real service::

    from django_creatify.sandbox import Fault, Sandbox

    sandbox = Sandbox(jobs=20, seed=1, manual_clock=True)
    with sandbox.serve() as server:          # a threaded server on a free loopback port
        ...                                  # point CREATIFY["BASE_URL"] at server.url
        sandbox.advance(30)                  # jobs move on; due webhooks are sent now
        sandbox.inject(Fault.status(503), Fault.status(429, retry_after=2))
        sandbox.add_job("lipsyncs", status="running")

A sandbox keeps its jobs in memory; ``restore_jobs(sandbox, family, payloads)`` puts back
jobs as an earlier sandbox served them (a site's mirror, say), finished ones as they
were and unfinished ones carrying on (:mod:`~django_creatify.sandbox.restore`).

From a shell: ``python -m django_creatify.sandbox --addr 127.0.0.1:8765 --jobs 50`` or
``manage.py creatify_sandbox``. pytest: the ``creatify_sandbox`` fixture.

Python calls that take a ``family`` (``aurora``, ``lipsyncs``, ``lipsyncs_v2``,
``ai_shorts``: the keys of :data:`FAMILIES`) default to Aurora, as ``len(sandbox)`` counts
Aurora jobs; ``count(None)`` counts them all. Calls on one job (``job``, ``update_job``,
``render``) work whatever its family. ``Sandbox(jobs=N)`` seeds N Aurora jobs and a
handful (``family_jobs``, default N up to 6) in each other family.

The API, as Creatify does it
----------------------------
Both ``X-API-ID`` and ``X-API-KEY`` must match the sandbox's (``sandbox-id`` /
``sandbox-key`` by default), else 401 ``{"detail": ...}``. Errors follow Django REST
framework's shapes. ``<family>`` below is a path segment above; a job is found only
under its own family's path (elsewhere: 404, and never listed).

``GET /api/<family>/``
    A JSON array of the family's jobs, newest first. ``ids=`` takes up to 100
    comma-separated UUIDs (more, or a malformed one: 400 ``{"ids": [...]}``; unknown ids
    are simply not returned). On aurora and ai_shorts, ``ordering=`` takes field names,
    ``-`` for descending, comma-separated; unknown names are ignored, like DRF's
    OrderingFilter. Lipsyncs and lipsyncs_v2 document no ``ordering`` and ignore it.
``GET /api/<family>/<id>/``
    One job, or 404 ``{"detail": "Not found."}``.
``POST /api/<family>/``
    A direct create: JSON, urlencoded or multipart body, checked before anything is
    stored; 400 names every bad field (``non_field_errors`` for a rule across fields);
    201 returns the new job, ``pending``. It ends with its video.
``POST /api/<family>/preview/`` (lipsyncs, lipsyncs_v2, ai_shorts)
    The same body and checks; 200 with a new job, ``pending``. It ends with a
    ``preview`` and no video.
``POST /api/<family>/<id>/render/`` (lipsyncs, lipsyncs_v2, ai_shorts)
    No body. Only a preview job whose status is ``done`` can be rendered (otherwise 400
    ``{"detail": ...}`` saying why); 200 with the job, which lives again on the same id
    from ``pending`` and ends ``done`` with its video, keeping its preview.

Creatify does not say what status a finished preview shows. Here it is ``done``: a
preview job goes ``pending``, ``in_queue``, ``running``, ``done`` with ``preview`` (and
``duration``, ``editor_url``) filled and its video field null; its render starts a
second life, again through ``pending``. A preview may also end ``failed`` or ``rejected``
(``sandbox.next_outcomes`` decides, as for creates and renders).

Create rules, per family:

aurora
    ``audio`` (http(s) URL ending .mp3/.wav) and ``image`` (.png/.jpg/.jpeg/.webp) are
    required; ``name`` (<= 255, nullable), ``text_prompt``, ``prompt_guidance_scale``
    (0..10, default 1), ``model_version`` (``aurora_v1`` default, ``aurora_v1_fast`` or
    ``aurora_v2``), ``resolution`` (480p, 720p, 1080p, 2k), ``ttl_days`` (an integer from
    1), ``output_upload_url`` (http(s)) and ``webhook_url`` (<= 200, nullable) are
    optional; the three newest are kept on the job but, as Creatify does not document
    them on the object, not echoed.
lipsyncs
    ``audio`` (an http(s) URL, served as ``audio_url``) or ``text`` (<= 3600) is
    required; ``name`` (<= 255), ``creator`` and ``accent`` (UUIDs), ``aspect_ratio``
    (16x9, 1x1, 9x16), ``model_version`` (``standard`` default, ``aurora_v1``,
    ``aurora_v1_fast``), ``green_screen``, ``transparent_background``, ``no_caption``,
    ``no_music`` (booleans), ``caption_style`` (the 18 documented styles),
    ``caption_position`` (``center``), ``caption_offset_x``/``_y`` (-0.5..0.5, served as
    strings), ``background_asset_image_url`` (<= 1024) and ``webhook_url``.
lipsyncs_v2
    ``video_inputs`` is required: a non-empty array of scene objects (``voice.input_text``
    <= 2000); ``name``, ``aspect_ratio`` (``9x16`` default), ``model_version`` (as v1),
    ``webhook_url``, and ``background_music``/``cta_end`` (kept, not echoed).
ai_shorts
    ``aspect_ratio`` (9x16, 16x9, 1x1), ``script`` and ``style`` (``4K realistic``,
    ``3D``, ``Cinematic``, ``Cartoonish``, ``Line art``, ``Pixel art``, ``Mysterious``,
    ``Steam punk``, ``Collage``, ``Kawaii``) are required; ``name``, ``accent``,
    ``caption_setting`` (any JSON), ``background_music_url`` (<= 255),
    ``background_music_volume`` and ``voiceover_volume`` (0..1) and ``webhook_url``.

Paths need their trailing slash: without it the answer is Django's plain HTML 404.

Every job carries every property of its family's object, in the schema's order. A job
moves with the sandbox clock: at speed 1, a few seconds ``pending`` and ``in_queue``,
then ``running`` for 11-40 seconds (its video's length decides), progress rising from 0.0
to 1.0 in steps of 0.05, then ``done`` (with its video, ``preview``, ``duration`` in whole
seconds, ``credits_used`` and ``editor_url``), ``failed`` (with ``failed_reason``,
progress frozen) or ``rejected`` (straight from the queue). ``progress`` is a number on
aurora and ai_shorts and a two-decimal string (``"0.45"``) on lipsyncs and lipsyncs_v2.
The video is ``video_output`` on aurora and ai_shorts, ``output`` (with a
``video_thumbnail``) on the lipsync families. ``updated_at`` changes exactly when status
or progress does. Jobs created through the API end ``done`` unless
``sandbox.next_outcomes`` says otherwise; seeded and added jobs end as their id decides
(mostly ``done``). Each time a job reaches a final status (a preview, then its render:
twice) its ``webhook_url`` gets one POST of ``{"id", "status", "failed_reason", <video
field>}``, the video field being ``output`` on the lipsync families and ``video_output``
elsewhere.

Credits, once done: aurora, the model's price per second of audio
(:mod:`django_creatify.pricing`); lipsyncs and lipsyncs_v2, by ``model_version``
(``standard`` 5 credits per started 30 s, ``aurora_v1`` 1 per second, ``aurora_v1_fast``
0.5 per second); a preview 1 credit per started 30 s and its render 4 more; an ai_shorts
direct create what a preview and its render cost together. Integers on the families whose
schema says so (all but aurora), a fraction rounded up. Failed steps cost nothing.

The sandbox clock is: start time + real time + ``advance()``, so the dates it serves are
real ones, never in the future; with ``manual_clock=True`` only ``advance()`` moves it.
``speed`` makes jobs move faster, not the clock: every time a job spends ``pending``,
``in_queue`` and ``running`` is divided by it (``Sandbox(speed=3)``: a 30-second run takes
10 seconds), and ``speed=float("inf")`` (``--speed instant``) finishes jobs as soon as
they exist. Without a running server, webhooks go out only from ``advance()``,
``add_job()``, ``update_job()`` and ``render()``; a server also checks every 0.1 s of
real time.

Media, no credentials needed (they stand for signed CDN links):
``/media/image.png``, ``/media/audio.wav``, ``/media/video.mp4``, ``/media/preview.mp4``,
``/media/thumbnail.png`` (byte ranges supported) and the editor page
``/editor/<id>/?token=...``. Links in payloads are built from the request's ``Host``, so
they work on whatever port the server got, and name their job (``?job=<id>``).

A finished job's video, preview and thumbnail age out like a CDN's: once its retention
has passed, counted on the sandbox clock from when it finished (or from the sandbox's
start, for jobs that finished before it), they answer 403 with a short XML body, while
the payload keeps the dead link. Retention is the job's ``ttl_days`` when it was created
with one, else ``Sandbox(retention_days=7)`` (``--retention-days``).

A job created with ``output_upload_url`` that ends ``done`` has its video PUT there
(``Content-Type: video/mp4``) once, when its webhook would go, and still carries its
video link: the upload is a copy, the link keeps working until retention ends
(:mod:`~django_creatify.sandbox.uploads`). ``sandbox.uploads`` records every attempt.

``GET /api/remaining_credits/`` (authenticated) answers ``{"remaining_credits": <float>}``:
the balance the sandbox was given (``Sandbox(credits=...)``, ``--credits``, default
100000; ``sandbox.credits = 12.5`` sets it) less what creates, previews and renders were
charged, each the ``credits_used`` its step shows once done, given back if it fails. A
step costing more than is left is refused with 400 ``{"detail": "Insufficient credits:
..."}`` and nothing is stored (:mod:`~django_creatify.sandbox.credits` says why 400).

Control endpoints (no credentials; JSON in and out; trailing slash optional)
-----------------------------------------------------------------------------
``GET /_sandbox/``                 the clock, the job counts and this list
``POST /_sandbox/advance``         ``{"seconds": 30}``: move the clock, send due webhooks
``GET /_sandbox/jobs``             every job's payload (``?family=lipsyncs``; aurora
                                   by default)
``POST /_sandbox/jobs``            ``{"count": 100, "seed": 1, ...fields}`` adds seeded
                                   jobs; any other object adds one job with those fields;
                                   ``"family"`` picks the family (aurora by default)
``GET|PATCH /_sandbox/jobs/<id>``  read or change one job (like ``update_job``)
``POST /_sandbox/jobs/<id>/render`` ``{"outcome": "failed"}`` optional: like ``render``
``POST /_sandbox/finish``          ``{"status": "done", "family": null}``: like
                                   ``finish_all``
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
``GET /_sandbox/uploads``          uploads to ``output_upload_url`` so far
``GET|PUT /_sandbox/credits``      ``{"credits": 500}``: read or set the balance
``POST /_sandbox/reset``           back to the initial seeded state

Control calls are not logged in ``requests`` and never hit faults.

Faults
------
Each request the fault matches (default: any ``/api/`` path; ``path_prefix="/api/lipsyncs/"``
for one family, the trailing slash keeping ``lipsyncs_v2`` out) takes the next queued one:
``Fault.status(code, retry_after=..., body=...)`` an error answer as Creatify's load
balancer or API sends it; ``Fault.latency(s)`` the real answer, ``s`` seconds late;
``Fault.truncate()`` the real answer cut to half its body; ``Fault.drop()`` the connection
closed without a byte; ``Fault.wrong_types()`` a list whose items break the schema of the
family asked for, one way each; ``Fault.body(status, raw)`` exactly these bytes;
``Fault.endless(pause=0)`` a 200 list that never ends (``[`` then items, 64 kB at a time,
``pause`` seconds apart, until the client hangs up); ``Fault.slow(seconds,
chunk_bytes=64)`` the real answer dripped ``chunk_bytes`` at a time, ``seconds`` apart.
The last three send no Content-Length.
"""

from .app import Sandbox
from .families import FAMILIES
from .faults import Fault, wrong_type_items
from .jobs import OMIT
from .messages import RecordedRequest
from .restore import restore_jobs
from .server import SandboxServer
from .webhooks import DeliveredWebhook

__all__ = [
    "FAMILIES",
    "OMIT",
    "DeliveredWebhook",
    "Fault",
    "RecordedRequest",
    "Sandbox",
    "SandboxServer",
    "restore_jobs",
    "wrong_type_items",
]
