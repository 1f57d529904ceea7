"""Full-text search on transcripts (IN-8): an FTS5 index kept in step by triggers on SQLite, a GIN
expression index on PostgreSQL. ``selectors.search_transcripts`` queries whichever is there."""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE interactions_fts USING fts5(
           transcript_text, content='interactions_interaction', content_rowid='id',
           tokenize="unicode61 remove_diacritics 2")""",
    """CREATE TRIGGER interactions_fts_insert AFTER INSERT ON interactions_interaction BEGIN
           INSERT INTO interactions_fts(rowid, transcript_text) VALUES (new.id, new.transcript_text); END""",
    """CREATE TRIGGER interactions_fts_delete AFTER DELETE ON interactions_interaction BEGIN
           INSERT INTO interactions_fts(interactions_fts, rowid, transcript_text)
           VALUES ('delete', old.id, old.transcript_text); END""",
    """CREATE TRIGGER interactions_fts_update AFTER UPDATE OF transcript_text ON interactions_interaction BEGIN
           INSERT INTO interactions_fts(interactions_fts, rowid, transcript_text)
           VALUES ('delete', old.id, old.transcript_text);
           INSERT INTO interactions_fts(rowid, transcript_text) VALUES (new.id, new.transcript_text); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS interactions_fts_insert",
    "DROP TRIGGER IF EXISTS interactions_fts_delete",
    "DROP TRIGGER IF EXISTS interactions_fts_update",
    "DROP TABLE IF EXISTS interactions_fts",
]
POSTGRES = [
    "CREATE INDEX interactions_transcript_fts ON interactions_interaction "
    "USING GIN (to_tsvector('simple', transcript_text))",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS interactions_transcript_fts"]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("interactions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
