"""``cxq worker``: the background worker (Huey consumer) with its periodic schedule."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker: email delivery, sweeps and other jobs."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None, help="Worker threads (default from settings)")

    def handle(self, *args, **opts):
        kwargs = {}
        if opts["workers"]:
            kwargs["workers"] = opts["workers"]
        call_command("run_huey", **kwargs)
