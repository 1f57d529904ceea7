"""Signed deliveries to a real receiver: the handshake, every event once, retries after errors and
timeouts, a worker killed mid-delivery, resend, test events, and disabling an endpoint that keeps
failing (docs/webhooks.md).

``transactional_db``: the event's transaction really commits and its on-commit enqueue runs the
worker's task (Huey runs tasks immediately in tests), as in production, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cxq.evaluations import services as ev
from cxq.lib.outbox import OutboxStatus
from cxq.notifications.models import Notification
from cxq.webhooks import services
from cxq.webhooks.models import Attempt, Delivery, Endpoint
from cxq.webhooks.services import WEBHOOK_OUTBOX, webhook_deliver, webhook_sweep

pytestmark = pytest.mark.django_db(transaction=True)


def _complete(personas, card, call):
    with transaction.atomic():
        evaluation = ev.evaluation_start(by=personas.evaluator, interaction=call, scorecard=card)
        ev.evaluation_save(by=personas.evaluator, evaluation=evaluation, answers={"greet": "yes", "disclosure": "yes"})
        evaluation.refresh_from_db()
        return ev.evaluation_submit(by=personas.evaluator, evaluation=evaluation)


@pytest.fixture
def card(personas):
    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


@pytest.fixture
def call(personas):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    return interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]


def test_creating_an_endpoint_runs_the_handshake_and_keeps_the_secret_sealed(receiver, endpoint_for):
    endpoint = endpoint_for()

    ((headers, body),) = receiver.raw
    assert b'"event":"endpoint.url_validation"' in body
    assert receiver.bad_signatures == 0  # the handshake is signed too
    assert endpoint.enabled and endpoint.events == ["evaluation.completed"]
    assert receiver.secret not in endpoint.secret_sealed
    assert services.endpoint_secrets.unseal(endpoint.secret_sealed) == receiver.secret


def test_a_wrong_handshake_answer_refuses_the_endpoint(receiver, endpoint_for):
    receiver.wrong_handshake = True
    with pytest.raises(ValidationError, match="encryptedToken is not the HMAC of plainToken"):
        endpoint_for()
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("script", "message"),
    [([500], "HTTP 500"), (["hang"], "timed out"), (["redirect"], "redirects are not followed")],
)
def test_a_failing_handshake_refuses_the_endpoint_and_says_why(receiver, endpoint_for, script, message):
    receiver.script = list(script)
    with pytest.raises(ValidationError, match=f"did not pass the validation handshake: .*{message}"):
        endpoint_for()
    assert not Endpoint.objects.exists()


def test_an_unreachable_url_refuses_the_endpoint(receiver, endpoint_for):
    from tests.notifications.conftest import free_port

    with pytest.raises(ValidationError, match="ConnectionRefusedError"):
        endpoint_for(url=f"http://127.0.0.1:{free_port()}/hook")


def test_a_completed_evaluation_reaches_the_receiver_once_signed_with_the_documented_payload(
    receiver, endpoint_for, personas, card, call
):
    endpoint_for()
    evaluation = _complete(personas, card, call)

    (event,) = receiver.deliveries()
    assert receiver.bad_signatures == 0
    assert event["event"] == "evaluation.completed" and event["version"] == 1
    obj = event["payload"]["object"]
    assert obj["evaluation_id"] == str(evaluation.uuid)
    assert obj["interaction_id"] == str(call.uuid)
    assert obj["agent_user_id"] == str(evaluation.agent.uuid)
    assert obj["evaluator_user_id"] == str(personas.evaluator.uuid)
    assert obj["scorecard_name"] == card.name
    assert obj["scoring_format"] == "percentage"
    assert obj["evaluation_score_ratio"] == pytest.approx(float(evaluation.score_percent) / 100)
    assert obj["total_possible_score"] == float(evaluation.possible)
    assert obj["evaluation_type"] == "manual"
    headers, _ = receiver.raw[-1]
    assert headers["x-cxq-event-id"] == event["event_id"]
    assert headers["x-cxq-event"] == "evaluation.completed"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, str(delivery.event_id)) == (OutboxStatus.SENT, 1, event["event_id"])
    (attempt,) = Attempt.objects.all()
    assert (attempt.ok, attempt.response_code, attempt.number) == (True, 200, 1)
    assert '"received"' in attempt.response_excerpt


def test_only_subscribed_enabled_endpoints_get_an_event(receiver, endpoint_for, personas, card, call):
    endpoint_for(events=["evaluation.disputed"], name="Disputes only")
    off = endpoint_for(events=["evaluation.completed"], name="Switched off")
    services.endpoint_update(by=personas.admin, endpoint=off, enabled=False)
    _complete(personas, card, call)
    assert receiver.deliveries() == []
    assert not Delivery.objects.exists()


def test_the_evaluation_lifecycle_and_calibration_events_each_arrive_once(receiver, endpoint_for, personas, card, call):
    from cxq.calibrations import services as cal

    endpoint_for(events=[e.name for e in services.registry.EVENTS])
    evaluation = _complete(personas, card, call)
    agent = evaluation.agent
    with transaction.atomic():
        ev.evaluation_dispute(by=agent, evaluation=evaluation, items=[("greet", "I greeted them")])
    evaluation.refresh_from_db()
    with transaction.atomic():
        ev.dispute_respond(
            by=personas.supervisor_a, evaluation=evaluation, responses={"greet": ("reaffirm", "Stands", None)}
        )
    evaluation.refresh_from_db()
    with transaction.atomic():
        ev.evaluation_acknowledge(by=agent, evaluation=evaluation)
    with transaction.atomic():
        session = cal.session_create(
            by=personas.supervisor_a,
            name="Weekly",
            scorecard=card,
            interaction=call,
            assessors=[personas.evaluator, personas.admin],
            due_at=timezone.now() + timedelta(days=2),
        )
        cal.session_close(by=personas.supervisor_a, session=session)

    names = [e["event"] for e in receiver.deliveries()]
    assert names == [
        "evaluation.completed",
        "evaluation.disputed",
        "evaluation.dispute_answered",
        "evaluation.acknowledged",
        "calibration.completed",
    ]
    by_name = {e["event"]: e["payload"]["object"] for e in receiver.deliveries()}
    assert by_name["evaluation.disputed"]["dispute"]["questions"] == ["greet"]
    assert by_name["evaluation.acknowledged"]["automatic"] is False
    assert by_name["calibration.completed"]["calibration_id"] == str(session.uuid)
    assert len(set(receiver.order)) == len(receiver.order) == 5
    assert receiver.bad_signatures == 0


def test_interaction_enriched_is_one_event_per_batch(receiver, endpoint_for):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    endpoint_for(events=["interaction.enriched"])
    with transaction.atomic():
        interaction, _ = interaction_upsert(data=InteractionIn.model_validate({**PAYLOAD, "external_id": "wh-1"}))
    events = receiver.deliveries()
    assert [e["event"] for e in events] == ["interaction.enriched"]
    assert [i["interaction_id"] for i in events[0]["payload"]["object"]["interactions"]] == [str(interaction.uuid)]


def test_500s_are_retried_with_backoff_and_jitter_until_the_receiver_takes_it(
    receiver, endpoint_for, personas, card, call, clock
):
    endpoint_for()
    receiver.script = [500, 503]
    _complete(personas, card, call)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (OutboxStatus.PENDING, 1)
    first_wait = delivery.next_attempt_at - clock.now
    assert timedelta(seconds=0.5) <= first_wait <= timedelta(seconds=1)  # base 1 s, jitter up to half
    assert webhook_sweep() == 0  # not due yet

    clock.advance(seconds=1)
    assert webhook_sweep() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert timedelta(seconds=1) <= delivery.next_attempt_at - clock.now <= timedelta(seconds=2)

    clock.advance(seconds=2)
    assert webhook_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (OutboxStatus.SENT, 3)
    assert [(a.number, a.ok, a.response_code) for a in delivery.log.order_by("number")] == [
        (1, False, 500),
        (2, False, 503),
        (3, True, 200),
    ]
    assert len(receiver.deliveries()) == 1
    assert receiver.requests_for(str(delivery.event_id)) == 3


def test_a_receiver_that_does_not_answer_in_time_is_retried(receiver, endpoint_for, personas, card, call, clock):
    endpoint_for()
    receiver.script = ["hang"]
    _complete(personas, card, call)

    delivery = Delivery.objects.get()
    (attempt,) = delivery.log.all()
    assert not attempt.ok and "timed out" in attempt.error and attempt.response_code is None
    assert attempt.latency_ms >= 400
    clock.advance(seconds=2)
    assert webhook_sweep() == 1
    assert len(receiver.deliveries()) == 1


def test_the_last_failed_attempt_fails_the_delivery(receiver, endpoint_for, personas, card, call, clock):
    endpoint_for()
    receiver.script = [500] * 4
    _complete(personas, card, call)
    for _ in range(3):
        clock.advance(minutes=1)
        webhook_sweep()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        OutboxStatus.FAILED,
        4,
        "DeliveryFailed: HTTP 500",
    )
    assert receiver.deliveries() == []


def test_a_worker_killed_mid_delivery_still_gets_every_event_to_the_receiver_exactly_once(
    receiver, endpoint_for, personas, card, call, clock
):
    """The worker claims the row and sends it, then dies before recording the outcome: the sweep sends
    it again once the lease runs out, and the receiver, deduplicating by event id, sees it once."""
    endpoint_for()

    def worker_sends_then_dies(delivery_id: int) -> None:
        assert WEBHOOK_OUTBOX.claim(delivery_id, timezone.now())
        services._send(Delivery.objects.get(pk=delivery_id))  # the request goes out…
        # …and the process is killed here: no outcome is recorded.

    with mock.patch("cxq.webhooks.tasks.deliver_webhook", side_effect=worker_sends_then_dies):
        _complete(personas, card, call)
        _complete(personas, card, call)

    rows = list(Delivery.objects.order_by("pk"))
    assert [r.status for r in rows] == [OutboxStatus.SENDING] * 2
    assert len(receiver.deliveries()) == 2

    clock.advance(seconds=WEBHOOK_OUTBOX.lease.total_seconds() - 1)
    assert webhook_sweep() == 0  # the dead worker's lease still holds

    clock.advance(seconds=2)
    assert webhook_sweep() == 2
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
        assert receiver.requests_for(str(row.event_id)) == 2  # at least once on the wire…
    assert sorted(receiver.order) == sorted(str(r.event_id) for r in rows)  # …exactly once received
    clock.advance(minutes=10)
    assert webhook_sweep() == 0


def test_a_lost_enqueue_is_delivered_by_the_sweep(receiver, endpoint_for, personas, card, call):
    endpoint_for()
    with mock.patch("cxq.webhooks.tasks.deliver_webhook", side_effect=ConnectionError("queue unreachable")):
        _complete(personas, card, call)
    assert receiver.deliveries() == []
    assert webhook_sweep() == 1
    assert len(receiver.deliveries()) == 1
    assert webhook_deliver(delivery_id=Delivery.objects.get().pk) is False  # the late task finds it sent


def test_resend_sends_the_same_event_id_again(receiver, endpoint_for, personas, card, call):
    endpoint_for()
    _complete(personas, card, call)
    delivery = Delivery.objects.get()

    with transaction.atomic():
        services.delivery_resend(by=personas.admin, delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (OutboxStatus.SENT, 1)
    assert receiver.requests_for(str(delivery.event_id)) == 2
    assert len(receiver.deliveries()) == 1  # the receiver ignored the repeat
    assert delivery.log.count() == 2


def test_a_test_event_goes_to_that_endpoint_only(receiver, endpoint_for, personas):
    first = endpoint_for(name="First")
    endpoint_for(name="Second")
    services.endpoint_send_test(by=personas.admin, endpoint=first)
    (event,) = receiver.deliveries()
    assert event["event"] == "webhook.test"
    assert event["payload"]["object"]["endpoint_id"] == str(first.uuid)


def test_an_endpoint_failing_for_24_hours_is_disabled_and_the_admins_are_told(
    receiver, endpoint_for, personas, card, call, clock
):
    endpoint = endpoint_for()
    receiver.script = [500] * 100
    _complete(personas, card, call)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == clock.now and endpoint.enabled

    clock.advance(hours=23)
    _complete(personas, card, call)  # a second event, failing too: the endpoint is still on
    endpoint.refresh_from_db()
    assert endpoint.enabled

    clock.advance(hours=1)
    webhook_sweep()
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "failed for 24 hours" in endpoint.disabled_reason
    assert set(Delivery.objects.values_list("status", flat=True)) == {OutboxStatus.FAILED}
    notes = Notification.objects.filter(kind="webhook_endpoint.disabled")
    assert [n.recipient for n in notes] == [personas.admin]
    assert "Data warehouse" in notes[0].title

    # Nothing more is queued for it; enabling it again forgets the failures.
    receiver.script = []
    _complete(personas, card, call)
    assert Delivery.objects.count() == 2
    services.endpoint_update(by=personas.admin, endpoint=endpoint, enabled=True)
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is None and endpoint.disabled_reason == ""


def test_a_success_clears_the_failing_clock(receiver, endpoint_for, personas, card, call, clock):
    endpoint = endpoint_for()
    receiver.script = [500]
    _complete(personas, card, call)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    clock.advance(seconds=2)
    webhook_sweep()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_goal_period_drawn_is_sent_once_with_public_ids(receiver, endpoint_for, personas):
    """goal.period_generated (docs/webhooks.md#events): sent when a period is drawn, not on a re-run."""
    from cxq.goals import services as goals
    from cxq.scorecards import services as sc
    from tests.goals.test_goals import NOW, calls, goal_input
    from tests.scorecards.conftest import DOC

    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    endpoint_for(events=["goal.period_generated"])
    calls(personas.agent_a1, personas.team_a, 3)
    with transaction.atomic():
        goal = goals.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=2))
    with transaction.atomic():
        goals.period_generate(goal=goal, now=NOW)
    with transaction.atomic():
        goals.period_generate(goal=goal, now=NOW)  # the same period again: nothing new, nothing sent
    (event,) = receiver.deliveries()
    obj = event["payload"]["object"]
    assert event["event"] == "goal.period_generated" and obj["goal_id"] == str(goal.uuid)
    assert obj["tasks_created"] == 2 and obj["tasks_per_evaluator"] == {str(personas.evaluator.uuid): 2}
