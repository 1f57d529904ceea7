"""``cxq serve``: the production web server (gunicorn) and the background worker, in the foreground.

Ctrl-C (or SIGTERM) stops both. A worker that dies is restarted with a growing delay and each crash
is logged, while the web server keeps serving; if the web server exits, the worker is stopped too
and the command exits non-zero (``cxq.lib.supervise``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from cxq.lib.supervise import Supervisor, describe_exit


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.CXQ_BIND)
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
        # the children read the bind address too: mail links default to it (settings.CXQ_BASE_URL)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxq.settings", "CXQ_BIND": opts["bind"]}

        def starter(command: list[str]):
            return lambda: subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)

        supervisor = Supervisor(start_web=starter(web), start_worker=None if opts["no_worker"] else starter(worker))

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            supervisor.start()
            self.stdout.write(self.style.SUCCESS(f"CXQ is running at http://{opts['bind']}/  (Ctrl-C stops it)"))
            while not stopping and supervisor.tick():
                time.sleep(0.5)
        finally:
            supervisor.stop()
        if not stopping:
            code = describe_exit(supervisor.web.returncode)
            self.stderr.write(f"The web server exited unexpectedly ({code}); the worker was stopped too.")
            sys.exit(1)
