"""The ``CREATIFY`` settings dict, read lazily and re-read when a test changes it.

Modelled on DRF's ``api_settings``: defaults live here, the host overrides any key in
``settings.CREATIFY``, and import strings are resolved on first use.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    "API_ID": None,
    "API_KEY": None,
    "BASE_URL": "https://api.creatify.ai",
    # (connect, read) seconds; a single number applies to both.
    "TIMEOUT": (5.0, 30.0),
    # Extra attempts after the first, for connection errors, 429 and 502/503/504.
    "MAX_RETRIES": 3,
    "BACKOFF_BASE": 0.5,
    "BACKOFF_MAX": 30.0,
    # A Retry-After longer than this is cut to it, so a hostile header cannot park a worker.
    "RETRY_AFTER_MAX": 120.0,
    # Rows per read-compare-write round trip in sync.py.
    "SYNC_BATCH_SIZE": 1000,
    # A list response larger than this (PayloadError), or still arriving this many seconds
    # after its first attempt was sent, retries included (TransportError), is abandoned
    # before any row changes: an endless, giant or dripping body.
    "SYNC_MAX_BODY_BYTES": 1024**3,
    "SYNC_DEADLINE": 300.0,
    # One listed item larger than this is skipped with a reason instead of decoded; it is
    # never held whole. (Items nested deeper than 64 levels are skipped too.)
    "SYNC_MAX_ITEM_BYTES": 1024**2,
    # A complete listing that would mark more than this share of the mirrored jobs missing
    # (or any empty listing) is taken for a glitch: nothing is marked, an error is logged.
    "SYNC_MISSING_MAX_SHARE": 0.5,
    # Creatify's editor links expire this many seconds after they are handed out.
    "EDITOR_URL_TTL": 24 * 60 * 60,
    # Celery tasks (tasks.py, schedule.py): retries of transient failures through the broker.
    "TASK_MAX_RETRIES": 5,
    "TASK_RETRY_BACKOFF": 10.0,
    "TASK_RETRY_BACKOFF_MAX": 600.0,
    # A full sync's lease, renewed while its holder runs: how long a killed worker can keep
    # others from syncing.
    "SYNC_LOCK_TIMEOUT": 60,
    # A queued single-job refresh absorbs repeat requests for this long, or until it starts.
    "REFRESH_COALESCE_TIMEOUT": 60,
    # Beat schedule: seconds between active refreshes, and between full syncs.
    "ACTIVE_REFRESH_INTERVAL": 30,
    "FULL_SYNC_INTERVAL": 60 * 60,
    # The webhook path's secret segment; a list or tuple accepts each (for rotation).
    "WEBHOOK_SECRET": None,
    # The site's public origin, e.g. "https://example.com"; with a secret set, jobs created
    # through the API or admin get this site's webhook URL automatically.
    "WEBHOOK_BASE_URL": None,
    "WEBHOOK_MAX_BODY_BYTES": 64 * 1024,
    "WEBHOOK_RETENTION_DAYS": 30,
    # Hints are batched: one queued drain re-reads every hinted job (100 ids a request) at
    # most once per this many seconds; inline, hints within it wait for the next drain.
    # 0: a drain per hint.
    "WEBHOOK_BATCH_INTERVAL": 5.0,
    # Jobs with a hint waiting; past this the receiver answers 503 and stores nothing.
    "WEBHOOK_MAX_PENDING": 10_000,
    # Hosts a non-staff API user may name in a job's webhook_url (default: none may).
    "WEBHOOK_URL_ALLOWED_HOSTS": [],
    "API_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    # True: a non-staff user sees, reads and refreshes only the jobs they created.
    "API_OWNER_SCOPED": False,
    # Bounds on the API's query parameters: a longer one, or more search terms, is a 400.
    "API_MAX_PARAM_LENGTH": 200,
    "API_MAX_SEARCH_TERMS": 10,
    # Aurora model versions Creatify added after this release, accepted on create:
    # {"aurora_v3": 1.2} (credits per second, for the estimate; None if unknown).
    "AURORA_EXTRA_MODEL_VERSIONS": {},
    # Credits: below this balance a read of it (credits.read_balance: the admin overview,
    # the check_credits task) logs a warning and sends signals.credits_low; None: never.
    "CREDITS_WARNING_THRESHOLD": None,
    # A balance read is reused this long, so pages cost Creatify one call per period at most.
    "CREDITS_CACHE_SECONDS": 60,
    # The job families to mirror, by Creatify's path segment ("aurora", "lipsyncs",
    # "lipsyncs_v2", "ai_shorts"); None mirrors every one.
    "FAMILIES": None,
    # An alias in Django's STORAGES that keeps copies of finished outputs (archive.py);
    # None: nothing is copied, Creatify's links are all the site has once they expire.
    "ARCHIVE_STORAGE": None,
    # Which outputs to copy: "video_output" means each family's video field (``output``
    # on the lipsync families); also "preview", "video_thumbnail" and Aurora's input
    # "image". A family without the field has nothing to copy for it.
    "ARCHIVE_OUTPUTS": ["video_output"],
    # A download larger than this is abandoned (PayloadError) and nothing is stored.
    "ARCHIVE_MAX_BYTES": 10 * 1024**3,
    # (connect, read) seconds for a download; read bounds each wait for bytes, not the
    # whole transfer, so a large file on a slow link still arrives.
    "ARCHIVE_TIMEOUT": (10.0, 60.0),
    # A download still arriving this many seconds after it began is abandoned
    # (TransportError, retried later): a host that drips bytes cannot hold a worker.
    "ARCHIVE_DEADLINE": 2 * 60 * 60,
    # Where a download is spooled before it is stored (None: the system's temporary
    # directory). On the filesystem of a FileSystemStorage's location, the finished file
    # is moved into place instead of copied: one write of a large video instead of two.
    "ARCHIVE_SPOOL_DIR": None,
    # How the admin and API link an archived copy: "view" streams it through the app to
    # those who may read the job (for private storages); "storage" links the storage's
    # own URL (public media, a CDN, S3's signed URLs).
    "ARCHIVE_SERVE": "view",
    # Creatify keeps outputs "at least 7 days": a finished job older than this (or than
    # the ttl_days Creatify echoes) with no archived copy is shown as expired, not played.
    "OUTPUT_RETENTION_DAYS": 7,
}

ENV_FALLBACKS = {"API_ID": "CREATIFY_API_ID", "API_KEY": "CREATIFY_API_KEY"}
IMPORT_STRINGS = {"API_PERMISSION_CLASSES"}


class CreatifySettings:
    """Attribute access to the merged settings; values are cached until ``reload()``."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    @property
    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "CREATIFY", None) or {}
        if not isinstance(value, dict):
            raise TypeError("settings.CREATIFY must be a dict")
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in DEFAULTS:
            raise AttributeError(f"Invalid CREATIFY setting: {name!r}")
        if name in self._cache:
            return self._cache[name]
        value = self.user_settings.get(name, DEFAULTS[name])
        if value in (None, "") and name in ENV_FALLBACKS:
            value = os.environ.get(ENV_FALLBACKS[name]) or None
        if name in IMPORT_STRINGS:
            value = [import_string(item) if isinstance(item, str) else item for item in value]
        self._cache[name] = value
        return value

    @property
    def timeout(self) -> tuple[float, float]:
        value = self.TIMEOUT
        if isinstance(value, int | float):
            return (float(value), float(value))
        connect, read = value
        return (float(connect), float(read))

    def reload(self) -> None:
        self._cache.clear()

    def __repr__(self) -> str:
        # Never print the key, even in a debugger.
        return "<CreatifySettings>"


creatify_settings = CreatifySettings()


@receiver(setting_changed)
def _reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "CREATIFY":
        creatify_settings.reload()
