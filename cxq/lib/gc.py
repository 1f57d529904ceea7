"""Garbage-collector settings for bulk work (imports, enrichment batches).

A bulk batch allocates millions of small objects that live until the batch is written (validated
payloads, utterances, hits). CPython's cyclic collector is triggered by allocation counts and then
walks every tracked object of the generations it collects, so with the default thresholds a batch of
500 interactions spends a large share of its time in collections that free nothing (measured: parsing
648 → 195 µs per interaction). None of these objects form cycles that need collecting mid-batch, so
for the duration of the work the collector runs far less often, and objects that already existed are
frozen out of its walks. Everything is restored afterwards, and the collector still runs.

The settings are process-wide, and a web process serves requests in threads: overlapping uses (two
bulk API calls at once) share one relaxed period, from the first entry to the last exit.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLDS = (50_000, 20, 100)

_lock = threading.Lock()


class _Relaxed:
    """How many bulk jobs of this process are inside :func:`bulk_gc`, and what to restore."""

    depth = 0
    before: tuple[int, ...] = ()
    startup_frozen = False  # freeze_startup() ran: what a bulk job unfreezes is frozen again after it


def freeze_startup() -> None:
    """Take what the process has loaded so far (Django, the apps, their modules and caches: ~220,000
    objects) out of the cyclic collector's walks, once it is ready to serve (cxq/wsgi.py).

    With them tracked, every full collection walked them all: 70–135 ms pauses that landed on whichever
    request allocated past the threshold, the 95th percentile of list pages and API calls
    (docs/performance.md#pauses-of-the-garbage-collector). Frozen objects are still freed by reference
    counting; only cycles among them are never collected, and startup objects live as long as the process.
    """
    with _lock:
        gc.collect()
        gc.freeze()
        _Relaxed.startup_frozen = True


@contextmanager
def bulk_gc() -> Iterator[None]:
    with _lock:
        if _Relaxed.depth == 0:
            _Relaxed.before = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*BULK_THRESHOLDS)
        _Relaxed.depth += 1
    try:
        yield
    finally:
        with _lock:
            _Relaxed.depth -= 1
            if _Relaxed.depth == 0:
                gc.set_threshold(*_Relaxed.before)
                gc.unfreeze()
                if _Relaxed.startup_frozen:  # the batch's garbage goes first, what lives on is frozen again
                    gc.collect()
                    gc.freeze()
