"""The fast path (facts + rollups maintained by the evaluation services) equals a straightforward
recomputation from the evaluations, through re-evaluations, voids, deletions and new scorecard versions;
and what must never count does not (docs/analytics.md#what-counts)."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxq.analytics import selectors
from cxq.analytics.models import AnswerFact, AnswerRollup, EvaluationFact, EvaluationRollup, SectionRollup
from cxq.analytics.services import analytics_rebuild
from cxq.evaluations import services as ev
from cxq.evaluations.models import Evaluation
from cxq.scorecards import services as sc
from tests.analytics.conftest import evaluate, fast, filters_for, reference
from tests.scorecards.conftest import DOC

ALL = selectors.Scope(team_ids=None)
GOOD = {"greet": "yes", "tone": 5, "disclosure": "yes"}
MIXED = {"greet": "no", "tone": 3, "disclosure": "yes"}
FAILED = {"greet": "yes", "tone": "na", "disclosure": "no"}


def assert_fast_equals_reference(f, scope=ALL, **ref):
    assert fast(selectors.breakdown(f, scope)) == reference(f, **ref)


def rollup_snapshot():
    def rows(model, exclude=("id",)):
        out = set()
        for row in model.objects.values():
            out.add(
                tuple(
                    sorted((k, round(v, 6) if isinstance(v, float) else v) for k, v in row.items() if k not in exclude)
                )
            )
        return out

    return rows(EvaluationRollup), rows(AnswerRollup), rows(SectionRollup)


def test_a_submitted_evaluation_counts_in_every_figure(personas, card, today):
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    evaluate(personas.evaluator, personas.agent_a1, card, MIXED, channel="chat")
    result = selectors.breakdown(filters_for(today), ALL)
    assert result["overall"]["count"] == 2 and result["overall"]["pass_rate"] == 50.0
    opening = result["sections"][0]
    greet = opening["questions"][0]
    assert greet["key"] == "greet" and [o["count"] for o in greet["options"]] == [1, 1]
    assert greet["options"][0]["percent"] == 50.0 and greet["average_points"] == 2.5
    assert_fast_equals_reference(filters_for(today))
    assert_fast_equals_reference(filters_for(today, channel="chat"))


def test_drafts_voided_calibration_and_deleted_automated_evaluations_never_count(personas, card, today):
    kept = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    evaluate(personas.evaluator, personas.agent_a1, card, MIXED, submit=False)  # a draft
    voided = evaluate(personas.evaluator, personas.agent_a1, card, FAILED)
    ev.evaluation_void(by=personas.supervisor_a, evaluation=voided, reason="Wrong call")
    evaluate(personas.evaluator, personas.agent_a1, card, FAILED, source="calibration")
    automated = evaluate(personas.evaluator, personas.agent_a1, card, MIXED, source="automated")
    assert EvaluationFact.objects.count() == 2
    ev.evaluation_delete_automated(by=personas.supervisor_a, evaluation=automated)
    assert list(EvaluationFact.objects.values_list("evaluation_id", flat=True)) == [kept.pk]
    assert not AnswerFact.objects.exclude(evaluation_id=kept.pk).exists()
    result = selectors.breakdown(filters_for(today), ALL)
    assert result["overall"]["count"] == 1 and result["overall"]["average_score"] == 100.0
    assert_fast_equals_reference(filters_for(today))
    before = rollup_snapshot()
    analytics_rebuild()
    assert rollup_snapshot() == before


def test_each_exclusion_on_its_own(personas, card, today):
    f = filters_for(today)
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD, submit=False)
    assert selectors.overall(f, ALL)["count"] == 0, "a draft counted"
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD, source="calibration")
    assert selectors.overall(f, ALL)["count"] == 0, "a calibration evaluation counted"
    voided = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    assert selectors.overall(f, ALL)["count"] == 1
    ev.evaluation_void(by=personas.admin, evaluation=voided, reason="Test")
    assert selectors.overall(f, ALL)["count"] == 0, "a voided evaluation counted"
    automated = evaluate(personas.evaluator, personas.agent_a1, card, GOOD, source="automated")
    assert selectors.overall(f, ALL)["count"] == 1
    ev.evaluation_delete_automated(by=personas.admin, evaluation=automated)
    assert selectors.overall(f, ALL)["count"] == 0, "a deleted automated evaluation counted"
    assert not EvaluationRollup.objects.exists() and not AnswerRollup.objects.exists()


def test_a_dispute_adjustment_moves_the_answer_and_the_score(personas, card, today):
    evaluation = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    ev.evaluation_dispute(by=personas.agent_a1, evaluation=evaluation, items=[("greet", "I did greet them")])
    board = selectors.leaderboard(filters_for(today), ALL, of="agents")
    assert board[0]["dispute_rate"] == 50.0 and board[0]["disputes_open"] == 1
    ev.dispute_respond(by=personas.evaluator, evaluation=evaluation, responses={"greet": ("adjust", "", "yes")})
    result = selectors.breakdown(filters_for(today), ALL)
    greet = result["sections"][0]["questions"][0]
    assert [o["count"] for o in greet["options"]] == [2, 0]
    assert_fast_equals_reference(filters_for(today))
    board = selectors.leaderboard(filters_for(today), ALL, of="agents")
    assert board[0]["disputes_adjusted"] == 1 and board[0]["disputes_open"] == 0
    before = rollup_snapshot()
    analytics_rebuild()
    assert rollup_snapshot() == before


def test_a_new_scorecard_version_combines_by_question_key_and_marks_the_changed_question(personas, card, today):
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    doc = copy.deepcopy(DOC)
    doc["sections"][0]["questions"][0]["options"][0]["points"] = 10  # greet: yes is now worth 10
    card, outcome = sc.scorecard_update(by=personas.admin, scorecard=card, document=doc, change_note="Greeting matters")
    assert card.current_version.number == 2
    evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    result = selectors.breakdown(filters_for(today), ALL)
    assert len(result["versions"]) == 2
    questions = {q["key"]: q for s in result["sections"] for q in s["questions"]}
    assert questions["greet"]["changed"] and not questions["tone"]["changed"]
    assert [o["count"] for o in questions["greet"]["options"]] == [1, 1]
    assert_fast_equals_reference(filters_for(today))
    v1 = result["versions"][-1]["id"]
    assert_fast_equals_reference(filters_for(today, version_ids=[v1]))


def test_filters_and_scope_match_the_reference(personas, card, today):
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    evaluate(personas.supervisor_a, personas.agent_a1, card, FAILED, channel="chat")
    evaluate(personas.manager_b, personas.agent_b1, card, MIXED)
    a, b = personas.team_a.pk, personas.team_b.pk
    for kw in (
        {},
        {"team_ids": [a]},
        {"agent_id": personas.agent_a1.pk},
        {"evaluator_id": personas.supervisor_a.pk},
        {"agent_id": personas.agent_a1.pk, "evaluator_id": personas.evaluator.pk},
        {"channel": "voice", "source": "manual"},
        {"scorecard_ids": [card.pk]},
    ):
        assert_fast_equals_reference(filters_for(today, **kw))
    lead = selectors.scope_of(personas.manager_b)
    assert lead.team_ids == (b,)
    assert_fast_equals_reference(filters_for(today), lead, team_ids=[b])
    # a manager asking for another team's numbers gets nothing of it
    assert selectors.overall(filters_for(today, team_ids=[a]), lead)["count"] == 0
    mine = selectors.scope_of(personas.agent_a1)
    assert mine.agent_id == personas.agent_a1.pk
    assert_fast_equals_reference(filters_for(today), mine, agent_id=personas.agent_a1.pk)


def test_dates_outside_the_range_and_month_segments(personas, card, today):
    old = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    recent = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    # move one evaluation 70 days back and rebuild: it lands in another month
    Evaluation.objects.filter(pk=old.pk).update(completed_at=recent.completed_at - timedelta(days=70))
    analytics_rebuild()
    for start in (today - timedelta(days=120), today - timedelta(days=69), today - timedelta(days=71), today):
        f = filters_for(today, date_from=start)
        assert_fast_equals_reference(f)
        assert selectors.overall(f, ALL)["count"] == reference(f)["count"]


def test_segments_cover_the_range_exactly():
    """The signed pieces add up to each day of the range exactly once, and never read more than about half
    a month of day rows per edge."""
    from collections import Counter
    from datetime import date

    for start, end in (
        (date(2026, 1, 15), date(2026, 4, 3)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 3), date(2026, 2, 20)),
        (date(2025, 12, 3), date(2026, 11, 29)),
        (date(2026, 3, 10), date(2026, 3, 12)),
        (date(2026, 1, 31), date(2026, 2, 1)),
    ):
        days: Counter = Counter()
        day_rows = 0
        for grain, a, b, sign in selectors.segments(start, end):
            assert a <= b and sign in (1, -1)
            if grain == "m":
                assert a.day == 1 and (b + timedelta(days=1)).day == 1
            else:
                day_rows += (b - a).days + 1
            d = a
            while d <= b:
                days[d] += sign
                d += timedelta(days=1)
        covered = {d for d, n in days.items() if n}
        assert all(n in (0, 1) for n in days.values())
        assert min(covered) == start and max(covered) == end and len(covered) == (end - start).days + 1
        assert day_rows <= 32


OPS = st.lists(
    st.tuples(
        st.sampled_from(["submit", "void", "dispute_adjust", "dispute_reaffirm", "automated_delete", "calibration"]),
        st.sampled_from([GOOD, MIXED, FAILED]),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_of_changes_keeps_the_fast_path_equal_to_the_recomputation(personas, card, today, ops):
    Evaluation.objects.all().delete()
    analytics_rebuild()
    for op, answers, team_b in ops:
        agent = personas.agent_b1 if team_b else personas.agent_a1
        by = personas.manager_b if team_b else personas.evaluator
        source = {"automated_delete": "automated", "calibration": "calibration"}.get(op, "manual")
        evaluation = evaluate(by, agent, card, answers, source=source)
        if op == "void":
            ev.evaluation_void(by=personas.admin, evaluation=evaluation, reason="x")
        elif op == "automated_delete":
            ev.evaluation_delete_automated(by=personas.admin, evaluation=evaluation)
        elif op.startswith("dispute"):
            ev.evaluation_dispute(by=agent, evaluation=evaluation, items=[("greet", "no")])
            flip = "no" if answers["greet"] == "yes" else "yes"
            response = ("adjust", "", flip) if op == "dispute_adjust" else ("reaffirm", "It stands", None)
            ev.dispute_respond(by=by, evaluation=evaluation, responses={"greet": response})
    f = filters_for(today)
    assert_fast_equals_reference(f)
    assert_fast_equals_reference(filters_for(today, team_ids=[personas.team_b.pk]))
    before = rollup_snapshot()
    analytics_rebuild()
    assert rollup_snapshot() == before


def test_two_scorecards_never_combine_even_with_the_same_question_keys(personas, card, today):
    other = sc.scorecard_publish(
        by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document={**DOC, "name": "Other QA"})
    )
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    evaluate(personas.evaluator, personas.agent_a1, other, MIXED)
    evaluate(personas.evaluator, personas.agent_a1, other, MIXED)
    result = selectors.breakdown(filters_for(today), ALL)
    greet = {
        s["scorecard"]: next(q for q in s["questions"] if q["key"] == "greet")
        for s in result["sections"]
        if s["key"] == "opening"
    }
    assert [o["count"] for o in greet["Support QA"]["options"]] == [1, 0]
    assert [o["count"] for o in greet["Other QA"]["options"]] == [0, 2]
    assert not greet["Other QA"]["changed"]
    assert_fast_equals_reference(filters_for(today, scorecard_ids=[other.pk]))


def test_re_ingesting_an_evaluated_interaction_on_another_channel_moves_its_figures(personas, card, today):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert, interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    by_api = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    by_bulk = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    untouched = evaluate(personas.evaluator, personas.agent_a1, card, FAILED)
    assert selectors.breakdown(filters_for(today, channel="chat"), ALL)["overall"]["count"] == 0

    def again(evaluation, channel):
        payload = copy.deepcopy(PAYLOAD)
        payload.update(
            external_id=evaluation.interaction.external_id, channel=channel, agent={"email": personas.agent_a1.email}
        )
        return payload

    interaction_upsert(data=InteractionIn.model_validate(again(by_api, "chat")))
    report = interaction_bulk_upsert(
        payloads=[again(by_bulk, "chat"), again(untouched, "voice")], enrichment=Enrichment.LATER
    )
    assert report.updated == 2

    assert selectors.breakdown(filters_for(today, channel="chat"), ALL)["overall"]["count"] == 2
    assert set(EvaluationFact.objects.values_list("evaluation_id", "channel")) == {
        (by_api.pk, "chat"),
        (by_bulk.pk, "chat"),
        (untouched.pk, "voice"),
    }
    for channel in ("chat", "voice", ""):
        assert_fast_equals_reference(filters_for(today, channel=channel))
    before = rollup_snapshot()
    analytics_rebuild()
    assert rollup_snapshot() == before  # what the incremental update left is what a rebuild makes


def test_a_new_organisation_time_zone_moves_evaluations_to_their_day_there(
    personas, card, client_for, django_capture_on_commit_callbacks
):
    from datetime import UTC, date, datetime

    from cxq.accounts.services import org_settings_update
    from cxq.analytics.services import zone_notice

    late_evening_utc = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)  # 11 November at UTC+14
    evaluation = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    Evaluation.objects.filter(pk=evaluation.pk).update(completed_at=late_evening_utc)
    analytics_rebuild()
    assert EvaluationFact.objects.get().day == date(2026, 11, 10)

    with django_capture_on_commit_callbacks() as callbacks:
        org_settings_update(by=personas.admin, default_time_zone="Pacific/Kiritimati")
    # a small history: the rebuild is queued for when the settings are committed
    assert len(callbacks) == 1 and zone_notice() == {
        "facts_zone": "UTC",
        "org_zone": "Pacific/Kiritimati",
        "rebuilding": True,
    }
    assert "recomputed for the organisation" in client_for("admin").get("/analytics/").content.decode()
    callbacks[0]()

    assert EvaluationFact.objects.get().day == date(2026, 11, 11) and zone_notice() is None
    eleventh = filters_for(date(2026, 11, 11), date_from=date(2026, 11, 11))
    assert selectors.breakdown(eleventh, ALL)["overall"]["count"] == 1
    assert_fast_equals_reference(eleventh)
    assert 'data-testid="zone-notice"' not in client_for("admin").get("/analytics/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        org_settings_update(by=personas.admin, acknowledgement_days=5)  # same zone: nothing to recompute
    assert callbacks == []


def test_a_large_history_keeps_its_time_zone_until_rebuilt_and_new_evaluations_join_it(
    personas, card, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import UTC, date, datetime

    from cxq.accounts.services import org_settings_update
    from cxq.analytics import services

    monkeypatch.setattr(services, "AUTO_REBUILD_MAX", 0)
    late_evening_utc = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)
    first = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    Evaluation.objects.filter(pk=first.pk).update(completed_at=late_evening_utc)
    analytics_rebuild()

    with django_capture_on_commit_callbacks() as callbacks:
        org_settings_update(by=personas.admin, default_time_zone="Pacific/Kiritimati")
    assert callbacks == []  # too big to rebuild behind the administrator's back
    assert services.zone_notice() == {"facts_zone": "UTC", "org_zone": "Pacific/Kiritimati", "rebuilding": False}
    html = client_for("manager_b").get("/analytics/trends/").content.decode()
    assert "counted in UTC time, the organisation's previous time zone" in html

    # a later evaluation is filed in the facts' zone too, so every figure still agrees
    second = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    Evaluation.objects.filter(pk=second.pk).update(completed_at=late_evening_utc)
    services.evaluation_changed(Evaluation.objects.get(pk=second.pk))
    assert set(EvaluationFact.objects.values_list("day", flat=True)) == {date(2026, 11, 10)}
    assert_fast_equals_reference(filters_for(date(2026, 11, 10), date_from=date(2026, 11, 10)))

    analytics_rebuild()  # `cxq analytics rebuild`
    assert set(EvaluationFact.objects.values_list("day", flat=True)) == {date(2026, 11, 11)}
    assert services.zone_notice() is None
    assert_fast_equals_reference(filters_for(date(2026, 11, 11), date_from=date(2026, 11, 11)))


def test_deleting_a_team_files_its_evaluations_under_no_team(personas, card, today):
    from cxq.accounts.services import team_delete

    in_a = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    also_in_a = evaluate(personas.evaluator, personas.agent_a1, card, FAILED)
    in_b = evaluate(personas.admin, personas.agent_b1, card, MIXED)
    Evaluation.objects.filter(pk=in_b.pk).update(team=None)  # one already without a team: rows to add to
    analytics_rebuild()
    team_a = personas.team_a.pk
    assert EvaluationFact.objects.get(evaluation_id=in_a.pk).team_id == team_a

    team_delete(by=personas.admin, team=personas.team_a)

    assert dict(EvaluationFact.objects.values_list("evaluation_id", "team_id")) == {
        in_a.pk: 0,
        also_in_a.pk: 0,
        in_b.pk: 0,
    }
    assert selectors.breakdown(filters_for(today, team_ids=[team_a]), ALL)["overall"]["count"] == 0
    assert selectors.breakdown(filters_for(today, team_ids=[0]), ALL)["overall"]["count"] == 3
    assert_fast_equals_reference(filters_for(today))
    assert_fast_equals_reference(filters_for(today, team_ids=[0]))
    merged = rollup_snapshot()
    analytics_rebuild()
    assert rollup_snapshot() == merged  # the merge left what a rebuild makes
