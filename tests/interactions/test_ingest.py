from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cxq.accounts.models import OrgSettings, User
from cxq.interactions.models import Interaction, PhraseMention
from cxq.interactions.selectors import interaction_hits, interaction_list

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def post(client, url, body):
    return client.post(url, json.dumps(body) if not isinstance(body, str) else body, content_type="application/json")


def test_one_interaction_is_ingested_matched_to_its_agent_and_enriched(client_for, personas, payload, refund_topic):
    response = post(client_for("admin"), "/api/v1/interactions", payload)
    assert response.status_code == 201
    data = response.json()
    assert data["agent"]["email"] == personas.agent_a1.email and data["team"] == "Team A"
    assert data["enrichment_status"] == "done" and data["topics"] == ["Refund"]
    assert [u["speaker"] for u in data["transcript"]] == ["agent", "customer", "agent"]
    (hit,) = data["hits"]
    assert (hit["phrase_set"], hit["kind"], hit["utterance_index"]) == ("Refund", "topic", 1)
    assert 3.5 <= hit["start"] <= 8.0  # time of the word within the utterance
    assert hit["phrase"] == "refund" and hit["matched_text"] == "refund"  # cut out of the transcript
    assert PhraseMention.objects.get().hits == 1
    assert data["metrics"]["agent_talk_seconds"] == pytest.approx(6.5)


def test_re_ingesting_the_same_external_id_updates_and_replaces_the_transcript(client_for, payload):
    client = client_for("admin")
    post(client, "/api/v1/interactions", payload)
    payload["disposition"] = "Escalated"
    payload["transcript"] = payload["transcript"][:1]
    response = post(client, "/api/v1/interactions", payload)
    assert response.status_code == 200
    assert Interaction.objects.count() == 1
    interaction = Interaction.objects.get()
    assert interaction.disposition == "Escalated" and len(interaction.utterances) == 1


def test_an_unknown_agent_is_created_without_a_login(client_for, payload):
    payload["agent"] = {"email": "new.agent@example.com", "name": "New Agent", "external_id": "AG-9"}
    post(client_for("admin"), "/api/v1/interactions", payload)
    agent = User.objects.get(email="new.agent@example.com")
    assert agent.role.key == "agent" and not agent.has_usable_password() and agent.external_id == "AG-9"


def test_an_unknown_agent_is_rejected_when_the_organisation_says_so(client_for, payload):
    OrgSettings.objects.filter(pk=1).update(unknown_agents="reject")
    payload["agent"] = {"email": "stranger@example.com"}
    response = post(client_for("admin"), "/api/v1/interactions", payload)
    assert response.status_code == 400 and "agent" in response.json()["detail"]
    assert not Interaction.objects.exists() and not User.objects.filter(email="stranger@example.com").exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.pop("channel"), "channel"),
        (lambda p: p.update(channel="pigeon"), "channel"),
        (lambda p: p.update(duration_seconds=-5), "duration_seconds"),
        (lambda p: p.update(started_at="yesterday"), "started_at"),
        (lambda p: p.update(started_at="2026-11-02T09:30:00"), "started_at"),
        (lambda p: p["transcript"][1].update(start=-1), "transcript"),
        (lambda p: p["transcript"][1].update(end=1.0), "transcript"),
        (lambda p: p["transcript"].reverse(), "transcript"),
        (
            lambda p: p["transcript"].append({"speaker": "agent", "start": 11.0, "end": 14.0, "text": "overlap"}),
            "transcript",
        ),
        (lambda p: p.update(csat=9), "csat"),
        (lambda p: p.update(unexpected=True), "unexpected"),
        (lambda p: p.update(agent={"email": "not-an-email"}), "agent"),
        (lambda p: p["transcript"][2].update(end=float("inf")), "end"),
        (lambda p: p.update(holds=[[1.0, float("nan")]]), "holds"),
    ],
    ids=[
        "missing_channel",
        "unknown_channel",
        "negative_duration",
        "bad_time",
        "naive_time",
        "negative_start",
        "end_before_start",
        "unordered",
        "same_speaker_overlap",
        "csat_range",
        "unknown_field",
        "bad_email",
        "infinite_end",
        "not_a_number_hold",
    ],
)
def test_bad_input_is_a_4xx_naming_the_field_and_writes_nothing(client_for, payload, mutate, field):
    mutate(payload)
    response = post(client_for("admin"), "/api/v1/interactions", payload)
    assert 400 <= response.status_code < 500
    assert field in json.dumps(response.json()["detail"])
    assert not Interaction.objects.exists() and not PhraseMention.objects.exists()


