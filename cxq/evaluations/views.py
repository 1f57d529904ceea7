from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.selectors import agents_in_scope, evaluators_in_scope, team_list, user_scope
from cxq.evaluations import policies, selectors, services
from cxq.evaluations.automated import (
    automated_evaluation_adopt,
    automated_evaluation_run,
    linked_scorecards,
    may_adopt,
    run_refusal,
)
from cxq.evaluations.choices import Status
from cxq.evaluations.exports import evaluations_csv
from cxq.evaluations.filters import DisputeFilter, EvaluationFilter
from cxq.evaluations.forms import AssignForm, AutomatedRunForm, StartForm
from cxq.evaluations.models import Evaluation
from cxq.interactions.selectors import interaction_get_for
from cxq.lib.durations import parse_clock
from cxq.lib.inputs import filter_status, parse_form_moment
from cxq.lib.text import count
from cxq.scorecards.api import preview_payload
from cxq.scorecards.selectors import answer_label, pickable_scorecards, scorecards_for, usable_scorecards
from cxq.scorecards.views import form_context


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- Start and assign --------------------------------------------------------------------------------


@perm_required("evaluations.create")
def evaluation_start(request, interaction):
    """Evaluate → choose a published scorecard (and the agent, when several handled it)."""
    item = interaction_get_for(viewer=request.user, uuid=interaction)
    refusal = policies.evaluate_refusal(request.user, item)
    if refusal:
        raise PermissionDenied(refusal)
    agents = [a for a in [item.agent, *item.other_agents.all()] if a is not None]
    applicable, others = scorecards_for(item)
    form = StartForm(request.POST or None, scorecards=others, applicable=applicable, agents=agents)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_start(
                by=request.user,
                interaction=item,
                scorecard=form.scorecards[form.cleaned_data["scorecard"]],
                agent=form.agents[form.cleaned_data["agent"]],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            return redirect("evaluations:detail", uuid=evaluation.uuid)
    return render(request, "evaluations/start.html", {"form": form, "interaction": item})


@perm_required("evaluations.assign")
def assignment_new(request, interaction):
    item = interaction_get_for(viewer=request.user, uuid=interaction)
    assignees = policies.assignable(request.user, item)
    applicable, others = scorecards_for(item)
    form = AssignForm(request.POST or None, scorecards=others, applicable=applicable, assignees=assignees)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_create(
                by=request.user,
                interaction=item,
                scorecard=form.scorecards[data["scorecard"]],
                assignee=form.assignees[data["assignee"]],
                due_at=data["due_at"],
                note=data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"Task sent to {form.assignees[data['assignee']].full_name}.")
            return redirect("interactions:detail", uuid=item.uuid)
    return render(
        request, "evaluations/assign.html", {"form": form, "interaction": item}, status=400 if form.errors else 200
    )


@require_POST
@perm_required("evaluations.assign")
def assignment_bulk(request):
    """Assign several interactions at once from the interaction list; all or nothing."""
    from django.db import transaction

    from cxq.interactions.selectors import interaction_scope

    ids = request.POST.getlist("interactions")
    scorecard = (
        usable_scorecards().filter(uuid=request.POST.get("scorecard") or None).first()
        if request.POST.get("scorecard")
        else None
    )
    assignee = (
        user_scope(viewer=request.user).filter(uuid=request.POST.get("assignee") or None).first()
        if request.POST.get("assignee")
        else None
    )
    back = request.POST.get("next") or "/interactions/"
    problems = []
    try:
        due = parse_form_moment(request.POST.get("due_at", ""), field="due_at")
    except ValidationError as exc:
        due = None
        problems.append(f"Due date: {_errors(exc)}")
    if not ids:
        problems.append("Tick the interactions to assign.")
    if scorecard is None:
        problems.append("Choose a published scorecard.")
    if assignee is None:
        problems.append("Choose who evaluates them.")
    if problems:
        messages.error(request, " ".join(problems))
        return redirect(back if back.startswith("/") else "/interactions/")
    interactions = list(interaction_scope(viewer=request.user).filter(uuid__in=ids))
    try:
        with transaction.atomic():
            if len(interactions) != len(set(ids)):
                raise ValidationError("Some of the ticked interactions are not visible to you.")
            for item in interactions:
                services.assignment_create(
                    by=request.user, interaction=item, scorecard=scorecard, assignee=assignee, due_at=due
                )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{count(len(interactions), 'evaluation task')} sent to {assignee.full_name}.")
    return redirect(back if back.startswith("/") else "/interactions/")


JUST_SUBMITTED = "cxq_just_submitted"


def _just_submitted(request) -> Evaluation | None:
    """The evaluation submitted just before landing on the tasks (shown once, with a link back to it)."""
    uuid = request.session.pop(JUST_SUBMITTED, None)
    if not uuid:
        return None
    return (
        selectors.evaluation_scope(viewer=request.user).select_related("interaction", "agent").filter(uuid=uuid).first()
    )


@perm_required("evaluations.create")
def my_tasks(request):
    tasks = list(selectors.my_tasks(viewer=request.user))
    context = {"tasks": tasks, "now": timezone.now(), "just_submitted": _just_submitted(request)}
    return render(request, "evaluations/tasks.html", context)


@perm_required("evaluations.create")
def task_detail(request, uuid):
    task = selectors.assignment_get_for(viewer=request.user, uuid=uuid)
    if request.method == "POST":
        try:
            evaluation = services.evaluation_start(
                by=request.user, interaction=task.interaction, scorecard=task.scorecard, assignment=task
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            return redirect("evaluations:detail", uuid=evaluation.uuid)
    existing = Evaluation.objects.filter(assignment=task).first()
    context = {
        "task": task,
        "existing": existing,
        "overdue": selectors.is_overdue(task),
        "just_submitted": _just_submitted(request),
    }
    return render(request, "evaluations/task.html", context)


@require_POST
@perm_required("evaluations.assign")
def task_extend(request, uuid):
    task = selectors.assignment_get_for(viewer=request.user, uuid=uuid)
    try:
        due = parse_form_moment(request.POST.get("due_at", ""), field="due_at")
        services.assignment_extend(by=request.user, assignment=task, due_at=due)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Due date extended.")
    return redirect("evaluations:task", uuid=task.uuid)


# --- The evaluation page -------------------------------------------------------------------------------


def _result(evaluation: Evaluation) -> dict:
    return preview_payload(evaluation.version.document, evaluation.answers)


def answer_rows(evaluation: Evaluation, result: dict) -> list[tuple[dict, list[dict]]]:
    """Per section, each visible question with the chosen answer's label, its points and comment."""
    by_key = {q["key"]: q for q in result["questions"]}
    rows = []
    for section in evaluation.version.document["sections"]:
        items = []
        for q in section["questions"]:
            r = by_key[q["key"]]
            if not r["visible"]:
                continue
            items.append(
                {
                    "q": q,
                    "label": answer_label(q, evaluation.answers.get(q["key"])),
                    "earned": r["earned"],
                    "possible": r["possible"],
                    "applicable": r["applicable"],
                    "auto_fail": r["auto_fail"],
                    "comment": evaluation.question_comments.get(q["key"], ""),
                    "evidence": evidence_for(evaluation, q["key"]),
                }
            )
        rows.append((section, items))
    return rows


def evidence_for(evaluation: Evaluation, key: str) -> dict | None:
    """What an answer given from an indicator rests on, while the answer is still the one the system
    gave (a person who took the evaluation over may have changed it)."""
    item = (evaluation.evidence or {}).get(key)
    if item is None or str(evaluation.answers.get(key)) != str(item.get("answer")):
        return None
    return item


def revision_rows(evaluation: Evaluation, revisions) -> list[tuple[str, list[str], bool]]:
    """Questions × revisions, to compare side by side; the flag marks rows that changed."""
    rows = []
    for section in evaluation.version.document["sections"]:
        for q in section["questions"]:
            labels = [answer_label(q, r.answers.get(q["key"])) for r in revisions]
            rows.append((q["text"], labels, len(set(labels)) > 1))
    return rows


@perm_required("interactions.view")
def evaluation_detail(request, uuid):
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    doc = evaluation.version.document
    editing = evaluation.status == Status.DRAFT and evaluation.evaluator_id == request.user.pk
    dispute = evaluation.disputes.filter(resolved_at__isnull=True).prefetch_related("items").first()
    result = _result(evaluation)
    revisions = list(evaluation.revisions.order_by("number"))
    closed = services.dispute_closed_reason(evaluation)
    context = {
        **form_context(doc, result, evaluation.scorecard.bands),
        "evaluation": evaluation,
        "rows": answer_rows(evaluation, result),
        "revision_rows": revision_rows(evaluation, revisions) if len(revisions) > 1 else [],
        "editing": editing,
        "answers": {k: str(v) for k, v in evaluation.answers.items()},
        "qcomments": evaluation.question_comments,
        "is_agent": evaluation.agent_id == request.user.pk,
        "can_dispute": evaluation.agent_id == request.user.pk and closed is None,
        "dispute_closed_reason": closed,
        "is_evaluator": evaluation.evaluator_id == request.user.pk,
        "can_respond": policies.may_respond(request.user, evaluation),
        "dispute": dispute,
        "disputed_keys": {i.question_key for i in dispute.items.all()} if dispute else set(),
        "past_disputes": evaluation.disputes.filter(resolved_at__isnull=False).prefetch_related("items"),
        "revisions": revisions,
        "events": evaluation.events.select_related("actor"),
        "options": {q["key"]: q["options"] for s in doc["sections"] for q in s["questions"]},
        "can_void": policies.may_void(request.user, evaluation),
        "can_delete": policies.may_delete(request.user, evaluation),
        "can_discard": editing and policies.may_discard(request.user, evaluation),
        "evidence": {k: evidence_for(evaluation, k) for k in evaluation.evidence or {}},
        "can_adopt": may_adopt(request.user, evaluation),
        **_calibration_context(request.user, evaluation),
    }
    return render(request, "evaluations/detail.html", context)


def _calibration_context(viewer, evaluation: Evaluation) -> dict:
    """For an assessor's evaluation, the way back to its calibration session (the active-calibration
    marker comes from the calibrations app's template tag)."""
    seat = getattr(evaluation, "calibration_seat", None)  # None unless it is an assessor's evaluation
    return {"calibration_session": seat.session if seat else None}


def _posted_answers(request) -> tuple[dict, dict]:
    answers = {k[3:]: v for k, v in request.POST.items() if k.startswith("qa_") and v != ""}
    comments = {k[3:]: v for k, v in request.POST.items() if k.startswith("qc_")}
    return answers, comments


def _posted_lock(request) -> int:
    """The save the form was loaded at: required, so a post without it cannot skip the stale check
    (docs/evaluations.md#concurrent-edits)."""
    raw = request.POST.get("lock_version", "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ValidationError({"lock_version": "lock_version is missing or not a whole number; reload the page."})
    return int(raw)


@require_POST
@perm_required("evaluations.create")
def evaluation_save(request, uuid):
    """Autosave: answers → draft saved → the score panel (running total) back, with the new lock."""
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    answers, comments = _posted_answers(request)
    try:
        evaluation = services.evaluation_save(
            by=request.user,
            evaluation=evaluation,
            answers=answers,
            question_comments=comments,
            comment=request.POST.get("comment", ""),
            lock_version=_posted_lock(request),
        )
    except services.StaleEdit as exc:
        fresh = Evaluation.objects.get(pk=evaluation.pk)
        return render(request, "evaluations/_stale.html", {"message": _errors(exc), "evaluation": fresh}, status=409)
    except ValidationError as exc:
        return HttpResponse(_errors(exc), status=400, content_type="text/plain; charset=utf-8")
    context = {
        **form_context(evaluation.version.document, _result(evaluation), evaluation.scorecard.bands),
        "evaluation": evaluation,
        "saved_at": timezone.localtime(evaluation.updated_at),
    }
    return render(request, "evaluations/_saved.html", context)


@require_POST
@perm_required("evaluations.create")
def evaluation_submit(request, uuid):
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    answers, comments = _posted_answers(request)
    try:
        lock_version = _posted_lock(request)
    except ValidationError as exc:
        return HttpResponse(_errors(exc), status=400, content_type="text/plain; charset=utf-8")
    try:
        evaluation = services.evaluation_save(
            by=request.user,
            evaluation=evaluation,
            answers=answers,
            question_comments=comments,
            comment=request.POST.get("comment", ""),
            lock_version=lock_version,
        )
        services.evaluation_submit(by=request.user, evaluation=evaluation, lock_version=evaluation.lock_version)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("evaluations:detail", uuid=evaluation.uuid)
    seat = getattr(evaluation, "calibration_seat", None)  # None unless it is an assessor's evaluation
    if seat is not None:
        messages.success(request, "Evaluation submitted; the other assessors' answers are now visible to you.")
        return redirect("calibrations:detail", uuid=seat.session.uuid)
    # on to the next task, oldest due first (docs/evaluations.md#submitting); that page links back to this one
    request.session[JUST_SUBMITTED] = str(evaluation.uuid)
    task = selectors.next_task(viewer=request.user)
    if task is None:
        messages.success(request, "Evaluation submitted; the agent has been told. You have no open tasks left.")
        return redirect("evaluations:tasks")
    messages.success(
        request,
        f"Evaluation submitted; the agent has been told. Here is your next task, due first: "
        f"“{task.scorecard.name}” on {task.interaction}.",
    )
    return redirect("evaluations:task", uuid=task.uuid)


def _transition(request, uuid, action):
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    try:
        text = action(evaluation)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, text)
    return redirect("evaluations:detail", uuid=evaluation.uuid)


@require_POST
@perm_required("interactions.view")
def evaluation_acknowledge(request, uuid):
    return _transition(
        request,
        uuid,
        lambda e: services.evaluation_acknowledge(by=request.user, evaluation=e) and "Acknowledged. Thank you.",
    )


@require_POST
@perm_required("evaluations.respond")
def evaluation_dispute(request, uuid):
    """Each ticked answer with its reason and, optionally, the moment of the recording it is about
    (``at_<key>``: m:ss or seconds, or "Now" from the player)."""

    def dispute(evaluation):
        items = []
        for key in request.POST.getlist("dispute"):
            try:
                at = parse_clock(request.POST.get(f"at_{key}", ""))
            except ValueError as exc:
                raise ValidationError({f"at_{key}": f"The moment for question “{key}”: {exc}"}) from None
            items.append((key, request.POST.get(f"reason_{key}", ""), at))
        services.evaluation_dispute(
            by=request.user, evaluation=evaluation, items=items, note=request.POST.get("note", "")
        )
        return "Dispute sent to the evaluator."

    return _transition(request, uuid, dispute)


@require_POST
@perm_required("evaluations.create")
def evaluation_respond(request, uuid):
    responses = {}
    for key in request.POST.getlist("item"):
        kind = request.POST.get(f"response_{key}", "")
        responses[key] = (kind, request.POST.get(f"note_{key}", ""), request.POST.get(f"answer_{key}", ""))
    return _transition(
        request,
        uuid,
        lambda e: (
            services.dispute_respond(by=request.user, evaluation=e, responses=responses)
            and "Dispute answered; the agent has been told."
        ),
    )


@require_POST
@perm_required("evaluations.void")
def evaluation_void(request, uuid):
    return _transition(
        request,
        uuid,
        lambda e: (
            services.evaluation_void(by=request.user, evaluation=e, reason=request.POST.get("reason", ""))
            and "Evaluation voided."
        ),
    )


@require_POST
@perm_required("evaluations.delete_automated")
def evaluation_delete(request, uuid):
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    interaction = evaluation.interaction
    try:
        services.evaluation_delete_automated(by=request.user, evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("evaluations:detail", uuid=evaluation.uuid)
    messages.success(request, "Automated evaluation deleted for good.")
    if request.POST.get("back") == "interaction":  # deleted from the interaction's Performance tab
        return redirect("interactions:detail", uuid=interaction.uuid)
    return redirect("evaluations:list")


@require_POST
@perm_required("evaluations.create")
def evaluation_discard(request, uuid):
    """The evaluator deletes their own draft (docs/evaluations.md#discarding-a-draft); back to its task, if
    it was started from one, else to the interaction."""
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    task = evaluation.assignment
    try:
        services.evaluation_discard(by=request.user, evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("evaluations:detail", uuid=evaluation.uuid)
    messages.success(request, "Draft discarded.")
    if task is not None:
        return redirect("evaluations:task", uuid=task.uuid)
    return redirect("interactions:detail", uuid=evaluation.interaction.uuid)


# --- Automated evaluations --------------------------------------------------------------------------


@require_POST
@perm_required("evaluations.assign")
def automated_run(request, interaction):
    """ "Run automated evaluation" on an interaction: the scorecard chosen among those with questions
    answered from indicators (docs/evaluations.md#automated-evaluations)."""
    item = interaction_get_for(viewer=request.user, uuid=interaction)
    refusal = run_refusal(request.user, item)
    if refusal:
        raise PermissionDenied(refusal)
    form = AutomatedRunForm(request.POST, scorecards=linked_scorecards())
    if not form.is_valid():
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
        return redirect("interactions:detail", uuid=item.uuid)
    try:
        evaluation = automated_evaluation_run(
            by=request.user, interaction=item, scorecard=form.scorecards[form.cleaned_data["scorecard"]]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("interactions:detail", uuid=item.uuid)
    answered = len(evaluation.evidence)
    messages.success(request, f"Automated evaluation done: {answered} question{'s' * (answered != 1)} answered.")
    return redirect("evaluations:detail", uuid=evaluation.uuid)


@require_POST
@perm_required("evaluations.create")
def evaluation_adopt(request, uuid):
    """Take an automated evaluation over to complete it as one's own."""
    evaluation = selectors.evaluation_get_for(viewer=request.user, uuid=uuid)
    try:
        automated_evaluation_adopt(by=request.user, evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "It is your draft now: check the answers, complete the rest and submit.")
    return redirect("evaluations:detail", uuid=evaluation.uuid)


# --- Tables -------------------------------------------------------------------------------------------

PAGE = 50


@perm_required("interactions.view")
def evaluation_list(request):
    viewer = request.user
    filterset = EvaluationFilter(
        request.GET or None,
        agents=agents_in_scope(viewer=viewer),
        evaluators=evaluators_in_scope(viewer=viewer),
        scorecards=pickable_scorecards(),
    )
    form = filterset.form
    valid = filterset.is_valid()
    qs = selectors.evaluation_list(viewer=viewer, filters=filterset)
    if request.GET.get("format") == "csv":
        if form.is_bound and not valid:  # never an unfiltered export in place of the one asked for
            detail = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            return HttpResponse(f"Invalid filter: {detail}", status=400, content_type="text/plain; charset=utf-8")
        return evaluations_csv(qs)
    cursor = request.GET.get("cursor", "")
    page = selectors.evaluation_page(selectors.evaluation_table(qs), filterset if valid else None, cursor, PAGE)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)
    context = {
        "form": form,
        "rows": page.rows,
        "next_cursor": page.next,
        "previous_cursor": page.previous,
        "paged": bool(cursor),
        "query": query.urlencode(),
    }
    return render(request, "evaluations/list.html", context, status=filter_status(request, form, valid))


@perm_required("evaluations.create")
def dispute_list(request):
    """The disputes queue (docs/evaluations.md#the-disputes-queue): open disputes oldest first, filtered."""
    viewer = request.user
    filterset = DisputeFilter(
        request.GET or None,
        agents=agents_in_scope(viewer=viewer),
        teams=team_list(viewer=viewer),
        evaluators=evaluators_in_scope(viewer=viewer),
        scorecards=pickable_scorecards(),
    )
    form = filterset.form
    valid = filterset.is_valid()
    cursor = request.GET.get("cursor", "")
    page = selectors.dispute_page(selectors.dispute_list(viewer=viewer, filters=filterset), filterset, cursor)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)
    now = timezone.now()
    rows = [(d, selectors.dispute_is_overdue(d, now)) for d in page.rows]
    context = {
        "form": form,
        "rows": rows,
        "query": query.urlencode(),
        "next_cursor": page.next,
        "previous_cursor": page.previous,
        "paged": bool(cursor),
        "now": now,
        "status": filterset.status_value(),
    }
    return render(request, "evaluations/disputes.html", context, status=filter_status(request, form, valid))
