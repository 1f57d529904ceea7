"""Transcript search that stays fast at a million interactions (PF-3).

PostgreSQL: the search vector becomes a stored generated column with the GIN index on it, so a search
that walks the list newest-first tests each row with a cheap lookup instead of re-parsing the transcript,
and the planner has statistics on the words to choose between the two plans.
SQLite: an ``fts5vocab`` view of the FTS5 index, so the selector can ask how many interactions contain a
word before choosing its plan (``selectors._fts5_plan``).
"""

from django.db import migrations

POSTGRES = [
    "ALTER TABLE interactions_interaction ADD COLUMN IF NOT EXISTS transcript_search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, transcript_text)) STORED",
    "DROP INDEX IF EXISTS interactions_transcript_fts",
    "CREATE INDEX interactions_transcript_fts ON interactions_interaction USING GIN (transcript_search)",
    "ANALYZE interactions_interaction",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS interactions_transcript_fts",
    "ALTER TABLE interactions_interaction DROP COLUMN IF EXISTS transcript_search",
    "CREATE INDEX interactions_transcript_fts ON interactions_interaction "
    "USING GIN (to_tsvector('simple', transcript_text))",
]
SQLITE = ["CREATE VIRTUAL TABLE IF NOT EXISTS interactions_fts_vocab USING fts5vocab(interactions_fts, row)"]
SQLITE_REVERSE = ["DROP TABLE IF EXISTS interactions_fts_vocab"]

# The GIN index as seed-bench drops and rebuilds it around a bulk load.
GIN_INDEX = "interactions_transcript_fts"
GIN_SQL = POSTGRES[2]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False  # the PostgreSQL table rewrite should not hold one long transaction with the index build

    dependencies = [("interactions", "0005_saved_filters")]

    operations = [migrations.RunPython(forwards, backwards)]
