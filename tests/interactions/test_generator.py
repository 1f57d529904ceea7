"""The synthetic interaction generator, ``cxq seed-bench`` and the demo interactions."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from cxq.accounts.models import User
from cxq.devdata.demo.accounts import load_demo
from cxq.devdata.demo.interactions import DEMO_AGENTS, PHRASE_SETS, load_demo_interactions
from cxq.devdata.generator import AgentSpec, payloads
from cxq.interactions.models import Interaction, PhraseMention, PhraseSet
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.search import search_transcripts
from cxq.interactions.services import interaction_bulk_upsert, interaction_upsert, parse_payload

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)


@pytest.fixture
def agents(personas):
    return [
        AgentSpec(personas.agent_a1.email, personas.agent_a1.full_name, queues=("Billing", "Retention")),
        AgentSpec(personas.agent_b1.email, personas.agent_b1.full_name, queues=("Technical support",)),
    ]


SPECS = [AgentSpec("x@example.com", "Xavi Example"), AgentSpec("y@example.com", "Yara Example", "Y-1")]


def test_generated_payloads_all_validate_and_ingest_with_zero_errors(personas, agents):
    items = list(payloads(150, agents, seed=5, now=NOW))
    for item in items:
        InteractionIn.model_validate(item)

    report = interaction_bulk_upsert(payloads=items, enrichment="later")

    assert report.errors == [] and report.created == 150
    assert Interaction.objects.count() == 150
    stored = {i.external_id: i.utterances for i in Interaction.objects.all()}
    for item in items:
        lines = stored[item["external_id"]]
        assert [(u.index, u.speaker, u.start, u.end, u.text) for u in lines] == [
            (i, u["speaker"], u["start"], u["end"], u["text"]) for i, u in enumerate(item["transcript"])
        ]
    assert set(Interaction.objects.values_list("agent_id", flat=True)) == {
        personas.agent_a1.pk,
        personas.agent_b1.pk,
    }
    assert not Interaction.objects.filter(team=None).exists()


def test_the_same_seed_gives_the_same_interactions_whatever_the_batch():
    first = list(payloads(40, SPECS, seed=7, now=NOW))
    assert first == list(payloads(40, SPECS, seed=7, now=NOW))
    assert list(payloads(10, SPECS, seed=7, now=NOW, start=30)) == first[30:]
    other = list(payloads(40, SPECS, seed=8, now=NOW))
    assert [p["transcript"] for p in other] != [p["transcript"] for p in first]


def test_the_conversations_vary_like_a_real_contact_centre():
    items = list(payloads(800, SPECS, seed=11, now=NOW, days=30))
    channels = Counter(p["channel"] for p in items)
    assert set(channels) == {"voice", "chat", "email", "sms"} and channels.most_common(1)[0][0] == "voice"
    assert {p["direction"] for p in items} == {"inbound", "outbound"}
    assert len({p["queue"] for p in items}) == 5 and len({p["disposition"] for p in items}) >= 6
    texts = {
        p.get("language") or p["metadata"].get("language"): " ".join(u["text"] for u in p["transcript"]) for p in items
    }
    assert "gracias" in texts["es"].lower() and "bedankt" in texts["nl"].lower() and "danke" in texts["de"].lower()
    assert any(p["holds"] for p in items)
    assert any(p["csat"] for p in items) and any(p["csat"] is None for p in items)
    all_text = " ".join(u["text"] for p in items for u in p["transcript"])
    assert " um," in all_text.lower() or "Um, " in all_text
    voice = [p["transcript"] for p in items if p["channel"] == "voice"]
    overlaps = [
        (a, b) for t in voice for a, b in zip(t, t[1:]) if a["speaker"] != b["speaker"] and b["start"] < a["end"]
    ]
    assert overlaps, "some crosstalk"
    assert any(b["start"] - a["end"] > 4 for t in voice for a, b in zip(t, t[1:])), "some long silences"
    started = [datetime.fromisoformat(p["started_at"]) for p in items]
    assert min(started) >= datetime(2026, 10, 2, tzinfo=UTC) and max(started) <= NOW


def test_seed_bench_creates_exactly_n_interactions_with_transcripts_and_a_search_index(db):
    out = io.StringIO()
    call_command("seed_bench", interactions=200, agents=6, teams=2, utterances=8, seed=3, stdout=out)

    bench = Interaction.objects.filter(external_id__startswith="bench-3-")
    assert bench.count() == 200 and "Created 200 interactions" in out.getvalue()
    for interaction in bench:
        lines = interaction.utterances
        assert interaction.utterance_count == len(lines) > 0
        assert interaction.transcript_text == "\n".join(u.text for u in lines)
        assert [u.start for u in lines] == sorted(u.start for u in lines)
    assert not bench.exclude(enrichment_status="done").exists() and bench.exclude(metrics={}).count() == 200
    agents = User.objects.filter(email__endswith="@bench.cxq.test")
    assert agents.count() == 6 and not any(a.has_usable_password() for a in agents)
    assert {a.role.key for a in agents} == {"agent"}

    with_router = set(bench.filter(transcript_text__icontains="router").values_list("pk", flat=True))
    assert with_router
    assert set(search_transcripts(Interaction.objects.all(), "router").values_list("pk", flat=True)) == with_router


def test_seed_bench_is_idempotent_appends_on_request_and_leaves_ingest_working(db):
    args = {"agents": 4, "teams": 2, "utterances": 6, "seed": 9, "stdout": io.StringIO()}
    call_command("seed_bench", interactions=60, **args)
    call_command("seed_bench", interactions=60, **args)
    assert Interaction.objects.count() == 60
    call_command("seed_bench", interactions=25, append=True, **args)
    assert Interaction.objects.filter(external_id__startswith="bench-9-").count() == 85

    # ids and the search index still work for ordinary ingest after the raw load
    payload = next(payloads(1, SPECS, seed=1, now=NOW))
    payload["transcript"][0]["text"] = "Thank you for calling about the zeppelin"
    interaction, created = interaction_upsert(data=parse_payload(payload), enrich=False)
    assert created and interaction.pk > max(Interaction.objects.exclude(pk=interaction.pk).values_list("pk", flat=True))
    assert list(search_transcripts(Interaction.objects.all(), "zeppelin")) == [interaction]


def test_the_demo_interactions_are_loaded_once_enriched_and_with_indicators(db):
    load_demo()
    created = load_demo_interactions(count=40)
    assert created == {"phrase_sets": len(PHRASE_SETS), "interactions": 40}
    demo = Interaction.objects.filter(external_id__startswith="demo-")
    assert demo.count() == 40 and not demo.exclude(enrichment_status="done").exists()
    assert set(demo.values_list("agent__email", flat=True)) <= {a.email for a in DEMO_AGENTS}
    assert PhraseMention.objects.filter(phrase_set__name="Greeting").exists()

    assert load_demo_interactions(count=40) == {"phrase_sets": 0, "interactions": 0}
    assert demo.count() == 40 and PhraseSet.objects.count() == len(PHRASE_SETS)


def test_cxq_seed_bench_with_a_dash_runs_the_seed_bench_command(db, capsys, monkeypatch):
    from django.db import connections

    from cxq.cli import main

    # run_from_argv closes every connection when done, which would end the test's transaction
    monkeypatch.setattr(connections, "close_all", lambda: None)

    main(["cxq", "seed-bench", "--interactions", "5", "--agents", "2", "--teams", "1", "--seed", "4"])

    assert "Created 5 interactions" in capsys.readouterr().out
    assert Interaction.objects.filter(external_id__startswith="bench-4-").count() == 5


def test_inline_bulk_enrichment_stores_what_the_worker_would(personas, agents):
    """The import path enriches from the validated payloads in the same pass; the API path stores first
    and the worker enriches from the stored utterances. Both must store the same hits, topics and metrics."""
    from cxq.devdata.demo.interactions import load_demo_phrase_sets
    from cxq.interactions.enrich import enrich_ids

    load_demo_phrase_sets()
    items = list(payloads(30, agents, seed=11, now=NOW))
    inline = interaction_bulk_upsert(payloads=items, enrichment="inline")
    later = interaction_bulk_upsert(
        payloads=[{**item, "external_id": f"{item['external_id']}-later"} for item in items], enrichment="later"
    )
    assert Interaction.objects.filter(pk__in=later.ids, enrichment_status="pending").count() == 30
    enrich_ids(later.ids)

    def stored(ids):
        rows = Interaction.objects.filter(pk__in=ids).order_by("id")
        fields = [(i.topics, i.language, i.metrics, i.enrichment_status) for i in rows]
        hits = [(i.hits, list(i.mentions.order_by("phrase_set").values_list("phrase_set", "hits"))) for i in rows]
        return fields, hits

    assert PhraseMention.objects.filter(interaction_id__in=inline.ids).exists()
    assert stored(inline.ids) == stored(later.ids)
    assert {f[3] for f in stored(inline.ids)[0]} == {"done"}


def test_inline_bulk_enrichment_replaces_the_hits_of_an_updated_interaction(personas, agents):
    from cxq.devdata.demo.interactions import load_demo_phrase_sets

    load_demo_phrase_sets()
    item = next(iter(payloads(1, agents, seed=3, now=NOW)))
    first = interaction_bulk_upsert(payloads=[item], enrichment="inline")
    before = PhraseMention.objects.filter(interaction_id=first.ids[0]).count()
    assert before > 0
    again = interaction_bulk_upsert(payloads=[item], enrichment="inline")
    assert again.updated == 1 and again.ids == first.ids
    assert PhraseMention.objects.filter(interaction_id=first.ids[0]).count() == before
