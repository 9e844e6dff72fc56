"""Status transitions a sync wrote, announced after its transaction commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .bulk import FlowRow
from .models import AuroraFlow
from .signals import aurora_status_changed

logger = logging.getLogger("django_creatify.sync")


@dataclass(frozen=True, slots=True)
class Transition:
    row: FlowRow
    previous_status: str | None
    status: str


def announce(transitions: list[Transition]) -> None:
    for transition in transitions:
        flow = instance(transition.row)
        responses = aurora_status_changed.send_robust(
            sender=AuroraFlow,
            flow=flow,
            previous_status=transition.previous_status,
            status=transition.status,
        )
        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error(
                    "aurora_status_changed receiver %r failed for job %s",
                    receiver,
                    flow.pk,
                    exc_info=response,
                )


def instance(row: FlowRow) -> AuroraFlow:
    """The row as written, as a model instance for receivers; built only when announced."""
    return AuroraFlow(
        id=row.flow.id,
        raw=row.flow.raw,
        raw_digest=row.flow.digest,
        synced_at=row.synced_at,
        editor_url_fetched_at=row.editor_url_fetched_at,
        missing_since=None,
        **row.flow.values,
    )
