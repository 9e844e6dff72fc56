"""Status transitions a sync wrote, announced after its transaction commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..archive import archiving_enabled, queue_archive
from ..signals import aurora_status_changed, job_status_changed
from ..statuses import DONE
from .bulk import JobRow

if TYPE_CHECKING:
    from django.dispatch import Signal

    from ..models import CreatifyJob

logger = logging.getLogger("django_creatify.sync")


@dataclass(frozen=True, slots=True)
class Transition:
    row: JobRow
    previous_status: str | None
    status: str

    @classmethod
    def creation(cls, row: JobRow) -> Transition:
        """A new row: no previous status."""
        return cls(row, None, row.job.values["status"])


def has_listeners(model: type[CreatifyJob]) -> bool:
    """Whether a sync must work out its transitions: for a receiver, or for the archive,
    which copies a job's outputs once it is done."""
    return (
        archiving_enabled()
        or job_status_changed.has_listeners(model)
        or (_is_aurora(model) and aurora_status_changed.has_listeners(model))
    )


def announce(model: type[CreatifyJob], transitions: list[Transition]) -> None:
    family = model.family().name
    aurora = _is_aurora(model)
    if job_status_changed.has_listeners(model) or aurora_status_changed.has_listeners(model):
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
    # After the receivers: inline (no workers) the copy runs here and takes a while.
    if archiving_enabled():
        done = [transition.row.job.id for transition in transitions if transition.status == DONE]
        if done:
            queue_archive(family, done)


def _report(signal: Signal, job: CreatifyJob, responses: list[tuple[Any, Any]]) -> None:
    name = "aurora_status_changed" if signal is aurora_status_changed else "job_status_changed"
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "%s receiver %r failed for job %s", name, receiver, job.pk, exc_info=response
            )


def _is_aurora(model: type[CreatifyJob]) -> bool:
    return model._meta.object_name == "AuroraFlow"


def instance(model: type[CreatifyJob], row: JobRow) -> CreatifyJob:
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
