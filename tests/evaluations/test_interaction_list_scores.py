"""The interactions list shows what is evaluated (its score, linked) and filters "not evaluated" and
"evaluated by me" (docs/interactions.md#list-filters-and-search), on the page and in the API."""

from __future__ import annotations

import copy

from cxq.interactions.schemas import InteractionIn
from cxq.interactions.selectors import interaction_list
from cxq.interactions.services import interaction_upsert
from tests.interactions.conftest import PAYLOAD


def _other_call():
    payload = copy.deepcopy(PAYLOAD) | {"external_id": "call-2", "started_at": "2026-11-02T10:30:00Z"}
    return interaction_upsert(data=InteractionIn.model_validate(payload))[0]


def test_not_evaluated_and_evaluated_by_me(personas, completed):
    other = _other_call()
    admin, evaluator = personas.admin, personas.evaluator
    assert [i.pk for i in interaction_list(viewer=admin, evaluated="no")] == [other.pk]
    assert [i.pk for i in interaction_list(viewer=admin, evaluated="yes")] == [completed.interaction_id]
    assert [i.pk for i in interaction_list(viewer=evaluator, evaluated_by_me=True)] == [completed.interaction_id]
    assert list(interaction_list(viewer=admin, evaluated_by_me=True)) == []


def test_a_draft_or_a_voided_evaluation_is_not_evaluated(personas, draft):
    assert [i.pk for i in interaction_list(viewer=personas.admin, evaluated="no")] == [draft.interaction_id]


def test_the_page_shows_the_score_with_a_link_and_the_api_filters_alike(personas, completed, client_for):
    _other_call()
    page = client_for("supervisor_a").get("/interactions/")
    html = page.content.decode()
    assert f'href="/evaluations/{completed.uuid}/"' in html and f"{completed.score_percent}%" in html
    assert "not evaluated" in html
    only = client_for("supervisor_a").get("/interactions/", {"evaluated": "no"})
    assert [r.external_id for r in only.context["rows"]] == ["call-2"]
    api = client_for("evaluator").get("/api/v1/interactions", {"evaluated_by_me": "true"}).json()
    assert [r["external_id"] for r in api["results"]] == ["call-1"]
    assert (
        client_for("admin").get("/api/v1/interactions", {"evaluated": "false"}).json()["results"][0]["external_id"]
        == "call-2"
    )
