"""Storage migrations of interactions: 0008 moves utterance rows into the ``transcript`` column (and
back); 0009 turns hit rows into phrase mentions and queues their interactions for re-enrichment; 0010 gives
webhook receipts a delivery key."""

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
            ["agent", 0.0, 1.25, "Hello", "Ann Agent"],
            ["customer", 1.5, 3.0, "Hi", ""],
            ["agent", 4.5, 6.0, "Bye", "Ann Agent"],
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


@pytest.mark.django_db(transaction=True)
def test_hit_rows_become_mentions_and_their_interactions_are_enriched_again():
    before = [("interactions", "0008_transcript_in_one_column")]
    after = [("interactions", "0009_phrase_mentions")]
    try:
        old = _migrate(before)
        Interaction = old.get_model("interactions", "Interaction")
        PhraseSet = old.get_model("interactions", "PhraseSet")
        PhraseHit = old.get_model("interactions", "PhraseHit")
        refund = PhraseSet.objects.create(name="Refund", kind="topic", side="any", phrases=["refund"])
        greeting = PhraseSet.objects.create(name="Greeting", kind="indicator", side="agent", phrases=["hello"])
        hit = Interaction.objects.create(channel="voice", started_at=STARTED, enrichment_status="done")
        quiet = Interaction.objects.create(channel="chat", started_at=STARTED, enrichment_status="done")
        for phrase_set, index in ((refund, 1), (refund, 3), (greeting, 0)):
            PhraseHit.objects.create(
                interaction=hit, phrase_set=phrase_set, utterance_index=index, start=index, phrase="x", matched_text="x"
            )

        new = _migrate(after)
        Interaction = new.get_model("interactions", "Interaction")
        PhraseMention = new.get_model("interactions", "PhraseMention")
        mentions = PhraseMention.objects.order_by("phrase_set_id").values_list(
            "interaction_id", "phrase_set_id", "hits"
        )
        assert list(mentions) == [(hit.pk, refund.pk, 2), (hit.pk, greeting.pk, 1)]
        statuses = dict(Interaction.objects.values_list("pk", "enrichment_status"))
        assert statuses == {hit.pk: "pending", quiet.pk: "done"}
        assert Interaction.objects.get(pk=hit.pk).hits is None

        old = _migrate(before)
        assert old.get_model("interactions", "PhraseHit").objects.count() == 0
        assert old.get_model("interactions", "Interaction").objects.get(pk=hit.pk).enrichment_status == "pending"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_webhook_receipts_get_a_delivery_key_and_request_ids_stop_being_unique():
    before = [("interactions", "0009_phrase_mentions")]
    after = [("interactions", "0010_webhook_delivery_key")]
    try:
        old = _migrate(before)
        Receipt = old.get_model("interactions", "WebhookReceipt")
        first = Receipt.objects.create(request_id="req-1", event="engagement_completed")
        second = Receipt.objects.create(request_id="a" * 64, event="engagement_completed")

        new = _migrate(after)
        Receipt = new.get_model("interactions", "WebhookReceipt")
        keys = dict(Receipt.objects.values_list("pk", "delivery_key"))
        assert keys == {first.pk: f"legacy-{first.pk}", second.pk: f"legacy-{second.pk}"}
        Receipt.objects.create(delivery_key="b" * 64, request_id="req-1", event="engagement_completed")
        Receipt.objects.create(delivery_key="c" * 64, request_id="", event="engagement_completed")

        old = _migrate(before)
        Receipt = old.get_model("interactions", "WebhookReceipt")
        assert sorted(Receipt.objects.values_list("request_id", flat=True)) == sorted(
            ["req-1", "a" * 64, "b" * 64, "c" * 64]
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
