"""``cxq analytics rebuild``: recompute every analytics fact and rollup from the evaluations
(docs/analytics.md#rebuilding,
docs/performance.md#lists-and-reports-at-scale).

Streams the counted evaluations in id order, inserts the facts in batches and aggregates the rollups in
SQL, all in one transaction. Run it after loading evaluations outside the services (imports, bench data).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from cxq.analytics.services import analytics_rebuild


class Command(BaseCommand):
    help = "Analytics maintenance. 'rebuild' recomputes every fact and rollup from the evaluations."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"], help="rebuild: recompute everything")
        parser.add_argument("--batch", type=int, default=2000, help="Evaluations read per batch")

    def handle(self, *args, action, batch, verbosity=1, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        start = time.perf_counter()
        seen = [0]

        def progress(n: int) -> None:
            seen[0] += n
            if verbosity > 1 and seen[0] % 50_000 < n:
                self.stdout.write(f"  {seen[0]:,} evaluations read")

        total = analytics_rebuild(batch=batch, progress=progress)
        self.stdout.write(f"Analytics rebuilt: {total:,} counted evaluations in {time.perf_counter() - start:.1f} s.")
