from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cxq.evaluations import services
from cxq.evaluations.models import Assignment, Evaluation


def test_evaluate_from_the_interaction_opens_a_draft_with_the_running_total(client_for, personas, card, call):
    client = client_for("evaluator")
    page = client.get(reverse("evaluations:start", args=[call.uuid])).content.decode()
    assert card.name in page
    response = client.post(
        reverse("evaluations:start", args=[call.uuid]),
        {"scorecard": str(card.uuid), "agent": str(personas.agent_a1.uuid)},
    )
    evaluation = Evaluation.objects.get()
    assert response.url == reverse("evaluations:detail", args=[evaluation.uuid])
    html = client.get(response.url).content.decode()
    assert "data-evaluation-form" in html and 'name="qa_greet" value="yes" checked' in html
    assert 'data-testid="score-panel"' in html and "Thank you for calling" in html


def test_autosave_returns_the_new_total_and_lock_and_a_stale_save_is_a_409(client_for, draft):
    client = client_for("evaluator")
    url = reverse("evaluations:save", args=[draft.uuid])
    ok = client.post(
        url,
        {
            "lock_version": "1",
            "qa_greet": "yes",
            "qa_tone": "5",
            "qa_disclosure": "yes",
            "qc_tone": "Lovely",
            "comment": "Great",
        },
        HTTP_HX_REQUEST="true",
    )
    html = ok.content.decode()
    assert ok.status_code == 200 and "100.00" in html and 'id="lock-version" value="2"' in html
    stale = client.post(url, {"lock_version": "1", "qa_greet": "no"}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and 'data-testid="stale"' in stale.content.decode()
    draft.refresh_from_db()
    assert draft.answers["greet"] == "yes" and draft.question_comments == {"tone": "Lovely"}


def test_submit_with_a_missing_required_answer_lists_it_and_stays_a_draft(client_for, draft):
    client = client_for("evaluator")
    response = client.post(reverse("evaluations:submit", args=[draft.uuid]), {"lock_version": "1"}, follow=True)
    assert "Answer “Greeted by name?” (required)." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_agent_never_sees_drafts_and_sees_the_deadline_once_completed(client_for, personas, draft):
    client = client_for("agent_a1")
    assert client.get(reverse("evaluations:detail", args=[draft.uuid])).status_code == 404
    services.evaluation_save(by=personas.evaluator, evaluation=draft, answers={"greet": "yes", "disclosure": "yes"})
    services.evaluation_submit(by=personas.evaluator, evaluation=Evaluation.objects.get(pk=draft.pk))
    html = client.get(reverse("evaluations:detail", args=[draft.uuid])).content.decode()
    assert 'data-testid="ack-deadline"' in html and 'data-testid="dispute-form"' in html
    assert client_for("agent_b1").get(reverse("evaluations:detail", args=[draft.uuid])).status_code == 404


def test_dispute_and_response_through_the_pages(client_for, personas, completed):
    agent = client_for("agent_a1")
    agent.post(
        reverse("evaluations:dispute", args=[completed.uuid]),
        {"dispute": ["greet", "tone"], "reason_greet": "Used the name", "reason_tone": "Calm"},
    )
    completed.refresh_from_db()
    assert completed.status == "disputed"
    evaluator = client_for("evaluator")
    html = evaluator.get(reverse("evaluations:detail", args=[completed.uuid])).content.decode()
    assert 'data-testid="respond-form"' in html
    evaluator.post(
        reverse("evaluations:respond", args=[completed.uuid]),
        {
            "item": ["greet", "tone"],
            "response_greet": "adjust",
            "answer_greet": "yes",
            "response_tone": "reaffirm",
            "note_tone": "Rushed",
        },
    )
    completed.refresh_from_db()
    assert completed.status == "awaiting_ack" and completed.revision == 2
    html = agent.get(reverse("evaluations:detail", args=[completed.uuid])).content.decode()
    assert 'data-testid="revisions"' in html
    agent.post(reverse("evaluations:acknowledge", args=[completed.uuid]))
    completed.refresh_from_db()
    assert completed.status == "acknowledged"


def test_the_table_is_scoped_filtered_and_exports_csv(client_for, personas, completed, draft):
    html = client_for("agent_b1").get(reverse("evaluations:list")).content.decode()
    assert "No evaluations match" in html
    admin = client_for("admin")
    response = admin.get(reverse("evaluations:list"), {"status": "awaiting_ack", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["evaluation_id", "interaction", "agent", "team"] and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["score_percent"] == "55.56" and row["result"] == "fail" and row["completed_at"]
    html = admin.get(reverse("evaluations:list"), {"sort": "-score"}).content.decode()
    assert "55.56%" in html


def test_an_assignment_emails_the_assignee_and_shows_in_my_tasks(
    client_for, personas, card, call, mailoutbox, django_capture_on_commit_callbacks
):
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("supervisor_a").post(
            reverse("evaluations:assign", args=[call.uuid]),
            {"scorecard": str(card.uuid), "assignee": str(personas.evaluator.uuid), "due_at": due, "note": "Please"},
        )
    assert response.status_code == 302
    task = Assignment.objects.get()
    mail = mailoutbox[0]
    assert mail.to == [personas.evaluator.email] and card.name in mail.subject
    assert f"/tasks/{task.uuid}/" in mail.body and "Due:" in mail.body
    html = client_for("evaluator").get(reverse("evaluations:tasks")).content.decode()
    assert card.name in html and 'data-testid="overdue"' not in html
    Assignment.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert 'data-testid="overdue"' in client_for("evaluator").get(reverse("evaluations:tasks")).content.decode()
    start = client_for("evaluator").post(reverse("evaluations:task", args=[task.uuid]))
    evaluation = Evaluation.objects.get()
    assert start.url == reverse("evaluations:detail", args=[evaluation.uuid]) and evaluation.source == "assigned"


def test_an_assignment_to_someone_who_cannot_see_the_interaction_is_refused(client_for, personas, card, call):
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for("admin").post(
        reverse("evaluations:assign", args=[call.uuid]),
        {"scorecard": str(card.uuid), "assignee": str(personas.manager_b.uuid), "due_at": due},
    )
    assert response.status_code == 400 and "cannot evaluate this interaction" in response.content.decode()
    assert not Assignment.objects.exists()


def test_due_dates_can_be_extended(client_for, personas, card, call):
    task = services.assignment_create(
        by=personas.supervisor_a,
        interaction=call,
        scorecard=card,
        assignee=personas.evaluator,
        due_at=timezone.now() + timedelta(days=1),
    )
    later = (timezone.localtime(task.due_at) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    client_for("supervisor_a").post(reverse("evaluations:task_extend", args=[task.uuid]), {"due_at": later})
    task.refresh_from_db()
    assert task.due_at > timezone.now() + timedelta(days=3)


def test_open_disputes_are_listed_for_supervisors(client_for, personas, completed):
    services.evaluation_dispute(by=personas.agent_a1, evaluation=completed, items=[("greet", "x")])
    html = client_for("supervisor_a").get(reverse("evaluations:disputes")).content.decode()
    assert "Andy Agent" in html
    assert "No open disputes" in client_for("manager_b").get(reverse("evaluations:disputes")).content.decode()


def test_the_disputes_queue_pages_by_keyset_oldest_first_and_answered_newest_first(
    client_for, personas, completed, monkeypatch
):
    """docs/evaluations.md#the-disputes-queue: keyset pages, no count and no offset."""
    from cxq.evaluations import selectors
    from cxq.evaluations.models import Dispute

    base = timezone.now() - timedelta(days=10)
    made = [Dispute.objects.create(evaluation=completed, raised_by=personas.agent_a1, note=f"d{n}") for n in range(5)]
    for n, d in enumerate(made):  # created on days 0, 1, 2, 3, 4; the last two answered
        Dispute.objects.filter(pk=d.pk).update(
            created_at=base + timedelta(days=n), resolved_at=base + timedelta(days=9) if n >= 3 else None
        )
    real = selectors.dispute_page
    monkeypatch.setattr(selectors, "dispute_page", lambda qs, f, cursor: real(qs, f, cursor, size=2))
    client = client_for("supervisor_a")
    url = reverse("evaluations:disputes")

    first = client.get(url)
    assert first.status_code == 200 and first.context["rows"][0][0].pk == made[0].pk
    assert [d.pk for d, _ in first.context["rows"]] == [made[0].pk, made[1].pk]
    assert first.context["previous_cursor"] is None and first.context["next_cursor"]
    second = client.get(url, {"cursor": first.context["next_cursor"]})
    assert [d.pk for d, _ in second.context["rows"]] == [made[2].pk] and second.context["next_cursor"] is None
    assert 'data-testid="previous-page"' in second.content.decode()
    back = client.get(url, {"cursor": second.context["previous_cursor"]})
    assert [d.pk for d, _ in back.context["rows"]] == [made[0].pk, made[1].pk]
    answered = client.get(url, {"status": "answered"})
    assert [d.pk for d, _ in answered.context["rows"]] == [made[4].pk, made[3].pk]
    # a crafted cursor starts again at the first page; the old ?page= is ignored
    assert [d.pk for d, _ in client.get(url, {"cursor": "bm9wZQ"}).context["rows"]] == [made[0].pk, made[1].pk]
    assert client.get(url, {"page": "7"}).status_code == 200


def test_several_interactions_are_assigned_at_once_from_the_list(client_for, personas, card, call):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    other, _ = interaction_upsert(data=InteractionIn.model_validate({**PAYLOAD, "external_id": "call-2"}))
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client = client_for("supervisor_a")
    html = client.get(reverse("interactions:list")).content.decode()
    assert 'data-testid="bulk-assign"' in html
    client.post(
        reverse("evaluations:assign_bulk"),
        {
            "interactions": [str(call.uuid), str(other.uuid)],
            "scorecard": str(card.uuid),
            "assignee": str(personas.evaluator.uuid),
            "due_at": due,
        },
    )
    assert Assignment.objects.filter(assignee=personas.evaluator).count() == 2


def test_a_bulk_assignment_with_an_invisible_interaction_assigns_nothing(client_for, personas, card, call):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    theirs, _ = interaction_upsert(
        data=InteractionIn.model_validate(
            {**PAYLOAD, "external_id": "b-1", "agent": {"email": personas.agent_b1.email}}
        )
    )
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for("supervisor_a").post(
        reverse("evaluations:assign_bulk"),
        {
            "interactions": [str(call.uuid), str(theirs.uuid)],
            "scorecard": str(card.uuid),
            "assignee": str(personas.evaluator.uuid),
            "due_at": due,
        },
        follow=True,
    )
    assert "not visible to you" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_dispute_form_is_not_offered_once_disputes_are_used_up(client_for, personas, completed):
    services.evaluation_dispute(by=personas.agent_a1, evaluation=completed, items=[("greet", "x")])
    services.dispute_respond(
        by=personas.evaluator, evaluation=completed, responses={"greet": ("reaffirm", "Stands", "")}
    )
    html = client_for("agent_a1").get(reverse("evaluations:detail", args=[completed.uuid])).content.decode()
    assert 'data-testid="dispute-form"' not in html and 'data-testid="dispute-closed"' in html
    assert 'data-testid="acknowledge"' in html


def test_the_agents_evaluation_page_shows_the_transcript_with_its_tags(personas, completed, client_for):
    """docs/interactions.md#evidence-beside-an-evaluation: read-only, the agent sees what was evaluated."""
    from cxq.interactions.enrich import enrich_ids
    from cxq.interactions.phrases import phrase_set_create

    phrase_set_create(by=personas.admin, name="Refund", kind="topic", side="customer", phrases=["refund"])
    enrich_ids([completed.interaction_id])
    page = client_for("agent_a1").get(f"/evaluations/{completed.uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="evidence"' in html and "I was charged twice and want a refund." in html
    assert ">Refund</span>" in html


def test_the_csv_has_the_team_each_answer_and_comment_and_a_file_name_in_the_org_time_zone(
    client_for, personas, card, draft
):
    from zoneinfo import ZoneInfo

    from cxq.accounts.models import OrgSettings

    services.evaluation_save(
        by=personas.evaluator,
        evaluation=draft,
        answers={"greet": "no", "tone": 4, "disclosure": "yes"},
        question_comments={"greet": "Said =hi only"},
        comment="Coach the opening",
    )
    draft.refresh_from_db()
    services.evaluation_submit(by=personas.evaluator, evaluation=draft)
    OrgSettings.objects.filter(pk=OrgSettings.get().pk).update(default_time_zone="Pacific/Kiritimati")  # UTC+14
    response = client_for("admin").get(reverse("evaluations:list"), {"format": "csv"})
    stamp = timezone.now().astimezone(ZoneInfo("Pacific/Kiritimati")).strftime("%Y%m%d-%H")
    assert f"cxq-evaluations-{stamp}" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["team"] == personas.team_a.name and row["comment"] == "Coach the opening"
    assert (row["greet"], row["greet comment"]) == ("no", "Said =hi only")
    assert (row["tone"], row["tone comment"], row["disclosure"]) == ("4", "", "yes")
