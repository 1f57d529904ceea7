"""A calibration assessor who has not submitted sees no other evaluation of the interaction, on any surface,
until they submit (docs/calibrations.md#blindness); sessions pick their interaction from a search; every statistic
carries its one-line explanation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxq.calibrations import services
from cxq.calibrations.stats import EXPLANATIONS
from cxq.evaluations import selectors as evaluation_selectors
from cxq.evaluations import services as ev
from tests.calibrations.conftest import score

A = {"greet": "yes", "tone": 4, "disclosure": "yes"}
B = {"greet": "no", "tone": 2, "disclosure": "yes"}


@pytest.fixture
def other(personas, session, card, call, team_a_evaluators):
    """An ordinary evaluation of the session's interaction, by a lead of team A who is not an assessor."""
    outsider = team_a_evaluators[0]
    evaluation = ev.evaluation_start(by=outsider, interaction=call, scorecard=card)
    evaluation = ev.evaluation_save(by=outsider, evaluation=evaluation, answers=B)
    return ev.evaluation_submit(by=outsider, evaluation=evaluation)


def sees(client, other, call) -> dict[str, bool]:
    """Whether each surface shows the other evaluation."""
    uid = str(other.uuid)
    detail = client.get(reverse("evaluations:detail", args=[other.uuid]))
    api_get = client.get(f"/api/v1/evaluations/{uid}")
    api_list = client.get("/api/v1/evaluations").json()
    return {
        "interaction page (Performance tab)": uid
        in client.get(reverse("interactions:detail", args=[call.uuid])).content.decode(),
        "evaluation page": detail.status_code == 200,
        "evaluations table": uid in client.get(reverse("evaluations:list")).content.decode(),
        "evaluations CSV": uid
        in b"".join(client.get(reverse("evaluations:list"), {"format": "csv"}).streaming_content).decode(),
        "analytics drill-down": uid
        in client.get(
            reverse("evaluations:list"), {"counted": "1", "scorecard": str(other.scorecard.uuid)}
        ).content.decode(),
        "API evaluation": api_get.status_code == 200,
        "API list": uid in [e["id"] for e in api_list["results"]],
    }


def test_an_unsubmitted_assessor_sees_no_other_evaluation_on_any_surface(personas, session, other, call, client_for):
    blind = sees(client_for("supervisor_a"), other, call)
    assert not any(blind.values()), blind
    # someone without a seat sees it everywhere, so every surface above can show it
    assert not any(sees(client_for("admin"), other, call).values())  # admin is the benchmark: blind too
    outsider_view = sees(client_for_user(personas, "eval3@example.com"), other, call)
    assert all(outsider_view.values()), outsider_view


def client_for_user(personas, email):
    from django.test import Client

    from cxq.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def test_submitting_lifts_the_blindness(personas, session, other, call, client_for):
    score(session, personas.supervisor_a, A)
    view = sees(client_for("supervisor_a"), other, call)
    assert all(view.values()), view


def test_their_own_draft_stays_reachable_while_blind(personas, session, other, call, client_for):
    mine = score(session, personas.supervisor_a, A, submit=False)
    assert client_for("supervisor_a").get(reverse("evaluations:detail", args=[mine.uuid])).status_code == 200


def test_leaving_does_not_lift_it_and_closing_does(personas, session, other, call, client_for):
    services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.supervisor_a)
    assert not any(sees(client_for("supervisor_a"), other, call).values())
    services.session_close(by=personas.supervisor_a, session=session)
    assert all(sees(client_for("supervisor_a"), other, call).values())


def test_blindness_is_one_rule_in_the_evaluations_scope(personas, session, other):
    scope = evaluation_selectors.evaluation_scope
    assert not scope(viewer=personas.supervisor_a).filter(pk=other.pk).exists()
    assert scope(viewer=personas.supervisor_a).filter(interaction=other.interaction).count() == 0


# --- picking the interaction ------------------------------------------------------------------------------


def test_the_interaction_picker_searches_in_scope(personas, call, client_for):
    url = reverse("calibrations:interaction_options")
    client = client_for("supervisor_a")
    for text in ("Andy", "andy agent", "call-1", str(call.uuid)):
        body = client.get(url, {"interaction": text}).content.decode()
        assert f'<option value="{call.uuid}">Voice · Andy Agent' in body, text
    assert "<option" not in client.get(url, {"interaction": "nobody"}).content.decode()
    assert str(call.uuid) in client.get(url).content.decode()  # newest first before typing
    assert "<option" not in client_for("manager_b").get(url, {"interaction": "Andy"}).content.decode()
    assert client.get(url, {"interaction": "bad\x00"}).status_code == 400
    assert client_for("evaluator").get(url).status_code == 403


def test_the_new_session_form_offers_the_search(personas, card, client_for):
    page = client_for("supervisor_a").get(reverse("calibrations:new")).content.decode()
    assert 'list="interaction-options"' in page and '<datalist id="interaction-options"' in page
    assert f'hx-get="{reverse("calibrations:interaction_options")}"' in page


# --- explanations --------------------------------------------------------------------------------------


def test_every_statistic_carries_its_explanation(personas, session, card, client_for):
    score(session, personas.evaluator, A)
    score(session, personas.admin, B)
    score(session, personas.supervisor_a, A)
    client = client_for("supervisor_a")
    page = client.get(reverse("calibrations:detail", args=[session.uuid])).content.decode()
    for name in ("completion", "average", "range", "stdev", "alpha_interval", "alpha_nominal", "percent_agreement"):
        assert f'data-testid="explain-{name}">{EXPLANATIONS[name]}' in page.replace("&#x27;", "'"), name
    page = page.replace("&#x27;", "'")
    assert EXPLANATIONS["pp"] in page and EXPLANATIONS["mad_mean"] in page
    agreement = client.get(reverse("calibrations:agreement"), {"scorecard": str(card.uuid)}).content.decode()
    agreement = agreement.replace("&#x27;", "'")
    for name in ("sessions", "alpha_interval", "alpha_nominal", "percent_agreement"):
        assert EXPLANATIONS[name] in agreement, name
