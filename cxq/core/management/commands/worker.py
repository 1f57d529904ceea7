"""``cxq worker``: the background worker (Huey consumer) with its periodic schedule."""

from __future__ import annotations

from django.conf import settings
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
        if settings.HUEY_WORKER_TYPE == "process":
            # Worker processes are forked from this one: load the language model (~120 MB, ~1 s) once
            # here, so they share its pages and none pays for loading it on its first enrichment.
            from cxq.enrichment import load_model

            load_model()
        call_command("run_huey", **kwargs)
