"""A coaching focus on an evaluation that is voided, deleted or discarded afterwards is kept, marked
withdrawn, and the coach of a session still to be held is told (cxq/coaching/projections.py,
notices.on_focus_withdrawn; docs/coaching.md#withdrawn-focus)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxq.coaching import services
from cxq.coaching.models import FocusItem
from cxq.evaluations import services as ev
from cxq.evaluations.models import Evaluation
from cxq.notifications.models import Notification
from tests.coaching.conftest import FocusInput, completed_evaluation, session_input

WITHDRAWALS = ("evaluation.voided", "evaluation.deleted", "evaluation.discarded")


def notices_to(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind__in=WITHDRAWALS).order_by("id"))


def focus(session) -> list[tuple[str, str, str]]:
    return [
        (f.kind, f.withdrawn_reason, f.note) for f in FocusItem.objects.filter(session=session).order_by("position")
    ]


def test_voiding_an_evaluation_marks_its_focus_items_withdrawn_and_tells_the_coach(personas, session, evaluation):
    ev.evaluation_void(by=personas.admin, evaluation=evaluation, reason="Wrong agent")

    assert focus(session) == [
        ("evaluation", "voided", ""),
        ("question", "voided", ""),
        ("note", "", "Use the customer's name"),
    ]
    item = FocusItem.objects.get(session=session, kind="evaluation")
    assert item.evaluation == evaluation and item.withdrawn_evaluation == evaluation.uuid
    assert (
        item.withdrawn_label
        == f"{evaluation.scorecard.name} · {personas.agent_a1.full_name} · {evaluation.score_percent}%"
    )
    [note] = notices_to(personas.supervisor_a)
    assert note.kind == "evaluation.voided" and note.url == f"/coaching/{session.uuid}/"
    assert "was voided" in note.title and session.title in note.title
    assert notices_to(personas.agent_a1) == []


def test_deleting_an_evaluation_keeps_its_focus_items_detached(personas, session, evaluation):
    Evaluation.objects.filter(pk=evaluation.pk).update(source="automated")
    evaluation.refresh_from_db()
    uuid = evaluation.uuid

    ev.evaluation_delete_automated(by=personas.admin, evaluation=evaluation)

    assert not Evaluation.objects.filter(uuid=uuid).exists()
    items = FocusItem.objects.filter(session=session, withdrawn_reason="deleted")
    assert [(i.kind, i.evaluation_id, i.withdrawn_evaluation) for i in items] == [
        ("evaluation", None, uuid),
        ("question", None, uuid),
    ]
    assert FocusItem.objects.get(session=session, kind="question").question_text  # what it was, kept
    [note] = notices_to(personas.supervisor_a)
    assert note.kind == "evaluation.deleted" and "was deleted" in note.title


def test_a_closed_session_keeps_the_mark_without_a_notice(personas, session, evaluation):
    services.session_cancel(by=personas.supervisor_a, session=session, reason="Moved")
    ev.evaluation_void(by=personas.admin, evaluation=evaluation, reason="Wrong agent")
    assert [r for _, r, _ in focus(session)] == ["voided", "voided", ""]
    assert notices_to(personas.supervisor_a) == []


def test_an_evaluation_in_no_focus_changes_nothing(personas, session):
    other = completed_evaluation(personas.evaluator, personas.agent_a1, external_id="coach-other")
    ev.evaluation_void(by=personas.admin, evaluation=other, reason="Duplicate")
    assert [r for _, r, _ in focus(session)] == ["", "", ""]
    assert notices_to(personas.supervisor_a) == []


def test_editing_the_session_keeps_withdrawn_items_and_refuses_a_voided_evaluation(personas, session, evaluation):
    ev.evaluation_void(by=personas.admin, evaluation=evaluation, reason="Wrong agent")
    fresh = completed_evaluation(personas.evaluator, personas.agent_a1, external_id="coach-fresh")
    data = session_input(
        personas.supervisor_a, [personas.agent_a1], focus=[FocusInput(kind="evaluation", evaluation=fresh)]
    )
    services.session_update(by=personas.supervisor_a, session=session, data=data)
    assert sorted((k, r) for k, r, _ in focus(session)) == [
        ("evaluation", ""),
        ("evaluation", "voided"),
        ("question", "voided"),
    ]

    again = session_input(
        personas.supervisor_a, [personas.agent_a1], focus=[FocusInput(kind="evaluation", evaluation=evaluation)]
    )
    with pytest.raises(Exception) as refused:
        services.session_update(by=personas.supervisor_a, session=session, data=again)
    assert "is voided" in str(refused.value.message_dict["focus"])


def test_the_session_page_shows_the_item_withdrawn_and_the_edit_form_still_opens(
    personas, client_for, session, evaluation
):
    Evaluation.objects.filter(pk=evaluation.pk).update(source="automated")
    evaluation.refresh_from_db()
    ev.evaluation_delete_automated(by=personas.admin, evaluation=evaluation)
    client = client_for("supervisor_a")

    html = client.get(reverse("coaching:detail", args=[session.uuid])).content.decode()
    assert html.count('data-testid="focus-withdrawn"') == 2
    assert "withdrawn: the evaluation was deleted" in html
    assert "<del" in html and personas.agent_a1.full_name in html
    assert client.get(reverse("coaching:edit", args=[session.uuid])).status_code == 200
    assert client_for("agent_a1").get(reverse("coaching:detail", args=[session.uuid])).status_code == 200


def test_the_api_reports_the_withdrawal_and_a_patch_keeps_it(personas, client_for, session, evaluation):
    ev.evaluation_void(by=personas.admin, evaluation=evaluation, reason="Wrong agent")
    client = client_for("supervisor_a")
    url = f"/api/v1/coaching/{session.uuid}"
    items = client.get(url).json()["focus"]
    assert [(i["kind"], i["withdrawn_reason"], i["withdrawn_at"] is not None) for i in items] == [
        ("evaluation", "voided", True),
        ("question", "voided", True),
        ("note", "", False),
    ]
    patched = client.patch(url, {"title": "Greeting, again"}, "application/json")
    assert patched.status_code == 200
    # the live focus first, the withdrawn items after it, in their order
    assert [(i["kind"], i["withdrawn_reason"]) for i in patched.json()["focus"]] == [
        ("note", ""),
        ("evaluation", "voided"),
        ("question", "voided"),
    ]
