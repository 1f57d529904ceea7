from __future__ import annotations

from django.urls import reverse

from cxq.audit.models import AuditEvent
from cxq.interactions.enrich import enrich_pending
from cxq.interactions.models import PhraseMention, PhraseSet
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.selectors import interaction_hits
from cxq.interactions.services import interaction_upsert


def test_an_admin_adds_an_indicator_and_rerunning_enrichment_finds_it_in_past_interactions(
    client_for, personas, payload
):
    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    assert not PhraseMention.objects.exists()
    client = client_for("admin")
    response = client.post(
        reverse("interactions:phrase_set_new"),
        {
            "name": "Apology",
            "kind": "indicator",
            "side": "agent",
            "phrases": "I am sorry\nmy apologies",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert PhraseSet.objects.get(name="Apology").phrases == ["I am sorry", "my apologies"]
    assert AuditEvent.objects.filter(action="phrase_set.created").exists()
    client.post(reverse("interactions:enrichment_rerun"))
    interaction.refresh_from_db()
    assert interaction.enrichment_status == "pending"
    assert enrich_pending() == 1
    interaction.refresh_from_db()
    (hit,) = interaction_hits(interaction)
    assert (hit.phrase_set.name, hit.utterance_index, hit.matched_text) == ("Apology", 2, "I am sorry")
    assert PhraseMention.objects.get().phrase_set.name == "Apology"
    listing = client.get(reverse("interactions:phrase_sets")).content.decode()
    assert ">1 interaction</td>" in listing


def test_a_phrase_set_needs_a_unique_name_and_phrases(client_for, personas):
    client = client_for("admin")
    client.post(
        reverse("interactions:phrase_set_new"),
        {"name": "Greeting", "kind": "indicator", "side": "any", "phrases": "hello"},
    )
    html = client.post(
        reverse("interactions:phrase_set_new"),
        {"name": "greeting", "kind": "indicator", "side": "any", "phrases": "hi"},
    ).content.decode()
    assert "already exists" in html
    html = client.post(
        reverse("interactions:phrase_set_new"),
        {"name": "Empty", "kind": "topic", "side": "any", "phrases": "  \n "},
    ).content.decode()
    assert "This field is required" in html or "at least one phrase" in html
    assert PhraseSet.objects.count() == 1


def test_the_phrase_set_api_validates_kind_and_side(client_for):
    import json

    response = client_for("admin").post(
        "/api/v1/phrase-sets",
        json.dumps({"name": "X", "kind": "mood", "phrases": ["a"]}),
        content_type="application/json",
    )
    assert response.status_code == 400 and "kind" in response.json()["detail"]
