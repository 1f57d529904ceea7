"""Transcripts move from one row per utterance to one JSON array on the interaction (PF-2).

Bulk ingest wrote 40 utterance rows (and their unique index entries) per 40-utterance interaction;
one ``[[speaker, start, end, text, speaker_name], ...]`` value (the enrichment engine's utterance
without its index) costs a tenth of that, and the
transcript is always read whole (viewer, evaluation form, enrichment, API). Search keeps using
``transcript_text``; hits and comments keep pointing at an utterance by its index.

The column is nullable and added without a default, so SQLite adds it in place (no table copy, which
would also drop the full-text triggers). Existing utterances are copied over in one statement.
"""

from django.db import migrations, models

SQLITE_FORWARD = """
UPDATE interactions_interaction SET transcript = (
    SELECT json_group_array(json_array(u.speaker, u.start, u."end", u.text, u.speaker_name))
    FROM (SELECT * FROM interactions_utterance
          WHERE interaction_id = interactions_interaction.id ORDER BY "index") AS u
)
WHERE id IN (SELECT DISTINCT interaction_id FROM interactions_utterance)
"""
POSTGRES_FORWARD = """
UPDATE interactions_interaction AS i SET transcript = t.lines
FROM (
    SELECT interaction_id,
           jsonb_agg(jsonb_build_array(speaker, start, "end", text, speaker_name) ORDER BY "index") AS lines
    FROM interactions_utterance GROUP BY interaction_id
) AS t
WHERE i.id = t.interaction_id
"""
SQLITE_BACKWARD = """
INSERT INTO interactions_utterance (interaction_id, "index", speaker, speaker_name, start, "end", text)
SELECT i.id, CAST(j.key AS INTEGER), json_extract(j.value, '$[0]'), json_extract(j.value, '$[4]'),
       json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]')
FROM interactions_interaction AS i, json_each(i.transcript) AS j
WHERE i.transcript IS NOT NULL
"""
POSTGRES_BACKWARD = """
INSERT INTO interactions_utterance (interaction_id, "index", speaker, speaker_name, start, "end", text)
SELECT i.id, j.n - 1, j.line->>0, j.line->>4, (j.line->>1)::float, (j.line->>2)::float, j.line->>3
FROM interactions_interaction AS i, jsonb_array_elements(i.transcript) WITH ORDINALITY AS j(line, n)
WHERE i.transcript IS NOT NULL
"""


def copy_utterances(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_FORWARD if postgres else SQLITE_FORWARD)


def restore_utterances(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_BACKWARD if postgres else SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0007_drop_redundant_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="interaction",
            name="transcript",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(copy_utterances, restore_utterances),
        migrations.DeleteModel(
            name="Utterance",
        ),
    ]
