"""History rows take the domain event's name (cxq/events/names.py): "completed" → "evaluation.completed"."""

from django.db import migrations

OLD = (
    "started",
    "completed",
    "acknowledged",
    "auto_acknowledged",
    "disputed",
    "dispute_answered",
    "voided",
    "restored",
)


def forwards(apps, schema_editor):
    Event = apps.get_model("evaluations", "Event")
    for kind in OLD:
        Event.objects.filter(kind=kind).update(kind=f"evaluation.{kind}")


def backwards(apps, schema_editor):
    Event = apps.get_model("evaluations", "Event")
    for kind in OLD:
        Event.objects.filter(kind=f"evaluation.{kind}").update(kind=kind)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0003_visibility_index")]
    operations = [migrations.RunPython(forwards, backwards)]