def test_malformed_json_is_a_4xx(client_for):
    response = post(client_for("admin"), "/api/v1/interactions", "{nope")
    assert 400 <= response.status_code < 500


def test_bulk_ingest_writes_the_valid_items_and_reports_the_others_by_index(
    client_for, payload, django_capture_on_commit_callbacks
):
    good2 = {**payload, "external_id": "call-2"}
    bad = {**payload, "external_id": "call-3", "channel": "fax"}
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for("admin"), "/api/v1/interactions/bulk", {"items": [payload, bad, good2, "x"]})
    data = response.json()
    assert (data["created"], data["updated"]) == (2, 0)
    assert [e["index"] for e in data["errors"]] == [1, 3]
    assert "channel" in data["errors"][0]["errors"][0]
    assert set(Interaction.objects.values_list("external_id", flat=True)) == {"call-1", "call-2"}
    assert Interaction.objects.filter(enrichment_status="done").count() == 2  # inline worker in tests


def test_bulk_refuses_a_duplicate_external_id_in_one_batch(client_for, payload):
    data = post(client_for("admin"), "/api/v1/interactions/bulk", {"items": [payload, payload]}).json()
    assert data["created"] == 1 and data["errors"][0]["index"] == 1


def test_bulk_is_capped(client_for, payload):
    response = post(client_for("admin"), "/api/v1/interactions/bulk", {"items": [payload] * 1001})
    assert response.status_code == 400 and not Interaction.objects.exists()


def test_a_full_bulk_call_of_40_utterance_transcripts_fits_the_default_request_limit(client_for, payload):
    lines = [
        {"speaker": "agent" if i % 2 else "customer", "start": i * 5.0, "end": i * 5.0 + 4, "text": "word " * 24}
        for i in range(40)
    ]
    items = [{**payload, "external_id": f"big-{i}", "transcript": lines} for i in range(1000)]
    body = json.dumps({"items": items})
    assert len(body) > 2.5 * 1024 * 1024  # more than Django's default limit, which refused it

    response = post(client_for("admin"), "/api/v1/interactions/bulk", body)

    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 1000


def test_a_request_body_over_the_limit_gets_a_413_that_names_it_and_writes_nothing(client_for, payload, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    items = [{**payload, "external_id": f"big-{i}", "notes": "n" * 10_000} for i in range(150)]
    client = client_for("admin")

    response = post(client, "/api/v1/interactions/bulk", {"items": items})

    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The request body is larger than 1 MB (CXQ_MAX_REQUEST_MB); send fewer items per request."
    )
    assert not Interaction.objects.exists()
    page = client.post("/interactions/new/", {"notes": "n" * 2 * 1024 * 1024})
    assert page.status_code == 413 and b"larger than 1 MB" in page.content


def test_only_users_who_may_add_interactions_can_ingest(client_for, payload):
    assert post(client_for("evaluator"), "/api/v1/interactions", payload).status_code == 403
    assert post(client_for("agent_a1"), "/api/v1/interactions", payload).status_code == 403
    assert not Interaction.objects.exists()


