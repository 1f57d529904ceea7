from django.core.management.base import BaseCommand

from cxq.goals.services import generate_due


class Command(BaseCommand):
    help = (
        "Draw the current period's tasks of every active evaluation goal not drawn yet "
        "(what the worker does every 15 minutes)."
    )

    def handle(self, *args, **opts):
        made = generate_due()
        self.stdout.write(f"Drew {made} goal period{'s' if made != 1 else ''}.")
