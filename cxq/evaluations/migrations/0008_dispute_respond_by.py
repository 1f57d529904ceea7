"""A dispute's answer deadline (docs/evaluations.md#the-disputes-queue); disputes raised before it get the
default response time (7 days) from when they were raised."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    Dispute = apps.get_model("evaluations", "Dispute")
    Dispute.objects.filter(respond_by__isnull=True).update(respond_by=F("created_at") + timedelta(days=7))


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0007_assignment_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispute",
            name="respond_by",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
