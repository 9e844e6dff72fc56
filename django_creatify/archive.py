"""Copies of finished outputs in the site's own storage (``CREATIFY['ARCHIVE_STORAGE']``).

Creatify's output links are signed and expire; a copy keeps the video. A download is
streamed to an anonymous temporary file while it is hashed and counted, so a 10 GB video
never sits in memory, and only a whole, checked file reaches the storage, under a path
that depends on nothing but the job: ``creatify/<family>/<job_id>/<field><ext>``. The
:class:`~django_creatify.models.ArchivedOutput` row is written after the storage holds
the file; a failure anywhere leaves neither a row nor a file behind.

Called from a Celery task (:func:`django_creatify.tasks.archive_outputs`), from
``manage.py creatify_archive`` and from your code, never from a model, admin display or
template: it fetches over the network.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.files.storage import Storage, storages
from django.core.files.storage.handler import InvalidStorageError
from django.db import transaction
from django.utils import timezone

from . import locks
from .conf import creatify_settings
from .downloads import Limits, SpoolFile, download, spool
from .exceptions import ConfigurationError, CreatifyError, TransportError
from .families import Family, get_family

logger = logging.getLogger("django_creatify.archive")

#: What ``ARCHIVE_OUTPUTS`` may name; "video_output" (or "output") is each family's video.
VIDEO = "video_output"
KNOWN_OUTPUTS = frozenset({VIDEO, "output", "preview", "video_thumbnail", "image"})
# Two archivers of one job (a task and the command, two deliveries) would each delete
# and store the same path; the lease makes one wait its turn instead.
LEASE_SECONDS = 300
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


@dataclass
class ArchiveResult:
    family: str
    job_id: str
    archived: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    busy: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "job_id": self.job_id,
            "archived": self.archived,
            "kept": self.kept,
            "busy": self.busy,
        }


def archiving_enabled() -> bool:
    return bool(creatify_settings.ARCHIVE_STORAGE)


def archive_storage() -> Storage:
    alias = creatify_settings.ARCHIVE_STORAGE
    if not alias:
        raise ConfigurationError("Archiving is off: CREATIFY['ARCHIVE_STORAGE'] is not set")
    try:
        return storages[alias]
    except InvalidStorageError:
        raise ConfigurationError(
            f"CREATIFY['ARCHIVE_STORAGE'] names no storage in STORAGES: {alias!r}"
        ) from None


def chosen_fields(family: Family | str) -> list[str]:
    """The model fields of ``family`` whose files ``ARCHIVE_OUTPUTS`` asks to keep."""
    family = get_family(family)
    chosen: list[str] = []
    for name in creatify_settings.ARCHIVE_OUTPUTS or ():
        real = family.output_field if name in (VIDEO, "output") else name
        if real in family.fields and real not in chosen:
            chosen.append(real)
    return chosen


def storage_path(family: Family | str, job_id: uuid.UUID | str, field_name: str, ext: str) -> str:
    return f"creatify/{get_family(family).name}/{uuid.UUID(str(job_id))}/{field_name}{ext}"


def archive_job(
    family: Family | str,
    job_id: uuid.UUID | str,
    *,
    session: requests.Session | None = None,
    storage: Storage | None = None,
) -> ArchiveResult:
    """Copy the chosen outputs of one mirrored job that are not kept yet.

    Raises a :class:`~django_creatify.exceptions.CreatifyError` for the first output that
    fails (``transient`` when asking again may work); outputs copied before it stay.
    """
    family = get_family(family)
    job_id = uuid.UUID(str(job_id))
    storage = storage or archive_storage()
    result = ArchiveResult(family.name, str(job_id))
    fields = chosen_fields(family)
    if not fields:  # values() of no field would be every field, links of every kind
        return result
    urls = family.model._default_manager.filter(pk=job_id).values(*fields).first() or {}
    wanted = {name: url for name, url in urls.items() if is_http_url(url)}
    if not wanted:
        return result
    lease = f"django_creatify.archive:{family.name}:{job_id}"
    with locks.single_flight(lease, LEASE_SECONDS) as holder:
        if holder is None:
            result.busy = True
            return result
        own_session = session is None
        session = session or requests.Session()
        try:
            for name, url in wanted.items():
                if _is_kept(storage, family, job_id, name):
                    result.kept.append(name)
                else:
                    _archive_one(session, storage, family, job_id, name, url)
                    result.archived.append(name)
        finally:
            if own_session:
                session.close()
    return result


def _is_kept(storage: Storage, family: Family, job_id: uuid.UUID, name: str) -> bool:
    from .models import ArchivedOutput

    row = (
        ArchivedOutput.objects.filter(family=family.name, job_id=job_id, field=name)
        .values("path", "size")
        .first()
    )
    if row is None:
        return False
    try:
        return storage.exists(row["path"]) and storage.size(row["path"]) == row["size"]
    except Exception:
        # Unreadable now (a backend's own errors are not OSError): copy it again; if the
        # storage is really down, the save says so.
        logger.warning("Could not check the archived %s", row["path"], exc_info=True)
        return False


def _archive_one(session, storage, family: Family, job_id: uuid.UUID, name: str, url: str):
    from .models import ArchivedOutput

    with spool(creatify_settings.ARCHIVE_SPOOL_DIR) as handle:
        got = download(session, url, handle, what=f"{family.name} {name}", limits=_limits())
        size, digest, content_type = got.size, got.sha256, got.content_type
        path = storage_path(family, job_id, name, _extension(url, content_type))
        handle.seek(0)
        upload = SpoolFile(handle, name=PurePosixPath(path).name)
        upload.content_type = content_type or None
        try:
            # A file at the path with no good row is a leftover (a crash between the save
            # and the row, or a copy gone bad): replace it rather than store beside it.
            if storage.exists(path):
                storage.delete(path)
            saved = storage.save(path, upload)
        except Exception as exc:
            _delete_quietly(storage, path)
            raise TransportError(f"Storing {family.name} {name} of {job_id} failed: {exc}") from exc
    previous = None
    try:
        with transaction.atomic():
            previous = (
                ArchivedOutput.objects.select_for_update()
                .filter(family=family.name, job_id=job_id, field=name)
                .values_list("path", flat=True)
                .first()
            )
            ArchivedOutput.objects.update_or_create(
                family=family.name,
                job_id=job_id,
                field=name,
                defaults={
                    "path": saved,
                    "size": size,
                    "sha256": digest,
                    "content_type": content_type[:255],
                    "archived_at": timezone.now(),
                },
            )
    except BaseException:
        _delete_quietly(storage, saved)
        raise
    if previous and previous != saved:
        _delete_quietly(storage, previous)  # the copy this one replaces, under another name
    logger.info("Archived %s %s of job %s: %s (%d bytes)", family.name, name, job_id, saved, size)


def _extension(url: str, content_type: str) -> str:
    match = _EXTENSION.search(urlsplit(url).path)
    if match:
        return match[0].lower()
    guessed = mimetypes.guess_extension(content_type) if content_type else None
    return guessed or ""


def _limits() -> Limits:
    value = creatify_settings.ARCHIVE_TIMEOUT
    if isinstance(value, int | float):
        timeout = float(value), float(value)
    else:
        connect, read = value
        timeout = float(connect), float(read)
    return Limits(
        max_bytes=int(creatify_settings.ARCHIVE_MAX_BYTES),
        timeout=timeout,
        deadline=float(creatify_settings.ARCHIVE_DEADLINE),
    )


def is_http_url(url: Any) -> bool:
    return isinstance(url, str) and urlsplit(url).scheme in ("http", "https")


def _delete_quietly(storage: Storage, path: str) -> None:
    try:
        storage.delete(path)
    except Exception:
        logger.exception("Could not delete the partly archived file %s", path)


def queue_archive(family: str, job_ids: list[uuid.UUID]) -> None:
    """Queue :func:`~django_creatify.tasks.archive_outputs` for each job; called after the
    sync's commit. A job not queued is logged and left to ``creatify_archive --missing``."""
    from .tasks import archive_outputs

    for job_id in job_ids:
        try:
            archive_outputs.apply_async(args=[family, str(job_id)])
        except CreatifyError:
            pass  # inline, the task ran here and has logged its failure
        except Exception:
            logger.exception("Could not queue the archive of %s job %s", family, job_id)


__all__ = [
    "KNOWN_OUTPUTS",
    "ArchiveResult",
    "archive_job",
    "archive_storage",
    "archiving_enabled",
    "chosen_fields",
    "queue_archive",
    "storage_path",
]
