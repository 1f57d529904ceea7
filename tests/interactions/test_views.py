from __future__ import annotations

import re

from django.urls import reverse

from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_bulk_upsert, interaction_upsert


def rows(html: str) -> int:
    return len(set(re.findall(r'href="/interactions/([0-9a-f-]{36})/"', html)))


def make(payload, n=1, **changes):
    items = [
        {
            **payload,
            **changes,
            "external_id": f"{changes.get('external_id', 'v')}-{i}",
            "started_at": f"2026-10-{i % 28 + 1:02d}T10:00:00Z",
        }
        for i in range(n)
    ]
    return interaction_bulk_upsert(payloads=items)


def test_the_list_shows_interactions_in_scope_with_filters(client_for, personas, payload):
    make(payload, 3)
    make(payload, 2, external_id="b", agent={"email": personas.agent_b1.email}, channel="chat")
    client = client_for("admin")
    html = client.get(reverse("interactions:list")).content.decode()
    assert rows(html) == 5
    html = client.get(reverse("interactions:list"), {"channel": "chat"}).content.decode()
    assert rows(html) == 2
    html = client_for("supervisor_a").get(reverse("interactions:list")).content.decode()
    assert rows(html) == 3


def test_the_list_answers_htmx_with_just_the_table_and_searches_transcripts(client_for, payload):
    make(payload, 2)
    response = client_for("admin").get(
        reverse("interactions:list"),
        {"q": "refund"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="interaction-table",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="interaction-table"') and rows(html) == 2


def test_bad_filters_are_shown_not_crashed(client_for, payload):
    make(payload, 1)
    response = client_for("admin").get(
        reverse("interactions:list"), {"date_from": "2026-12-01", "date_to": "2026-01-01", "cursor": "@@"}
    )
    assert response.status_code == 400 and "The end date is before the start date." in response.content.decode()


def test_the_list_pages_with_a_cursor_and_does_not_grow_queries(client_for, payload, django_assert_max_num_queries):
    make(payload, 60)
    client = client_for("admin")
    with django_assert_max_num_queries(14):
        first = client.get(reverse("interactions:list"))
    cursor = first.context["next_cursor"]
    second = client.get(reverse("interactions:list"), {"cursor": cursor}).content.decode()
    assert rows(second) == 10


def test_the_detail_shows_the_transcript_hits_and_metrics(client_for, personas, payload, refund_topic):
    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    html = client_for("agent_a1").get(reverse("interactions:detail", args=[interaction.uuid])).content.decode()
    assert "I was charged twice and want a refund." in html
    assert 'data-testid="transcript"' in html and ">Refund</span>" in html
    assert "Talk-to-listen" in html


def test_a_hit_shows_the_words_it_matched_as_written_misspelt_or_not(client_for, personas, payload):
    from cxq.interactions.phrases import phrase_set_create

    phrase_set_create(by=personas.admin, name="Charged twice", kind="topic", side="customer", phrases=["charged twice"])
    payload["transcript"][1]["text"] = "I was Chargd TWICE, and want a refund."
    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    html = client_for("agent_a1").get(reverse("interactions:detail", args=[interaction.uuid])).content.decode()
    assert "matched “Chargd TWICE” for “charged twice”" in html
    assert '<td class="small">“Chargd TWICE”</td>' in html


def test_a_user_saves_a_filter_and_finds_it_on_the_list(client_for, personas, payload):
    from cxq.interactions.models import SavedFilter

    client = client_for("supervisor_a")
    response = client.post(
        reverse("interactions:saved_filter_create"), {"name": "Chats this week", "query": "channel=chat&cursor=abc"}
    )
    saved = SavedFilter.objects.get()
    assert (saved.owner, saved.query) == (personas.supervisor_a, "channel=chat")
    assert response.url.endswith("?channel=chat")
    html = client.get(reverse("interactions:list")).content.decode()
    assert "Chats this week" in html
    assert (
        client_for("manager_b").post(reverse("interactions:saved_filter_delete", args=[saved.uuid])).status_code == 404
    )
    client.post(reverse("interactions:saved_filter_delete", args=[saved.uuid]))
    assert not SavedFilter.objects.exists()


def test_an_empty_or_unnamed_filter_is_not_saved(client_for):
    from cxq.interactions.models import SavedFilter

    client = client_for("supervisor_a")
    client.post(reverse("interactions:saved_filter_create"), {"name": "", "query": "channel=chat"})
    client.post(reverse("interactions:saved_filter_create"), {"name": "All", "query": ""})
    assert not SavedFilter.objects.exists()


def test_the_timeline_places_hits_and_comments_by_time(client_for, personas, payload, refund_topic):
    from cxq.interactions.comments import comment_create

    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    comment_create(by=personas.supervisor_a, interaction=interaction, body="Listen here", utterance_index=2)
    response = client_for("supervisor_a").get(reverse("interactions:detail", args=[interaction.uuid]))
    markers = response.context["timeline"]
    assert [m["kind"] for m in markers] == ["topic", "comment"]
    assert markers[1]["left"] == round(100 * 8.5 / 12.0, 2)  # the comment's line starts at 8.5 s of 12 s
    assert 'class="marker marker-comment"' in response.content.decode()


def test_agent_and_team_filters_select_by_id_and_unknown_ones_find_nothing(client_for, personas, payload):
    make(payload, 2, external_id="a", agent={"email": personas.agent_a1.email})
    make(payload, 1, external_id="b", agent={"email": personas.agent_b1.email})
    client = client_for("admin")

    def count(**params):
        response = client.get("/api/v1/interactions", params)
        assert response.status_code == 200, response.content
        return len(response.json()["results"])

    assert count(agent=str(personas.agent_a1.uuid)) == 2
    assert count(team=str(personas.team_b.uuid)) == 1
    assert count(agent=str(personas.agent_a1.uuid), team=str(personas.team_b.uuid)) == 0
    assert count(agent="00000000-0000-0000-0000-000000000000") == 0
    bad = client.get("/api/v1/interactions", {"team": "not-a-uuid"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "team"]


def test_the_list_costs_the_same_queries_for_a_full_page_as_for_a_short_one(client_for, personas, payload):
    """The table loads only the columns it shows; nothing it shows is fetched row by row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("supervisor_a")
    make(payload, 2)
    with CaptureQueriesContext(connection) as short:
        html = client.get(reverse("interactions:list")).content.decode()
    assert rows(html) == 2
    make(payload, 60, external_id="more")
    with CaptureQueriesContext(connection) as full:
        html = client.get(reverse("interactions:list")).content.decode()
    assert rows(html) == 50
    assert personas.agent_a1.full_name in html and "Team A" in html and "Billing" in html
    assert len(full) == len(short), [q["sql"][:120] for q in full.captured_queries]
