"""Outbox rows whose subject carried a line break (built from a token or team name typed with one)
were refused by Django on every attempt, so they ended ``failed`` and the sweep no longer looks at
them. Their subjects are put on one line, as new rows now are, and the failed ones go back in the
queue: the sweep delivers them on its next run. Pending rows would be delivered anyway (delivery
cleans the subject too); cleaning them here keeps the outbox admin readable."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

from cxq.lib.text import one_line


def subjects_on_one_line(apps, schema_editor):
    OutboundEmail = apps.get_model("notifications", "OutboundEmail")
    max_length = OutboundEmail._meta.get_field("subject").max_length
    broken = OutboundEmail.objects.exclude(status="sent").filter(Q(subject__contains="\n") | Q(subject__contains="\r"))
    now = timezone.now()
    for mail in broken.iterator():
        mail.subject = one_line(mail.subject, max_length=max_length) or "(no subject)"
        fields = ["subject", "updated_at"]
        if mail.status == "failed":
            mail.status, mail.attempts, mail.next_attempt_at, mail.lease_until = "pending", 0, now, None
            fields += ["status", "attempts", "next_attempt_at", "lease_until"]
        mail.updated_at = now
        mail.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(subjects_on_one_line, migrations.RunPython.noop)]
