"""Automation cards (docs/automations.md): the first enabled matching card applies when an interaction
arrives; order is priority; tasks go round-robin or to the least loaded; every firing is logged; "test a
card" says why each card matches or not."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cxq.automations import selectors, services
from cxq.automations.models import Match
from cxq.evaluations.choices import AssignmentStatus, Source
from cxq.evaluations.models import Assignment, Evaluation
from cxq.evaluations.services import evaluation_start
from cxq.interactions.phrases import phrase_set_create
from cxq.interactions.services import interaction_bulk_upsert, interaction_upsert, parse_payload
from cxq.scorecards import services as sc
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

n = 0


def ingest(personas, **changes):
    global n
    n += 1
    payload = {**PAYLOAD, "external_id": f"auto-{n}", **changes}
    return interaction_upsert(data=parse_payload(payload))[0]


@pytest.fixture
def greeting(personas):
    return phrase_set_create(by=personas.admin, name="Greeting", phrases=["thank you for calling"])


@pytest.fixture
def card(personas, greeting):
    links = {"greet": {"indicator": str(greeting.uuid), "side": "agent", "mentioned": "yes", "absent": "no"}}
    draft = sc.scorecard_create(by=personas.admin, document=DOC, indicator_links=links)
    return sc.scorecard_publish(by=personas.admin, scorecard=draft)


def rule(personas, card, name, condition, **kw):
    kw.setdefault("pool", [personas.evaluator])
    return services.rule_create(by=personas.supervisor_a, name=name, condition=condition, scorecard=card, **kw)


BILLING = {"all": [{"field": "queue", "op": "is", "value": "Billing"}]}
VOICE = {"all": [{"field": "channel", "op": "is", "value": "voice"}]}


def test_a_bad_condition_is_refused_with_the_path_of_the_bad_part(personas, card):
    with pytest.raises(ValidationError) as exc:
        rule(personas, card, "Bad", {"all": [{"field": "duration", "op": "gt", "value": "long"}]})
    assert list(exc.value.message_dict) == ["condition.all[0].value"]
    with pytest.raises(PermissionDenied):
        services.rule_create(
            by=personas.evaluator, name="No", condition=VOICE, scorecard=card, pool=[personas.evaluator]
        )


def test_the_first_enabled_matching_card_applies_and_order_is_priority(personas, card):
    voice = rule(personas, card, "All voice", VOICE)
    billing = rule(personas, card, "Billing", BILLING, pool=[personas.supervisor_a])
    first = ingest(personas)
    assert Match.objects.get(interaction=first).rule == voice
    assert Assignment.objects.get(interaction=first).assignee == personas.evaluator

    services.rules_reorder(by=personas.supervisor_a, order=[billing.uuid, voice.uuid])
    second = ingest(personas)
    log = Match.objects.get(interaction=second)
    assert (log.rule, log.outcome) == (billing, "assigned")
    task = Assignment.objects.get(interaction=second)
    assert (task.assignee, task.source, task.status) == (
        personas.supervisor_a,
        Source.AUTOMATION,
        AssignmentStatus.OPEN,
    )

    services.rule_update(by=personas.supervisor_a, rule=billing, enabled=False)
    third = ingest(personas)
    assert Match.objects.get(interaction=third).rule == voice
    other = ingest(personas, channel="chat", queue="Sales")
    assert not Match.objects.filter(interaction=other).exists()


def test_a_reorder_must_name_every_card_once(personas, card):
    a = rule(personas, card, "A", VOICE)
    rule(personas, card, "B", BILLING)
    with pytest.raises(ValidationError):
        services.rules_reorder(by=personas.supervisor_a, order=[a.uuid])
    with pytest.raises(ValidationError):
        services.rules_reorder(by=personas.supervisor_a, order=[a.uuid, a.uuid])
    assert [r.name for r in selectors.rule_list(viewer=personas.admin)] == ["A", "B"]


def test_round_robin_takes_the_pool_in_turn_across_batches(personas, card):
    rule(personas, card, "Voice", VOICE, pool=[personas.evaluator, personas.supervisor_a])
    items = [{**PAYLOAD, "external_id": f"rr-{i}"} for i in range(3)]
    interaction_bulk_upsert(payloads=items, enrichment="inline")
    ingest(personas)
    tasks = Assignment.objects.order_by("interaction__id")
    # the pool in name order: Eve Evaluator, Sam Supervisor
    assert [t.assignee for t in tasks] == [personas.evaluator, personas.supervisor_a] * 2


def test_least_loaded_gives_the_task_to_whoever_has_fewest_open(personas, card):
    rule(personas, card, "Voice", VOICE, pool=[personas.evaluator, personas.supervisor_a], distribution="least_loaded")
    busy = ingest(personas, channel="chat", queue="Other")
    for _ in range(2):
        Assignment.objects.create(interaction=busy, scorecard=card, assignee=personas.evaluator, due_at=busy.started_at)
    interaction_bulk_upsert(payloads=[{**PAYLOAD, "external_id": f"ll-{i}"} for i in range(3)], enrichment="inline")
    names = [t.assignee for t in Assignment.objects.filter(source=Source.AUTOMATION).order_by("interaction__id")]
    # supervisor 0, evaluator 2 → supervisor, supervisor (1 vs 2: still fewer), then a tie at 2 → pool order
    assert names == [personas.supervisor_a, personas.supervisor_a, personas.evaluator]


def test_nobody_gets_a_task_on_their_own_call(personas, card):
    rule(personas, card, "Voice", VOICE, pool=[personas.evaluator])
    own = ingest(personas, agent={"email": personas.evaluator.email})
    log = Match.objects.get(interaction=own)
    assert log.outcome == "skipped" and "Nobody" in log.detail
    assert not Assignment.objects.filter(interaction=own).exists()


def test_a_card_runs_an_automated_evaluation(personas, card):
    rule(personas, card, "Auto", VOICE, action="automated", pool=[])
    call = ingest(personas)
    evaluation = Evaluation.objects.get(interaction=call)
    assert evaluation.source == Source.AUTOMATED and evaluation.answers == {"greet": "yes"}
    log = Match.objects.get(interaction=call)
    assert (log.outcome, log.evaluation) == ("evaluated", evaluation)


def test_a_started_task_makes_an_automation_evaluation(personas, card):
    rule(personas, card, "Voice", VOICE)
    call = ingest(personas)
    task = Assignment.objects.get(interaction=call)
    evaluation = evaluation_start(by=personas.evaluator, interaction=call, scorecard=card, assignment=task)
    assert evaluation.source == Source.AUTOMATION


def test_test_a_card_explains_each_condition_and_names_the_card_that_fires(personas, card, greeting):
    said = {
        "all": [
            {"field": "channel", "op": "is", "value": "voice"},
            {
                "any": [
                    {"field": "queue", "op": "is", "value": "Sales"},
                    {"field": "indicator", "op": "is", "value": str(greeting.uuid), "side": "agent"},
                ]
            },
        ]
    }
    off = rule(personas, card, "Switched off", VOICE, enabled=False)
    nope = rule(personas, card, "Sales only", {"all": [{"field": "queue", "op": "is", "value": "Sales"}]})
    yes = rule(personas, card, "Greeted voice", said)
    also = rule(personas, card, "Any voice", VOICE)
    call = ingest(personas, channel="chat")  # nothing fires on a chat; test it as a voice call below
    call.channel = "voice"
    verdicts = selectors.explain(viewer=personas.supervisor_a, interaction=call)
    assert [(v.rule, v.holds, v.fires) for v in verdicts] == [
        (off, True, False),
        (nope, False, False),
        (yes, True, True),
        (also, True, False),
    ]
    tree = verdicts[2].tree
    assert tree.kind == "all" and [c.holds for c in tree.children] == [True, True]
    inner = tree.children[1]
    assert [(c.text, c.holds) for c in inner.children] == [
        ("Queue is Sales", False),
        ("Mentions Greeting (said by the agent)", True),
    ]


def test_duplicate_sits_below_and_is_switched_off(personas, card):
    a = rule(personas, card, "A", VOICE)
    b = rule(personas, card, "B", BILLING)
    copy = services.rule_duplicate(by=personas.supervisor_a, rule=a)
    assert [r.name for r in selectors.rule_list(viewer=personas.admin)] == ["A", "A (copy)", "B"]
    assert not copy.enabled and list(copy.pool.all()) == [personas.evaluator]
    services.rule_delete(by=personas.supervisor_a, rule=b)
    assert [r.name for r in selectors.rule_list(viewer=personas.admin)] == ["A", "A (copy)"]


def test_a_batch_gives_each_assignee_one_notice_and_one_mail(personas, card):
    from cxq.notifications.models import Notification, OutboundEmail

    rule(personas, card, "Billing", BILLING)
    items = [{**PAYLOAD, "external_id": f"notice-{i}"} for i in range(3)]
    interaction_bulk_upsert(payloads=items, enrichment="inline")
    assert Assignment.objects.filter(assignee=personas.evaluator).count() == 3
    note = Notification.objects.get(recipient=personas.evaluator)
    assert note.title.startswith("Evaluate 3 interactions with “") and note.url == "/tasks/"
    mail = OutboundEmail.objects.get(notification=note)
    assert mail.body_text.count("/tasks/") == 4  # each task's link and the task list


@pytest.mark.parametrize("path", ["inline", "worker"])
def test_the_facts_an_ingest_path_hands_over_match_as_the_stored_rows_do(personas, card, greeting, path):
    """The subscriber matches the facts the ingest path has in memory; the same cards over the rows as
    stored (read back from the database) fire on the same interactions."""
    from cxq.interactions.enrich import enrich_ids
    from cxq.interactions.models import Interaction

    said = {"all": [{"field": "indicator", "op": "is", "value": str(greeting.uuid), "side": "agent"}]}
    unsaid = {"all": [{"field": "indicator", "op": "is", "value": str(greeting.uuid), "side": "customer"}]}
    words = {"field": "metric.agent_words", "op": "lt", "value": 40}
    short = {"all": [words, {"field": "csat", "op": "is", "value": 2}]}
    for name, condition in (("Customer said it", unsaid), ("Short", short), ("Agent said it", said)):
        rule(personas, card, name, condition, action="automated" if name == "Short" else "assign")
    items = [{**PAYLOAD, "external_id": f"facts-{i}", "csat": 1 + i % 5} for i in range(6)]
    if path == "inline":
        ids = interaction_bulk_upsert(payloads=items, enrichment="inline").ids
    else:
        ids = interaction_bulk_upsert(payloads=items, enrichment="later").ids
        enrich_ids(ids)
    fired = dict(Match.objects.filter(interaction_id__in=ids).values_list("interaction_id", "rule__name"))
    assert sorted(fired.values()) == ["Agent said it"] * 5 + ["Short"]
    rules = services.enabled_rules()
    stored = {i.pk: services.first_match(i, rules).name for i in Interaction.objects.filter(pk__in=ids)}
    assert stored == fired


def test_a_batch_picked_up_twice_is_enriched_and_matched_once(personas, card):
    """The queued task and the periodic sweep (or a retried task) may both hold a pending batch: the
    second finds it enriched and neither enriches again nor fires the cards a second time."""
    from datetime import timedelta

    from django.utils import timezone

    from cxq.interactions.models import Interaction
    from cxq.interactions.tasks import enrich_batch, sweep_enrichment

    rule(personas, card, "Voice", VOICE)
    items = [{**PAYLOAD, "external_id": f"twice-{i}"} for i in range(3)]
    ids = interaction_bulk_upsert(payloads=items, enrichment="later").ids
    assert sweep_enrichment.call_local() == 0  # just stored: left to the task queued for them
    assert enrich_batch.call_local(ids) == 3
    assert enrich_batch.call_local(ids) == 0
    Interaction.objects.filter(pk=ids[0]).update(
        enrichment_status="pending", updated_at=timezone.now() - timedelta(minutes=2)
    )
    assert sweep_enrichment.call_local() == 1  # pending for over a minute: nobody else will
    assert Match.objects.filter(interaction_id__in=ids).count() == 4
    assert Interaction.objects.filter(pk__in=ids, enrichment_status="done").count() == 3
