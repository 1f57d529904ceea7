"""Migration 0008 moves stored utterance rows into the interaction's ``transcript`` column (and back)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("interactions", "0007_drop_redundant_indexes")]
AFTER = [("interactions", "0008_transcript_in_one_column")]
STARTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_utterance_rows_become_one_ordered_transcript_and_come_back_on_reversal():
    try:
        old = _migrate(BEFORE)
        Interaction = old.get_model("interactions", "Interaction")
        Utterance = old.get_model("interactions", "Utterance")
        call = Interaction.objects.create(channel="voice", started_at=STARTED, transcript_text="Hello\nHi\nBye")
        empty = Interaction.objects.create(channel="chat", started_at=STARTED)
        rows = [
            (2, "agent", "Ann Agent", 4.5, 6.0, "Bye"),
            (0, "agent", "Ann Agent", 0.0, 1.25, "Hello"),
            (1, "customer", "", 1.5, 3.0, "Hi"),
        ]
        for index, speaker, name, start, end, text in rows:  # stored out of order on purpose
            Utterance.objects.create(
                interaction=call, index=index, speaker=speaker, speaker_name=name, start=start, end=end, text=text
            )

        new = _migrate(AFTER)
        Interaction = new.get_model("interactions", "Interaction")
        assert Interaction.objects.get(pk=call.pk).transcript == [
            ["agent", "Ann Agent", 0.0, 1.25, "Hello"],
            ["customer", "", 1.5, 3.0, "Hi"],
            ["agent", "Ann Agent", 4.5, 6.0, "Bye"],
        ]
        assert Interaction.objects.get(pk=empty.pk).transcript is None

        old = _migrate(BEFORE)
        Utterance = old.get_model("interactions", "Utterance")
        restored = Utterance.objects.filter(interaction_id=call.pk).order_by("index")
        assert [(u.index, u.speaker, u.speaker_name, u.start, u.end, u.text) for u in restored] == sorted(rows)
        assert not Utterance.objects.filter(interaction_id=empty.pk).exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
