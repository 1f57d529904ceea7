"""``cxq serve`` keeps serving when the background worker dies: the supervision logic with fake
processes and a fake clock, then the real command with a worker killed by SIGKILL."""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from cxq.lib.supervise import Backoff, Supervisor, describe_exit

ROOT = Path(__file__).resolve().parent.parent


class FakeProcess:
    def __init__(self, pid: int, *, ignores_term: bool = False):
        self.pid, self.ignores_term = pid, ignores_term
        self.returncode: int | None = None
        self.signals: list[int] = []

    def poll(self):
        return self.returncode

    def send_signal(self, sig):
        self.signals.append(sig)
        if not self.ignores_term:
            self.returncode = -sig

    def wait(self, timeout=None):
        if self.returncode is None:
            raise subprocess.TimeoutExpired("fake", timeout)
        return self.returncode

    def kill(self):
        self.signals.append(signal.SIGKILL)
        self.returncode = -signal.SIGKILL


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fakes(clock):
    """A supervisor over a fake web server and fake workers (pids 101, 102, …)."""
    web = FakeProcess(1)
    workers: list[FakeProcess] = []

    def start_worker():
        workers.append(FakeProcess(100 + len(workers) + 1))
        return workers[-1]

    supervisor = Supervisor(start_web=lambda: web, start_worker=start_worker, clock=clock)
    supervisor.start()
    return supervisor, web, workers


def crash_and_wait(supervisor, workers, clock, *, code=-signal.SIGKILL) -> float:
    """Kill the current worker, tick until its replacement starts; the delay that took."""
    count = len(workers)
    workers[-1].returncode = code
    crashed_at = clock.now
    while len(workers) == count:
        assert supervisor.tick() is True
        clock.now += 0.5
    return clock.now - 0.5 - crashed_at


def test_a_crashed_worker_is_restarted_with_a_doubling_delay_while_the_web_server_runs(fakes, clock, caplog):
    supervisor, web, workers = fakes
    with caplog.at_level(logging.INFO, logger="cxq.serve"):
        delays = [crash_and_wait(supervisor, workers, clock) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
    assert web.signals == [] and web.poll() is None and len(workers) == 9
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors[0] == (
        "The background worker (pid 101) died: killed by SIGKILL. Restart 1 in 1 s; "
        "web requests are still being served."
    )
    assert errors[-1].startswith("The background worker (pid 108) died") and "Restart 8 in 60 s" in errors[-1]
    assert "Background worker started (pid 109)." in caplog.text


def test_the_delay_starts_again_after_a_worker_ran_for_a_while(fakes, clock):
    supervisor, _, workers = fakes
    assert [crash_and_wait(supervisor, workers, clock, code=1) for _ in range(3)] == [1, 2, 4]
    clock.now += supervisor.backoff.stable_after
    assert crash_and_wait(supervisor, workers, clock, code=1) == 1


def test_a_worker_that_cannot_even_be_spawned_is_retried_later(clock, caplog):
    web, attempts = FakeProcess(1), []

    def start_worker():
        attempts.append(clock.now)
        if len(attempts) < 3:
            raise OSError(12, "Cannot allocate memory")
        return FakeProcess(200)

    supervisor = Supervisor(start_web=lambda: web, start_worker=start_worker, clock=clock)
    supervisor.start()
    for _ in range(10):
        assert supervisor.tick() is True
        clock.now += 0.5
    assert [t - attempts[0] for t in attempts] == [0, 1, 3] and supervisor.worker.pid == 200
    assert "could not be started ([Errno 12] Cannot allocate memory)" in caplog.text


def test_when_the_web_server_exits_everything_stops(fakes):
    supervisor, web, workers = fakes
    web.returncode = 3
    assert supervisor.tick() is False
    supervisor.stop(grace=0)
    assert workers[0].signals == [signal.SIGTERM] and len(workers) == 1


def test_stop_terminates_both_and_kills_what_ignores_sigterm(clock):
    web, worker = FakeProcess(1), FakeProcess(2, ignores_term=True)
    supervisor = Supervisor(start_web=lambda: web, start_worker=lambda: worker, clock=clock)
    supervisor.start()
    supervisor.stop(grace=0)
    assert web.signals == [signal.SIGTERM] and worker.signals == [signal.SIGTERM, signal.SIGKILL]


def test_a_restart_pending_at_stop_never_happens(fakes, clock):
    supervisor, web, workers = fakes
    workers[0].returncode = -signal.SIGKILL
    supervisor.tick()
    supervisor.stop(grace=0)
    clock.now += 120
    assert len(workers) == 1 and web.signals == [signal.SIGTERM]


def test_exits_are_described_by_code_or_signal():
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(137) == "exit code 137"
    assert Backoff().next_delay(ran_for=0) == 1


# --- The real command -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthz(port: int) -> int | None:
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        probe.request("GET", "/healthz")
        return probe.getresponse().status
    except OSError:
        return None
    finally:
        probe.close()


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def serve_env(transactional_db, tmp_path) -> dict[str, str]:
    """Environment for ``cxq serve`` in a subprocess: its own var/ (job queue, secret key, gunicorn's
    control socket under HOME) and the already migrated test database, outside any test transaction
    so the subprocess sees it: a copy on SQLite (in memory here), the database itself on PostgreSQL
    (emptied after the test like any transactional test's)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "XDG_RUNTIME_DIR")}
    env.update(
        PYTHONPATH=str(ROOT),
        HOME=str(tmp_path),
        CXQ_VAR_DIR=str(tmp_path),
        CXQ_WORKER_TYPE="thread",
        CXQ_WORKER_THREADS="1",
        CXQ_LOG_LEVEL="INFO",
    )
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(tmp_path / "cxq.sqlite3") as copy:
            connection.connection.backup(copy)
    else:
        s = connection.settings_dict
        password = f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else ""
        env["DATABASE_URL"] = f"postgresql://{quote(s['USER'])}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return env


def test_cxq_serve_restarts_a_killed_worker_and_keeps_answering(serve_env):
    port = _free_port()
    command = [sys.executable, "-m", "cxq.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    serve = subprocess.Popen(
        command,
        env=serve_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(serve.stdout), daemon=True).start()

    def worker_pids() -> list[int]:
        return [int(p) for p in re.findall(r"Background worker started \(pid (\d+)\)", "".join(lines))]

    try:
        first = _wait_for(worker_pids, 60, "the worker")[0]
        _wait_for(lambda: _healthz(port) == 200, 60, "the web server")
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: len(worker_pids()) == 2, 30, "the worker to be restarted")
        second = worker_pids()[1]
        os.kill(second, 0)  # running
        assert _healthz(port) == 200 and serve.poll() is None
        output = "".join(lines)
        assert f"The background worker (pid {first}) died: killed by SIGKILL. Restart 1 in 1 s" in output

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=20) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(second, 0)
        assert _healthz(port) is None
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        print("".join(lines))  # shown when the test fails
