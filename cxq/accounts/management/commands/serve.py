"""``cxq serve``: the production web server (gunicorn) and the background worker, in the foreground.

Ctrl-C (or SIGTERM) stops both; if either exits, the other is stopped too, so a half-running app
never goes unnoticed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CXQ_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CXQ_WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("CXQ_WEB_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_true", help="Run only the web server")

    def handle(self, *args, **opts):
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "cxq.wsgi:application",
            "--bind",
            opts["bind"],
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        worker = [sys.executable, "-m", "cxq.cli", "worker"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxq.settings"}
        procs = [subprocess.Popen(web, env=env, cwd=settings.BASE_DIR)]
        if not opts["no_worker"]:
            procs.append(subprocess.Popen(worker, env=env, cwd=settings.BASE_DIR))
        self.stdout.write(self.style.SUCCESS(f"CXQ is running at http://{opts['bind']}/  (Ctrl-C stops it)"))

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for p in procs:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
        failed = [p for p in procs if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            self.stderr.write("A process exited unexpectedly; everything was stopped.")
            sys.exit(1)
