import time

from django.core.management.base import BaseCommand

from cxq.schedules.forecast import forecast_rebuild


class Command(BaseCommand):
    help = "The interaction volume forecast (docs/schedules.md#forecast). `cxq forecast rebuild` recomputes it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"], help="rebuild: recompute every interval now")

    def handle(self, *args, **opts):
        began = time.perf_counter()
        rows = forecast_rebuild()
        self.stdout.write(f"Forecast rebuilt: {rows} intervals in {time.perf_counter() - began:.1f} s.")
