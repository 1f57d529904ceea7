"""Enrichment hits move from one row per hit to one JSON array on the interaction, plus one
``PhraseMention`` row per (interaction, phrase set found) for the "mentioned / not mentioned" filters.

Bulk ingest wrote ~18 hit rows (three index entries each) per 40-utterance call, ~170 µs of its time;
~4.5 mention rows cost a tenth of that (PF-2). Hits no longer store the matched words: they keep the
words' position in the utterance and the text is cut out when shown.

Existing hit rows become mentions straight away (filters keep working); their interactions are marked
for enrichment, which the worker's sweep re-runs to fill the new hits column.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    """INSERT INTO interactions_phrasemention (interaction_id, phrase_set_id, hits)
       SELECT interaction_id, phrase_set_id, COUNT(*) FROM interactions_phrasehit
       GROUP BY interaction_id, phrase_set_id""",
    """UPDATE interactions_interaction SET enrichment_status = 'pending'
       WHERE id IN (SELECT interaction_id FROM interactions_phrasehit)""",
]
# Going back, hits are re-made the same way: by enriching the interactions that had any.
BACKWARD = [
    """UPDATE interactions_interaction SET enrichment_status = 'pending'
       WHERE id IN (SELECT interaction_id FROM interactions_phrasemention)""",
]


def forwards(apps, schema_editor):
    for sql in FORWARD:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in BACKWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0008_transcript_in_one_column"),
    ]

    operations = [
        migrations.CreateModel(
            name="PhraseMention",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hits", models.PositiveIntegerField(default=1)),
                (
                    "interaction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mentions",
                        to="interactions.interaction",
                    ),
                ),
                (
                    "phrase_set",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mentions",
                        to="interactions.phraseset",
                    ),
                ),
            ],
            options={
                "ordering": ["interaction", "phrase_set"],
            },
        ),
        migrations.AddConstraint(
            model_name="phrasemention",
            constraint=models.UniqueConstraint(fields=("phrase_set", "interaction"), name="mention_unique"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(
            name="PhraseHit",
        ),
        # after PhraseHit (related name "hits") is gone
        migrations.AddField(
            model_name="interaction",
            name="hits",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
    ]
