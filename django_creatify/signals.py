"""Signals a host site connects to. Both are sent after the sync's transaction commits,
once per real status transition; a new row has ``previous_status=None``. A receiver that
raises is logged and does not stop the sync.

``job_status_changed(sender=<job model>, job, family, previous_status, status)``: every
family's jobs; ``sender`` is the model (``AuroraFlow``, ``Lipsync``, ``LipsyncV2``,
``AIShort``), so ``connect(receiver, sender=Lipsync)`` narrows it to one family;
``family`` is Creatify's path segment (``"lipsyncs"``).

``aurora_status_changed(sender=AuroraFlow, flow, previous_status, status)``: Aurora's jobs
only, sent after ``job_status_changed``.
"""

from django.dispatch import Signal

job_status_changed = Signal()
aurora_status_changed = Signal()
