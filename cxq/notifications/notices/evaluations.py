"""Evaluation and task notices: completed, disputed, dispute answered, task assigned or extended."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from cxq.accounts.selectors import local_text
from cxq.evaluations.choices import Status
from cxq.evaluations.models import Assignment
from cxq.evaluations.services import dispute_closed_reason
from cxq.evaluations.sources import source_policy
from cxq.events import DomainEvent, Name
from cxq.lib.text import count
from cxq.notifications.models import Notification
from cxq.notifications.services import email_queue, notify


def evaluation_link(evaluation) -> str:
    return f"/evaluations/{evaluation.uuid}/"


def _score_text(evaluation) -> str:
    return "no score" if evaluation.score_percent is None else f"{evaluation.score_percent}%"


def _ack_text(evaluation) -> str:
    """What the agent may still do: dispute only while the dispute rules allow it (the window and the
    number of disputes, docs/evaluations.md#disputes), so a mail never invites a dispute that would be refused."""
    closed = dispute_closed_reason(evaluation)
    if evaluation.status == Status.AWAITING_ACK:
        by = local_text(evaluation.agent, evaluation.ack_due_at)
        if closed is None:
            return (
                f"Please acknowledge it or dispute specific answers by {by}; after that it is acknowledged "
                "automatically."
            )
        return f"Please acknowledge it by {by}; after that it is acknowledged automatically. {closed}"
    if closed is None:
        return "Open it to read the evaluator's comments. If you disagree, you may dispute specific answers."
    return "Open it to read the evaluator's comments."


def on_completed(event: DomainEvent) -> None:
    evaluation = event.subject
    if not source_policy(evaluation.source).notifies_agent:
        return
    notify(
        recipient=evaluation.agent,
        kind=Name.EVALUATION_COMPLETED,
        title=f"New evaluation: {_score_text(evaluation)} on {evaluation.scorecard.name}",
        body=_ack_text(evaluation),
        url=evaluation_link(evaluation),
    )


def on_disputed(event: DomainEvent) -> None:
    evaluation = event.subject
    notify(
        recipient=evaluation.evaluator,
        kind=Name.EVALUATION_DISPUTED,
        title=(f"{event.actor.full_name} disputed {count(len(event.data['questions']), 'answer')} of your evaluation"),
        body=event.data.get("note", "")[:300],
        url=evaluation_link(evaluation),
    )


def on_dispute_answered(event: DomainEvent) -> None:
    evaluation = event.subject
    if not source_policy(evaluation.source).notifies_agent:
        return
    adjusted, reaffirmed = len(event.data["adjusted"]), len(event.data["reaffirmed"])
    notify(
        recipient=evaluation.agent,
        kind=Name.EVALUATION_DISPUTE_ANSWERED,
        title=f"Your dispute was answered: {adjusted} adjusted, {reaffirmed} re-affirmed",
        body=_ack_text(evaluation),
        url=evaluation_link(evaluation),
    )


def on_assignment_created(event: DomainEvent) -> None:
    """The assignee's task: an in-app notification and an email with a direct link (not a plain notice)."""
    assignment, by = event.subject, event.actor
    assignee, scorecard = assignment.assignee, assignment.scorecard
    due = local_text(assignee, assignment.due_at)
    note = notify(
        recipient=assignee,
        kind=Name.ASSIGNMENT_CREATED,
        email=False,
        title=f"Evaluate an interaction with “{scorecard.name}” by {due}",
        body=assignment.note,
        url=f"/tasks/{assignment.uuid}/",
    )
    email_queue(
        to=assignee.email,
        subject=f"New evaluation task: {scorecard.name}, due {due}",
        template="evaluations/email/assignment",
        context={
            "assignment": assignment,
            "assignee": assignee,
            "scorecard": scorecard,
            "due": due,
            "by": by,
            "interaction": assignment.interaction,
            "link": f"{settings.CXQ_BASE_URL}/tasks/{assignment.uuid}/",
        },
        notification=note,
    )


def on_tasks_drawn(event: DomainEvent) -> None:
    """Tasks an automation card gave to a batch of interactions (``automation.tasks_created``): one
    in-app notice and one email per assignee for the whole batch, not one per task — an ingest batch
    may give a person dozens at once (docs/automations.md#speed). The notices are written in one insert."""
    tasks = (
        Assignment.objects.filter(pk__in=event.data.get("assignment_ids") or ())
        .select_related("assignee__role", "scorecard", "interaction__agent")
        .order_by("pk")
    )
    by_assignee: dict[int, list] = defaultdict(list)
    for task in tasks:
        if task.assignee.is_active:
            by_assignee[task.assignee_id].append(task)
    notes, mails = [], []
    for given in by_assignee.values():
        first, assignee = given[0], given[0].assignee
        due = local_text(assignee, min(t.due_at for t in given))
        if len(given) == 1:
            title = f"Evaluate an interaction with “{first.scorecard.name}” by {due}"
            url = f"/tasks/{first.uuid}/"
        else:
            title = f"Evaluate {count(len(given), 'interaction')} with “{first.scorecard.name}” by {due}"
            url = "/tasks/"
        notes.append(
            Notification(recipient=assignee, kind=Name.ASSIGNMENT_CREATED, title=title, body=first.note, url=url)
        )
        mails.append((assignee, title, given, due, url))
    Notification.objects.bulk_create(notes)  # ids set on PostgreSQL and SQLite (RETURNING)
    for note, (assignee, title, given, due, url) in zip(notes, mails, strict=True):
        if not assignee.email:
            continue
        email_queue(
            to=assignee.email,
            subject=f"New evaluation tasks: {title}" if len(given) > 1 else f"New evaluation task: {title}",
            template="notifications/email/tasks",
            context={
                "assignee": assignee,
                "tasks": given,
                "title": title,
                "note": given[0].note,
                "due": due,
                "link": f"{settings.CXQ_BASE_URL}{url}",
                "base": settings.CXQ_BASE_URL,
            },
            notification=note,
        )


def on_assignment_extended(event: DomainEvent) -> None:
    assignment = event.subject
    notify(
        recipient=assignment.assignee,
        kind=Name.ASSIGNMENT_EXTENDED,
        title=f"Task due date moved to {local_text(assignment.assignee, assignment.due_at)}",
        url=f"/tasks/{assignment.uuid}/",
    )
