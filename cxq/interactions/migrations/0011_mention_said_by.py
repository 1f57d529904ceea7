"""Mention rows say who said the phrase set ("agent", "customer" or "both"), for the conditions of goals
and automations that name a speaker side (docs/conditions.md#indicators).

Existing rows of a set searched on one side only get that side at once; rows of sets searched on both
sides need the transcript: their interactions are marked for enrichment, which the worker's sweep
re-runs (as 0009 did).
"""

from django.db import migrations, models

FORWARD = [
    """UPDATE interactions_phrasemention SET said_by = (
         SELECT side FROM interactions_phraseset WHERE interactions_phraseset.id = interactions_phrasemention.phrase_set_id)
       WHERE phrase_set_id IN (SELECT id FROM interactions_phraseset WHERE side IN ('agent', 'customer'))""",
    """UPDATE interactions_interaction SET enrichment_status = 'pending'
       WHERE id IN (SELECT interaction_id FROM interactions_phrasemention WHERE said_by = '')""",
]


def forwards(apps, schema_editor):
    for sql in FORWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0010_webhook_delivery_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="phrasemention",
            name="said_by",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
