"""Status transitions a sync wrote, announced after its transaction commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..signals import aurora_status_changed, job_status_changed
from .bulk import JobRow

logger = logging.getLogger("django_creatify.sync")


@dataclass(frozen=True, slots=True)
class Transition:
    row: JobRow
    previous_status: str | None
    status: str


def has_listeners(model) -> bool:
    return job_status_changed.has_listeners(model) or (
        _is_aurora(model) and aurora_status_changed.has_listeners(model)
    )


def announce(model, transitions: list[Transition]) -> None:
    family = model.family().name
    aurora = _is_aurora(model)
    for transition in transitions:
        job = instance(model, transition.row)
        change = {"previous_status": transition.previous_status, "status": transition.status}
        _report(
            job_status_changed,
            job,
            job_status_changed.send_robust(sender=model, job=job, family=family, **change),
        )
        if aurora:
            _report(
                aurora_status_changed,
                job,
                aurora_status_changed.send_robust(sender=model, flow=job, **change),
            )


def _report(signal, job, responses) -> None:
    name = "aurora_status_changed" if signal is aurora_status_changed else "job_status_changed"
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "%s receiver %r failed for job %s", name, receiver, job.pk, exc_info=response
            )


def _is_aurora(model) -> bool:
    return model._meta.object_name == "AuroraFlow"


def instance(model, row: JobRow):
    """The row as written, as a model instance for receivers; built only when announced."""
    return model(
        id=row.job.id,
        raw=row.job.raw,
        raw_digest=row.job.digest,
        synced_at=row.synced_at,
        editor_url_fetched_at=row.editor_url_fetched_at,
        missing_since=None,
        **row.job.values,
    )
