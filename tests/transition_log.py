"""Every ``aurora_status_changed`` a process sends, appended as a line to one shared file.

For the concurrency soak (``tests/reliability/test_concurrency_soak.py``): its Celery workers
import this module (``CELERY_IMPORTS`` in ``tests/celery_worker_settings.py``, when
``CREATIFY_TRANSITIONS_FILE`` is set) and the test process connects a
:class:`TransitionLog` itself, so the transitions of every process land in one file.

Each line is ``pid flow_id previous status`` (``-`` for no previous status), written with
one ``write()`` on an ``O_APPEND`` descriptor: lines from concurrent processes never
interleave. Lines are in the order receivers ran, which across processes need not be the
order of the commits; read them as a set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django_creatify.signals import aurora_status_changed

ENV = "CREATIFY_TRANSITIONS_FILE"
NONE = "-"


@dataclass(frozen=True)
class Recorded:
    pid: int
    flow_id: str
    previous: str | None
    status: str


class TransitionLog:
    """A signal receiver that appends each transition to ``path``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def __call__(self, sender, flow, previous_status, status, **kwargs) -> None:
        line = f"{os.getpid()} {flow.pk} {previous_status or NONE} {status}\n".encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def connect(self) -> None:
        # Any sender: no model import needed, so this works before apps are ready.
        aurora_status_changed.connect(self, weak=False, dispatch_uid=self._uid)

    def disconnect(self) -> None:
        aurora_status_changed.disconnect(dispatch_uid=self._uid)

    @property
    def _uid(self) -> str:
        return f"tests.transition_log:{self.path}"


def read(path: str | os.PathLike) -> list[Recorded]:
    path = Path(path)
    if not path.exists():
        return []
    recorded = []
    for line in path.read_text().splitlines():
        pid, flow_id, previous, status = line.split(" ")
        recorded.append(Recorded(int(pid), flow_id, None if previous == NONE else previous, status))
    return recorded


if os.environ.get(ENV):
    TransitionLog(os.environ[ENV]).connect()
