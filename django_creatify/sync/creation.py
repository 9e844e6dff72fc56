"""Creating jobs at Creatify, then mirroring Creatify's answer through the sync.

A family makes a job in one call (``create``) or, where it documents them, in two: a
``preview`` that makes the job with a preview to look at, then a ``render`` of that job
into the final video. Each call's answer is the job as Creatify now has it, written
through the same pipeline as a listing.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ..client import CreatifyClient
from ..exceptions import PayloadError
from ..families import AURORA, CREATE, PREVIEW, RENDER, Family, get_family
from ..payloads import create_body
from ..webhook_urls import default_webhook_url
from .pipeline import apply_payloads

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from ..models import CreatifyJob


def create_job(
    family: Family | str,
    *,
    step: str = CREATE,
    created_by: AbstractBaseUser | None = None,
    client: CreatifyClient | None = None,
    **fields: Any,
) -> CreatifyJob:
    """Create a job at Creatify (``step`` ``create`` or ``preview``) from the family's
    create fields and mirror Creatify's answer.

    Without an explicit ``webhook_url``, a job gets this site's webhook endpoint when
    ``WEBHOOK_BASE_URL`` and a secret are configured.
    """
    family = get_family(family)
    if step not in (CREATE, PREVIEW) or step not in family.steps:
        raise ValueError(f"{family.label} jobs cannot be made by {step!r}")
    body = create_body(family, **fields)
    if "webhook_url" not in body and (own_webhook := default_webhook_url(family)):
        body["webhook_url"] = own_webhook
    with _client(client) as remote:
        created = remote.create_job(family.path, body, preview=step == PREVIEW)
    return record_created_job(family, created, created_by=created_by)


def render_job(
    family: Family | str, job_id: str | uuid.UUID, *, client: CreatifyClient | None = None
) -> CreatifyJob:
    """Ask Creatify to render a previewed job; mirror the job as Creatify answers."""
    family = get_family(family)
    if RENDER not in family.steps:
        raise ValueError(f"{family.label} jobs have no render step")
    with _client(client) as remote:
        rendered = remote.render_job(family.path, job_id)
    return record_created_job(family, rendered)


def record_created_job(
    family: Family | str, payload: dict[str, Any], *, created_by: AbstractBaseUser | None = None
) -> CreatifyJob:
    """Mirror a job Creatify just made or changed (its answer) and note who asked for it."""
    family = get_family(family)
    result = apply_payloads(family, [payload])
    if result.skipped:
        raise PayloadError(
            f"Creatify's answer to a create is unreadable: {result.skipped_items[0]}"
        )
    job_id = uuid.UUID(str(payload["id"]))
    rows = family.model._default_manager
    if created_by is not None:
        # A separate write: created_by is the site's own fact, never part of a sync's fields.
        rows.filter(pk=job_id, created_by__isnull=True).update(created_by=created_by)
    return rows.get(pk=job_id)


def create_aurora_flow(
    *,
    created_by: AbstractBaseUser | None = None,
    client: CreatifyClient | None = None,
    **fields: Any,
) -> CreatifyJob:
    """Create an Aurora job: :func:`create_job` of the Aurora family."""
    return create_job(AURORA, created_by=created_by, client=client, **fields)


def record_created_flow(
    payload: dict[str, Any], *, created_by: AbstractBaseUser | None = None
) -> CreatifyJob:
    return record_created_job(AURORA, payload, created_by=created_by)


class _client:
    """The caller's client, or one of our own closed afterwards."""

    def __init__(self, client: CreatifyClient | None) -> None:
        self.given = client
        self.client = client

    def __enter__(self) -> CreatifyClient:
        if self.client is None:
            self.client = CreatifyClient()
        return self.client

    def __exit__(self, *exc_info: object) -> None:
        if self.given is None and self.client is not None:
            self.client.close()
