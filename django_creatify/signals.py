"""Signals a host site connects to.

``aurora_status_changed(sender=AuroraFlow, flow, previous_status, status)`` is sent after
the sync's transaction commits, once per real transition; a new row has
``previous_status=None``. A receiver that raises is logged and does not stop the sync.
"""

from django.dispatch import Signal

aurora_status_changed = Signal()
