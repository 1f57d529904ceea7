"""Keeping the background worker alive next to the web server (``cxq serve``).

The web server is what people use; a worker that dies (killed for memory, a crash in a native
library) must not take it down, and queued jobs wait safely until a worker runs again. So:

1. The web server and the worker are started; each loop ``tick`` looks at both.
2. If the worker has exited, the crash is logged at ERROR level (pid, exit code or signal, how many
   restarts so far, the delay before the next one) and a restart is scheduled after a delay that
   doubles with each crash in a row: 1 s, 2 s, 4 s … at most 60 s, so a worker that cannot start does
   not spin. A worker that ran for ``stable_after`` seconds before dying starts the series again.
3. If the web server has exited, ``tick`` returns False and the caller stops everything and exits
   non-zero: there is nothing left to serve, and a service manager can restart the whole.
4. ``stop`` (Ctrl-C, SIGTERM) sends SIGTERM to both, waits, and kills whatever is still running.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger("cxq.serve")


class Process(Protocol):
    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def kill(self) -> None: ...


@dataclass
class Backoff:
    initial: float = 1.0
    maximum: float = 60.0
    stable_after: float = 120.0
    current: float = 0.0

    def next_delay(self, *, ran_for: float) -> float:
        """The delay before the next restart of a process that died after running ``ran_for`` seconds."""
        if not self.current or ran_for >= self.stable_after:
            self.current = self.initial
        else:
            self.current = min(self.current * 2, self.maximum)
        return self.current


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class Supervisor:
    def __init__(
        self,
        *,
        start_web: Callable[[], Process],
        start_worker: Callable[[], Process] | None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.start_web, self.start_worker = start_web, start_worker
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.web: Process | None = None
        self.worker: Process | None = None
        self.worker_started_at = 0.0
        self.restart_at: float | None = None
        self.restarts = 0

    def start(self) -> None:
        self.web = self.start_web()
        if self.start_worker is not None:
            self._start_worker()

    def _start_worker(self) -> None:
        assert self.start_worker is not None
        self.worker_started_at = self.clock()
        try:
            self.worker = self.start_worker()
        except OSError as exc:  # e.g. out of memory or file descriptors: try again later, keep serving
            self.worker = None
            self._schedule_restart(f"could not be started ({exc})")
            return
        self.restart_at = None
        logger.info("Background worker started (pid %s).", self.worker.pid)

    def _schedule_restart(self, what_happened: str) -> None:
        delay = self.backoff.next_delay(ran_for=self.clock() - self.worker_started_at)
        self.restarts += 1
        self.restart_at = self.clock() + delay
        logger.error(
            "The background worker %s. Restart %d in %g s; web requests are still being served.",
            what_happened,
            self.restarts,
            delay,
        )

    def tick(self) -> bool:
        """Look at both processes once (steps 2–3); False when the web server has exited."""
        assert self.web is not None
        if self.web.poll() is not None:
            return False
        worker = self.worker
        if worker is not None and self.restart_at is None and (code := worker.poll()) is not None:
            self._schedule_restart(f"(pid {worker.pid}) died: {describe_exit(code)}")
        if self.restart_at is not None and self.clock() >= self.restart_at:
            self._start_worker()
        return True

    def stop(self, grace: float = 15.0) -> None:
        """Step 4: SIGTERM to whatever runs, then a kill for what is still running after ``grace`` s."""
        running = [p for p in (self.web, self.worker) if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
