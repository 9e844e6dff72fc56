"""Signals a host site connects to. Both are sent after the sync's transaction commits,
once per real status transition; a new row has ``previous_status=None``. A receiver that
raises is logged and does not stop the sync.

``job_status_changed(sender=<job model>, job, family, previous_status, status)``: every
family's jobs; ``sender`` is the model (``AuroraFlow``, ``Lipsync``, ``LipsyncV2``,
``AIShort``), so ``connect(receiver, sender=Lipsync)`` narrows it to one family;
``family`` is Creatify's path segment (``"lipsyncs"``).

``aurora_status_changed(sender=AuroraFlow, flow, previous_status, status)``: Aurora's jobs
only, sent after ``job_status_changed``.

``credits_low(sender=CreatifyClient, remaining, threshold)``: a balance read from Creatify
(:func:`django_creatify.credits.read_balance`) is below ``CREDITS_WARNING_THRESHOLD``.
Sent once per read, not per cached use of it; a receiver that raises is logged.
"""

from django.dispatch import Signal

job_status_changed = Signal()
aurora_status_changed = Signal()
credits_low = Signal()
