"""The lists of issue 16 (docs/evaluations.md#the-evaluations-table, docs/interactions.md#pickers,
docs/api.md#saved-filters, docs/api.md#bulk-assign): keyset pages in every sort, autocomplete pickers,
score bands as filters, saved filters and bulk assignment through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import reverse
from django.utils import timezone

from cxq.evaluations import selectors
from cxq.evaluations.choices import AssignmentStatus, Status
from cxq.evaluations.filters import SORTS, EvaluationFilter
from cxq.evaluations.models import Assignment, Evaluation
from cxq.interactions.models import SavedFilter
from cxq.lib import keyset
from cxq.scorecards import services as sc
from tests.scorecards.conftest import DOC

BANDS = [
    {"key": "low", "label": "Needs improvement", "from": 0, "colour": "red"},
    {"key": "mid", "label": "Meets", "from": 60, "colour": "yellow"},
    {"key": "high", "label": "Exceeds", "from": 90, "colour": "green"},
]


@pytest.fixture
def many(personas, completed):
    """Eleven evaluations with ties, empty scores and empty completion times, for two agents."""
    base = timezone.now() - dt.timedelta(days=3)
    specs = [
        (Decimal("80.00"), base, personas.agent_a1),
        (Decimal("80.00"), base, personas.agent_b1),
        (None, None, personas.agent_a1),
        (Decimal("55.50"), base + dt.timedelta(hours=1), personas.agent_b1),
        (None, base + dt.timedelta(hours=2), personas.agent_a1),
        (Decimal("100.00"), base + dt.timedelta(hours=2), personas.agent_a1),
        (Decimal("0.00"), None, personas.agent_b1),
        (Decimal("80.00"), base - dt.timedelta(hours=5), personas.agent_a1),
        (Decimal("92.00"), base, personas.agent_b1),
        (None, None, personas.agent_b1),
    ]
    rows = [completed]
    for i, (score, done, agent) in enumerate(specs):
        copy = Evaluation.objects.get(pk=completed.pk)
        copy.pk = copy.id = None
        copy.uuid = uuid4()
        copy.score_percent, copy.completed_at, copy.agent, copy.agent_name = score, done, agent, agent.full_name
        copy.save()
        # a few share one creation instant: the id breaks the tie
        Evaluation.objects.filter(pk=copy.pk).update(created_at=base + dt.timedelta(minutes=i // 3))
        rows.append(copy)
    return rows


@pytest.mark.parametrize("sort", list(SORTS))
def test_the_evaluations_table_pages_by_keyset_forward_and_back_in_every_sort(personas, many, sort):
    filters = EvaluationFilter.of({"sort": sort})
    everything = [e.pk for e in selectors.evaluation_list(viewer=personas.admin, filters=filters)]
    assert len(everything) == len(many)
    pages, cursor = [], ""
    while True:
        page = selectors.evaluation_page(
            selectors.evaluation_list(viewer=personas.admin, filters=filters), filters, cursor, 3
        )
        pages.append(page)
        if page.next is None:
            break
        cursor = page.next
    assert [e.pk for p in pages for e in p.rows] == everything
    # back from the last page to the first, through the previous cursors
    back = [pages[-1]]
    while back[-1].previous:
        listed = selectors.evaluation_list(viewer=personas.admin, filters=filters)
        back.append(selectors.evaluation_page(listed, filters, back[-1].previous, 3))
    assert [[e.pk for e in p.rows] for p in reversed(back)] == [[e.pk for e in p.rows] for p in pages]


def _walk(viewer, sort: str, size: int) -> list[Evaluation]:
    """Every row of the table in ``sort``, read page by page through the next cursors."""
    filters = EvaluationFilter.of({"sort": sort})
    rows, cursor = [], ""
    while True:
        listed = selectors.evaluation_list(viewer=viewer, filters=filters)
        page = selectors.evaluation_page(listed, filters, cursor, size)
        rows += page.rows
        if page.next is None:
            return rows
        cursor = page.next


def test_the_agent_sort_pages_across_equal_names_by_id(personas, many):
    a1, b1 = personas.agent_a1, personas.agent_b1  # "Andy Agent" (6 evaluations) before "Bea Agent" (5)
    rows = _walk(personas.admin, "agent", 2)  # pages of 2 split both runs of equal names
    assert [e.agent_id for e in rows] == [a1.pk] * 6 + [b1.pk] * 5
    assert [e.pk for e in rows] == sorted(e.pk for e in rows if e.agent_id == a1.pk) + sorted(
        e.pk for e in rows if e.agent_id == b1.pk
    )
    backwards = _walk(personas.admin, "-agent", 4)
    assert [e.pk for e in backwards] == [e.pk for e in reversed(rows)]


def test_an_evaluation_keeps_its_agents_name_from_the_start(draft):
    draft.refresh_from_db()
    assert draft.agent_name == draft.agent.full_name != ""


def test_renaming_an_agent_moves_their_evaluations_in_the_agent_sort(client_for, personas, many):
    from cxq.accounts import services as accounts

    a1, b1 = personas.agent_a1, personas.agent_b1
    accounts.user_update(by=personas.admin, user=a1, full_name="Zoe Agent")  # an administrator renames
    assert [e.agent_id for e in _walk(personas.admin, "agent", 3)] == [b1.pk] * 5 + [a1.pk] * 6
    assert set(Evaluation.objects.filter(agent=a1).values_list("agent_name", flat=True)) == {"Zoe Agent"}
    accounts.user_update_profile(user=b1, full_name="Zed Agent", time_zone="")  # on one's own profile
    assert [e.agent_id for e in _walk(personas.admin, "agent", 3)] == [b1.pk] * 5 + [a1.pk] * 6
    page = client_for("admin").get(reverse("evaluations:list"), {"sort": "-agent"}).content.decode()
    assert page.index("Zoe Agent") < page.index("Zed Agent")


def test_empty_scores_sort_as_the_largest_both_ways(personas, many):
    lowest = selectors.evaluation_list(viewer=personas.admin, sort="score")
    highest = selectors.evaluation_list(viewer=personas.admin, sort="-score")
    assert [e.score_percent for e in lowest][-3:] == [None, None, None]
    assert [e.score_percent for e in highest][:3] == [None, None, None]
    assert [e.score_percent for e in highest][3] == Decimal("100.00")


def test_the_page_and_the_api_walk_deep_pages_with_their_cursors(client_for, personas, many):
    client = client_for("admin")
    first = client.get(reverse("evaluations:list"), {"sort": "-score"})
    assert first.status_code == 200 and len(first.context["rows"]) == 11  # one page of 50
    api_rows, url = [], "/api/v1/evaluations?sort=score&page_size=4"
    while url:
        body = client.get(url).json()
        api_rows += [row["id"] for row in body["results"]]
        url = body["next"]
    expected = [str(e.uuid) for e in selectors.evaluation_list(viewer=personas.admin, sort="score")]
    assert api_rows == expected
    second = client.get("/api/v1/evaluations", {"sort": "score", "page_size": 4}).json()["next"]
    assert "sort=score" in second and "cursor=" in second


@pytest.mark.parametrize(
    "cursor", ["nope", keyset.encode(type("Row", (), {"pk": 3, "created_at": None})(), "-created_at")]
)
def test_a_cursor_the_list_could_not_have_made_is_refused_or_ignored(client_for, many, cursor):
    client = client_for("admin")
    api = client.get("/api/v1/evaluations", {"cursor": cursor})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "cursor"]
    page = client.get(reverse("evaluations:list"), {"cursor": cursor})  # the page starts again
    assert page.status_code == 200 and len(page.context["rows"]) == 11


def test_a_score_cursor_is_refused_on_the_created_sort(client_for, many):
    client = client_for("admin")
    by_score = client.get("/api/v1/evaluations", {"sort": "score", "page_size": 2}).json()["next"]
    cursor = by_score.split("cursor=")[1]
    assert client.get("/api/v1/evaluations", {"sort": "score", "cursor": cursor}).status_code == 200
    assert client.get("/api/v1/evaluations", {"sort": "-created", "cursor": cursor}).status_code == 422


# --- Pickers -----------------------------------------------------------------------------------------------


def test_the_pickers_answer_within_the_viewers_scope(client_for, personas, card):
    supervisor = client_for("supervisor_a")
    agents = supervisor.get(reverse("accounts:pick_agents")).json()["results"]
    assert {a["text"] for a in agents} == {personas.agent_a1.full_name}
    assert supervisor.get(reverse("accounts:pick_agents"), {"q": "bea"}).json() == {"results": []}
    everyone = client_for("admin").get(reverse("accounts:pick_agents"), {"q": "agent"}).json()["results"]
    assert {a["value"] for a in everyone} >= {str(personas.agent_a1.uuid), str(personas.agent_b1.uuid)}
    teams = supervisor.get(reverse("accounts:pick_teams")).json()["results"]
    assert [t["text"] for t in teams] == ["Team A"]
    evaluators = client_for("admin").get(reverse("accounts:pick_evaluators"), {"q": "eva"}).json()["results"]
    assert [e["value"] for e in evaluators] == [str(personas.evaluator.uuid)]
    cards = supervisor.get(reverse("scorecards:pick"), {"q": card.name[:4]}).json()["results"]
    assert cards == [{"value": str(card.uuid), "text": card.name}]
    assert client_for("agent_a1").get(reverse("accounts:pick_agents")).json()["results"] == [
        {"value": str(personas.agent_a1.uuid), "text": personas.agent_a1.full_name}
    ]


def test_a_list_renders_only_the_chosen_agent_and_refuses_one_out_of_scope(client_for, personas, completed):
    client = client_for("supervisor_a")
    page = client.get(reverse("evaluations:list"))
    html = page.content.decode()
    assert 'data-autocomplete="/pick/agents/"' in html and 'x-data="autocomplete"' in html
    assert personas.agent_a1.full_name not in html.split('id="id_agent"')[1].split("</select>")[0]
    chosen = client.get(reverse("interactions:list"), {"agent": str(personas.agent_a1.uuid)}).content.decode()
    assert f'<option value="{personas.agent_a1.uuid}" selected>{personas.agent_a1.full_name}</option>' in chosen
    outside = client.get(reverse("interactions:list"), {"agent": str(personas.agent_b1.uuid)})
    assert outside.status_code == 400 and "Select a valid choice" in outside.content.decode()


def test_a_list_page_reads_no_agent_but_the_chosen_one(client_for, personas, completed, django_assert_max_num_queries):
    from cxq.accounts.models import User
    from tests.conftest import make_user

    team = personas.team_a
    for i in range(30):  # thirty more agents in scope: the page's query count does not grow with them
        team.members.add(make_user(f"extra{i}@x.test", f"Extra {i}", "agent"))
    client = client_for("admin")
    with django_assert_max_num_queries(40) as captured:
        assert client.get(reverse("interactions:list")).status_code == 200
    assert not any("Extra" in q["sql"] for q in captured.captured_queries)
    assert User.objects.filter(full_name__startswith="Extra").count() == 30


# --- Bands --------------------------------------------------------------------------------------------------


@pytest.fixture
def banded(personas, many):
    card = many[0].scorecard
    card.bands = BANDS
    card.save(update_fields=["bands"])
    return card


def test_the_evaluations_table_filters_by_a_band_of_the_chosen_scorecard(client_for, personas, banded, many):
    client = client_for("admin")
    page = client.get(reverse("evaluations:list"), {"scorecard": str(banded.uuid), "band": "mid"})
    assert page.status_code == 200
    scores = sorted(e.score_percent for e in page.context["rows"])
    assert scores == sorted(e.score_percent for e in many if e.score_percent is not None and 60 <= e.score_percent < 90)
    assert '<option value="mid" selected>Meets</option>' in page.content.decode()
    top = client.get("/api/v1/evaluations", {"scorecard": str(banded.uuid), "band": "high"}).json()["results"]
    assert sorted(Decimal(str(r["score_percent"])) for r in top) == [Decimal("92.00"), Decimal("100.00")]


def test_a_draft_has_no_band(client_for, personas, banded, many):
    Evaluation.objects.filter(pk=many[1].pk).update(status=Status.DRAFT, evaluator=personas.admin)
    rows = selectors.evaluation_list(viewer=personas.admin, scorecard=str(banded.uuid), band="mid")
    assert many[1].pk not in {e.pk for e in rows}


@pytest.mark.parametrize(
    ("params", "message"),
    [({"band": "mid"}, "Choose a scorecard"), ({"band": "nope", "scorecard": "CARD"}, "has no band")],
)
def test_a_band_needs_a_scorecard_that_has_it(client_for, banded, params, message):
    params = {k: str(banded.uuid) if v == "CARD" else v for k, v in params.items()}
    api = client_for("admin").get("/api/v1/evaluations", params)
    assert (
        api.status_code == 400 and api.json()["errors"]["band"][0].startswith(message[:6]) or message in str(api.json())
    )


def test_analytics_reports_filter_by_a_band(client_for, personas, banded, many):
    from cxq.analytics.services import analytics_rebuild

    analytics_rebuild()
    client = client_for("admin")
    start = (timezone.now() - dt.timedelta(days=30)).date().isoformat()
    base = {"scorecard": str(banded.uuid), "date_from": start}
    everything = client.get("/api/v1/analytics/breakdown", base).json()
    high = client.get("/api/v1/analytics/breakdown", {**base, "band": "high"}).json()
    assert everything["overall"]["count"] > high["overall"]["count"] == 2
    assert high["overall"]["average_score"] == 96.0
    page = client.get(reverse("analytics:breakdown"), {**base, "band": "high"})
    assert page.status_code == 200 and '<option value="high" selected>Exceeds</option>' in page.content.decode()
    refused = client.get("/api/v1/analytics/breakdown", {"band": "high"})
    assert refused.status_code == 400 and "band" in refused.json()["detail"]


# --- Saved filters ------------------------------------------------------------------------------------------


def test_saved_filters_are_listed_created_and_deleted_by_their_owner(client_for, personas):
    client = client_for("supervisor_a")
    made = client.post(
        "/api/v1/saved-filters", {"name": " Voice  calls ", "query": "channel=voice&cursor=abc"}, "application/json"
    )
    assert made.status_code == 201
    body = made.json()
    assert (
        body["name"] == "Voice calls"
        and body["query"] == "channel=voice"
        and body["url"] == "/interactions/?channel=voice"
    )
    assert [f["name"] for f in client.get("/api/v1/saved-filters").json()["results"]] == ["Voice calls"]
    assert client_for("admin").get("/api/v1/saved-filters").json()["results"] == []
    assert client_for("admin").delete(f"/api/v1/saved-filters/{body['id']}").status_code == 404
    assert client.delete(f"/api/v1/saved-filters/{body['id']}").status_code == 204
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "query": "channel=voice"}, "name"),
        ({"name": "X", "query": ""}, "query"),
        ({"name": "X", "query": "colour=red"}, "query.colour"),
        ({"name": "X", "query": "channel=fax"}, "query.channel"),
        ({"name": "X", "query": "date_from=2026-02-01&date_to=2026-01-01"}, "query.date_to"),
    ],
)
def test_a_saved_filter_the_list_would_refuse_is_refused_naming_it(client_for, personas, payload, field):
    response = client_for("supervisor_a").post("/api/v1/saved-filters", payload, "application/json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not SavedFilter.objects.exists()


def test_a_saved_filter_naming_an_agent_out_of_scope_is_refused(client_for, personas):
    query = f"agent={personas.agent_b1.uuid}"
    response = client_for("supervisor_a").post(
        "/api/v1/saved-filters", {"name": "B", "query": query}, "application/json"
    )
    assert response.status_code == 400 and "query.agent" in response.json()["errors"]


# --- Bulk assign ---------------------------------------------------------------------------------------------


@pytest.fixture
def calls(personas):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    made = []
    for i in range(4):
        payload = {**PAYLOAD, "external_id": f"bulk-{i}"}
        made.append(interaction_upsert(data=InteractionIn.model_validate(payload))[0])
    return made


@pytest.fixture
def published(personas):
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


def _bulk(client, calls, published, **extra):
    body = {
        "interactions": [str(c.uuid) for c in calls],
        "scorecard": str(published.uuid),
        "due_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
        **extra,
    }
    return client.post("/api/v1/assignments/bulk", body, "application/json")


def test_bulk_assign_gives_every_interaction_to_the_evaluator(client_for, personas, calls, published):
    response = _bulk(client_for("admin"), calls, published, evaluator=str(personas.evaluator.uuid))
    assert response.status_code == 200 and response.json()["errors"] == []
    tasks = Assignment.objects.filter(assignee=personas.evaluator, status=AssignmentStatus.OPEN)
    assert {t.interaction_id for t in tasks} == {c.pk for c in calls}


def test_bulk_assign_spreads_a_pool_round_robin_or_by_load(client_for, personas, calls, published):
    from tests.conftest import make_user

    second = make_user("second.eval@x.test", "Second Evaluator", "admin")
    pool = [str(personas.evaluator.uuid), str(second.uuid)]
    response = _bulk(client_for("admin"), calls, published, pool=pool)
    assert response.status_code == 200
    names = [t["assignee"]["full_name"] for t in response.json()["created"]]
    assert names == [personas.evaluator.full_name, second.full_name] * 2
    _bulk(client_for("admin"), calls[:1], published, evaluator=str(second.uuid))  # second now has one more
    loaded = _bulk(client_for("admin"), calls[1:], published, pool=pool, distribution="least_loaded").json()
    counts = {u: Assignment.objects.filter(assignee__uuid=u, status=AssignmentStatus.OPEN).count() for u in pool}
    assert len(loaded["created"]) == 3 and counts == {pool[0]: 4, pool[1]: 4}


def test_bulk_assign_is_all_or_nothing_unless_asked_per_item(client_for, personas, calls, published):
    client = client_for("supervisor_a")
    foreign = str(uuid4())
    body_calls = [*calls[:2], type("Missing", (), {"uuid": foreign})()]
    refused = _bulk(client, body_calls, published, evaluator=str(personas.evaluator.uuid))
    assert refused.status_code == 400 and "interactions[2]" in refused.json()["errors"]
    assert not Assignment.objects.exists()
    partial = _bulk(client, body_calls, published, evaluator=str(personas.evaluator.uuid), mode="per_item")
    assert partial.status_code == 200
    assert partial.json()["errors"] == [
        {"index": 2, "interaction": foreign, "detail": "No interaction in your scope has this id."}
    ]
    assert Assignment.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({}, 400, "evaluator"),
        ({"evaluator": "EVAL", "pool": ["EVAL"]}, 400, "evaluator"),
        ({"evaluator": str(uuid4())}, 400, "evaluator"),
        ({"pool": []}, 422, None),
        ({"evaluator": "EVAL", "due_at": "2020-01-01T00:00:00Z"}, 400, "interactions[0]"),
        ({"evaluator": "EVAL", "distribution": "random"}, 422, None),
    ],
)
def test_bulk_assign_refuses_bad_input_and_changes_nothing(
    client_for, personas, calls, published, extra, status, field
):
    evaluator = str(personas.evaluator.uuid)
    extra = {k: ([evaluator] if v == ["EVAL"] else evaluator if v == "EVAL" else v) for k, v in extra.items()}
    response = _bulk(client_for("admin"), calls, published, **extra)
    assert response.status_code == status
    if field:
        assert field in response.json()["errors"]
    assert not Assignment.objects.exists()


def test_the_migration_fills_every_evaluations_agent_name(personas, many):
    import importlib

    from django.apps import apps

    Evaluation.objects.update(agent_name="")
    importlib.import_module("cxq.evaluations.migrations.0012_agent_name").fill_agent_names(apps, None)
    names = dict(Evaluation.objects.values_list("pk", "agent_name"))
    assert names == {e.pk: e.agent.full_name for e in many}
