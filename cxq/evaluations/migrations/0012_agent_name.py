"""The agent's name kept on the evaluation, so the table sorted by agent walks an index
(docs/evaluations.md#sorting-by-agent): the column, filled from the users table, then its index."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_agent_names(apps, schema_editor):
    Evaluation = apps.get_model("evaluations", "Evaluation")
    User = apps.get_model("accounts", "User")
    name = User.objects.filter(pk=OuterRef("agent_id")).values("full_name")[:1]
    Evaluation.objects.update(agent_name=Subquery(name))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_orgsettings_automated_evaluations_count"),
        ("evaluations", "0011_agent_ack_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="agent_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=150),
        ),
        migrations.RunPython(fill_agent_names, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="evaluation",
            index=models.Index(fields=["agent_name", "id"], name="evaluation_agent_name_idx"),
        ),
    ]
