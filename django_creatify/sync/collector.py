"""The cyclic garbage collector held off while a sync runs.

A sync allocates a great many small containers (decoded items, kept until written), and
each full pass of the collector walks every one of them and the rest of the process: on a
full sync of 10,000 jobs that holds objects, about a fifth of the time went to it.
Reference counting still frees everything a sync lets go of; only cycles wait until the
last running sync in the process ends, and the collector is left as it was found (a host
that keeps it off keeps it off).

Tuned for speed: ``benchmarks/sync_benchmark.py`` (full sync) guards it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_switched_off = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _running, _switched_off
    with _lock:
        if _running == 0:
            _switched_off = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _switched_off:
                gc.enable()