@pytest.mark.skipif(not DATA.is_dir(), reason="the shared data folder is not next to the repository")
def test_the_real_conversation_files_import_as_they_are(personas, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("interactions", "import", str(DATA / "abcd_sample_3.jsonl"), "--agent", personas.agent_a1.email)
    call_command(
        "interactions",
        "import",
        str(DATA / "taskmaster4_sample_200.jsonl"),
        "--agent",
        personas.agent_b1.email,
    )
    out = capsys.readouterr().out
    assert "3 created, 0 updated, 0 rejected" in out and "200 created, 0 updated, 0 rejected" in out
    abcd = Interaction.objects.get(external_id="abcd-3592")
    assert abcd.channel == "chat" and abcd.metadata["timing"] == "derived"
    assert any(u.speaker == "system" for u in abcd.utterances)
    assert abcd.enrichment_status == "done" and abcd.language == "en"
    call_command(
        "interactions",
        "import",
        str(DATA / "taskmaster4_sample_200.jsonl"),
        "--agent",
        personas.agent_b1.email,
    )
    assert "0 created, 200 updated, 0 rejected" in capsys.readouterr().out
    assert Interaction.objects.count() == 203


def test_an_import_writes_a_rejects_file_naming_line_and_reason(personas, tmp_path, payload, capsys):
    good = json.dumps(payload)
    bad_json = "{broken"
    bad_field = json.dumps({**payload, "external_id": "x2", "channel": "pigeon"})
    source = tmp_path / "calls.jsonl"
    source.write_text("\n".join([good, bad_json, "", bad_field]) + "\n")
    rejects = tmp_path / "rejects.jsonl"
    call_command("interactions", "import", str(source), "--rejects", str(rejects))
    assert "1 created, 0 updated, 2 rejected" in capsys.readouterr().out
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [r["line"] for r in lines] == [2, 4]
    assert "not valid JSON" in lines[0]["errors"][0] and "channel" in lines[1]["errors"][0]


def test_an_import_inside_a_transaction_stays_in_this_process_and_sees_its_rows(
    personas, tmp_path, payload, refund_topic, capsys
):
    """Big enough for worker processes, but they could not see what this (test) transaction wrote:
    the phrase set, the agents. It runs in-process instead, on either database."""
    from cxq.interactions.management.commands.interactions import PARALLEL_FROM_LINES

    lines = [json.dumps({**payload, "external_id": f"tx-{i}"}) for i in range(PARALLEL_FROM_LINES + 1)]
    source = tmp_path / "calls.jsonl"
    source.write_text("\n".join(lines) + "\n")
    call_command("interactions", "import", str(source), "--rejects", str(tmp_path / "r.jsonl"))
    out = capsys.readouterr().out
    assert f"{len(lines)} created, 0 updated, 0 rejected" in out and "worker processes" not in out
    assert PhraseMention.objects.filter(phrase_set=refund_topic).count() == len(lines)


def test_a_csv_import_reads_one_interaction_per_row(personas, tmp_path, capsys):
    source = tmp_path / "calls.csv"
    transcript = json.dumps([{"speaker": "agent", "start": 0, "end": 2, "text": "Hello"}]).replace('"', '""')
    source.write_text(
        "external_id,channel,started_at,agent_email,queue,resolved,transcript\n"
        f'c1,voice,2026-11-01T10:00:00Z,{personas.agent_a1.email},Sales,yes,"{transcript}"\n'
        f"c2,voice,2026-11-01T11:00:00Z,{personas.agent_a1.email},Sales,maybe,\n"
    )
    call_command("interactions", "import", str(source), "--rejects", str(tmp_path / "r.jsonl"))
    assert "1 created, 0 updated, 1 rejected" in capsys.readouterr().out
    assert Interaction.objects.get(external_id="c1").resolved is True


def test_transcript_search_finds_words_whatever_their_case(client_for, personas, payload):
    post(client_for("admin"), "/api/v1/interactions", payload)
    post(
        client_for("admin"),
        "/api/v1/interactions",
        {
            **payload,
            "external_id": "call-2",
            "transcript": [{"speaker": "customer", "start": 0, "end": 2, "text": "My internet is down"}],
        },
    )
    found = interaction_list(viewer=personas.admin, q="REFUND")
    assert [i.external_id for i in found] == ["call-1"]
    assert list(interaction_list(viewer=personas.admin, q='"; DROP TABLE x; --')) == []
    payload_update = {
        **payload,
        "transcript": [{"speaker": "agent", "start": 0, "end": 1, "text": "goodbye"}],
    }
    post(client_for("admin"), "/api/v1/interactions", payload_update)
    assert list(interaction_list(viewer=personas.admin, q="refund")) == []


def test_agents_see_only_their_own_interactions_and_leads_their_teams(client_for, personas, payload):
    post(client_for("admin"), "/api/v1/interactions", payload)
    post(
        client_for("admin"),
        "/api/v1/interactions",
        {**payload, "external_id": "b-1", "agent": {"email": personas.agent_b1.email}},
    )

    def seen(who):
        return sorted(i["external_id"] for i in client_for(who).get("/api/v1/interactions").json()["results"])

    assert seen("admin") == ["b-1", "call-1"]
    assert seen("agent_a1") == ["call-1"]
    assert seen("supervisor_a") == ["call-1"]
    assert seen("manager_b") == ["b-1"]
    b1 = Interaction.objects.get(external_id="b-1")
    assert client_for("agent_a1").get(f"/api/v1/interactions/{b1.uuid}").status_code == 404
    assert client_for("norole").get("/api/v1/interactions").status_code == 403


def test_the_list_api_pages_with_a_keyset_cursor(client_for, payload):
    client = client_for("admin")
    items = [{**payload, "external_id": f"p{i}", "started_at": f"2026-11-0{i + 1}T10:00:00Z"} for i in range(5)]
    post(client, "/api/v1/interactions/bulk", {"items": items})
    first = client.get("/api/v1/interactions", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    order = [i["external_id"] for page in (first, second, third) for i in page["results"]]
    assert order == ["p4", "p3", "p2", "p1", "p0"] and third["next"] is None
    assert client.get("/api/v1/interactions", {"cursor": "garbage!"}).status_code == 400


def _stored(interaction: Interaction) -> dict:
    """Everything ingest stores, without what differs between two rows by nature."""
    skip = {"id", "uuid", "external_id", "created_at", "updated_at", "enriched_at", "source"}
    values = {f.attname: getattr(interaction, f.attname) for f in Interaction._meta.concrete_fields}
    values = {k: v for k, v in values.items() if k not in skip}
    values["other_agents"] = sorted(interaction.other_agents.values_list("pk", flat=True))
    values["mentions"] = sorted(interaction.mentions.values_list("phrase_set_id", "hits"))
    values["shown"] = interaction_hits(interaction)
    return values


def test_the_bulk_insert_stores_exactly_what_the_single_upsert_stores(personas, payload, refund_topic):
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert, interaction_upsert, parse_payload

    payload["other_agents"] = [{"email": personas.agent_b1.email}]
    payload["holds"] = [[1.0, 2.0]]
    payload["metadata"] = {"wrap_up_seconds": 12}
    single, _ = interaction_upsert(data=parse_payload({**payload, "external_id": "single"}))
    report = interaction_bulk_upsert(payloads=[{**payload, "external_id": "bulk"}], enrichment=Enrichment.INLINE)
    assert report.errors == [] and report.created == 1
    bulk = Interaction.objects.get(pk=report.ids[0])
    single.refresh_from_db()

    assert _stored(bulk) == _stored(single)
    assert bulk.external_id == "bulk" and bulk.enrichment_status == "done" and bulk.enriched_at
    assert bulk.other_agents.get() == personas.agent_b1 and bulk.mentions.count() == len(bulk.hits) == 1
    assert [(u.index, u.speaker, u.text) for u in bulk.utterances] == [
        (i, u["speaker"], u["text"]) for i, u in enumerate(payload["transcript"])
    ]
    assert bulk.metadata == {"wrap_up_seconds": 12, "holds": [[1.0, 2.0]]}


def test_a_bulk_update_replaces_transcript_hits_and_other_agents(personas, payload, refund_topic):
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    payload["other_agents"] = [{"email": personas.agent_b1.email}]
    first = interaction_bulk_upsert(payloads=[payload], enrichment=Enrichment.INLINE)
    assert PhraseMention.objects.filter(interaction_id=first.ids[0]).count() == 1
    payload["transcript"] = payload["transcript"][:1]
    payload["other_agents"] = []
    again = interaction_bulk_upsert(payloads=[payload], enrichment=Enrichment.INLINE)

    assert (again.created, again.updated, again.ids) == (0, 1, first.ids)
    interaction = Interaction.objects.get()
    assert len(interaction.utterances) == interaction.utterance_count == 1
    assert not interaction.other_agents.exists() and not interaction.mentions.exists() and interaction.hits == []
    assert interaction.topics == [] and interaction.transcript_text == payload["transcript"][0]["text"]


def _bulk_queries(items) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    with CaptureQueriesContext(connection) as queries:
        report = interaction_bulk_upsert(payloads=items, enrichment=Enrichment.LATER)
    assert report.errors == []
    return len(queries), report


def test_a_bulk_batch_looks_its_agents_up_in_a_fixed_number_of_queries(personas, payload):
    from tests.conftest import make_user

    agents = [make_user(f"crowd{i}@example.com", f"Crowd {i}", "agent") for i in range(12)]
    for i, agent in enumerate(agents):
        if i % 3 == 0:
            agent.external_id = f"EXT-{i}"
            agent.save()
        (personas.team_b if i % 2 else personas.team_a).members.add(agent)
    personas.team_b.members.add(agents[0])  # two teams: the first by name (Team A) is the one stored

    def batch(people, tag):
        return [
            {
                **payload,
                "external_id": f"{tag}-{i}",
                "agent": {"external_id": a.external_id} if a.external_id else {"email": a.email.upper()},
                "other_agents": [{"email": personas.agent_b1.email}],
            }
            for i, a in enumerate(people * 2)
        ]

    few, _ = _bulk_queries(batch(agents[:2], "few"))
    many, report = _bulk_queries(batch(agents, "many"))

    assert many == few  # not one or two queries more per distinct agent
    stored = {i.external_id: (i.agent, i.team) for i in Interaction.objects.filter(pk__in=report.ids)}
    for i, agent in enumerate(agents * 2):
        team = personas.team_a if i % len(agents) % 2 == 0 else personas.team_b
        assert stored[f"many-{i}"] == (agent, team)
    assert all(set(i.other_agents.all()) == {personas.agent_b1} for i in Interaction.objects.filter(pk__in=report.ids))


@pytest.mark.parametrize("topic", ["Rückerstattung", 'Quote "this"', "Billing"])
def test_the_topic_filter_finds_a_topic_however_the_json_was_spelled(personas, payload, topic):
    from django.db import connection

    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    ids = interaction_bulk_upsert(
        payloads=[{**payload, "external_id": f"t{i}"} for i in range(3)], enrichment=Enrichment.LATER
    ).ids
    current, escaped, other = ids
    Interaction.objects.filter(pk=current).update(topics=[topic, "Other"])
    Interaction.objects.filter(pk=other).update(topics=["Other"])
    if connection.vendor == "sqlite":  # as older versions and the bench generator wrote it: \u escapes
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE interactions_interaction SET topics = %s WHERE id = %s", [json.dumps([topic]), escaped]
            )
    else:
        Interaction.objects.filter(pk=escaped).update(topics=[topic])

    found = interaction_list(viewer=personas.admin, topic=topic)

    assert sorted(found.values_list("pk", flat=True)) == [current, escaped]
    assert not interaction_list(viewer=personas.admin, topic=topic[:-1]).exists()
