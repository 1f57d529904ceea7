"""Coaching pages (docs/coaching.md): thin — parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.coaching import focus, ics, policies, selectors, services
from cxq.coaching.choices import Status
from cxq.coaching.forms import SessionForm
from cxq.coaching.models import FollowUp


def _open(request) -> None:
    if not policies.may_open_coaching(request.user):
        raise PermissionDenied("Your role does not take part in coaching.")


def home(request):
    _open(request)
    board = selectors.board(viewer=request.user)
    scores = (
        selectors.weekly_scores(viewer=request.user, agent=request.user) if request.user.can("analytics.own") else []
    )
    context = {"board": board, "scores": scores, "can_coach": policies.may_coach(request.user)}
    return render(request, "coaching/home.html", context)


def session_list(request):
    _open(request)
    status = request.GET.get("status", "")
    if status and status not in Status.values:
        status = ""
    cursor = request.GET.get("cursor", "")
    page = selectors.session_page(viewer=request.user, status=status, cursor=cursor)
    context = {
        "sessions": page.rows,
        "status": status,
        "statuses": Status.choices,
        "next_cursor": page.next,
        "previous_cursor": page.previous,
        "paged": bool(cursor),
        "query": f"status={status}" if status else "",
    }
    return render(request, "coaching/list.html", context)


def _form(request, *, initial=None) -> SessionForm:
    return SessionForm(
        request.POST or None,
        initial=initial,
        agents=selectors.possible_agents(request.user),
        coaches=selectors.possible_coaches(request.user),
    )


def _save_errors(form: SessionForm, exc: ValidationError) -> None:
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _form_page(request, form, source, session=None):
    agents = source.agents_for(form)
    context = {
        "form": form,
        "session": session,
        "source": source,
        "candidates": focus.candidates(request.user, agents, source),
        "weak": {a: selectors.weak_questions(viewer=request.user, agent=a) for a in agents},
        "chosen": source.chosen(request),
    }
    return render(request, "coaching/form.html", context, status=400 if form.errors else 200)


@perm_required("coaching.manage")
def session_new(request):
    source = focus.Source.from_request(request)
    form = _form(request, initial=source.initial(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                by=request.user,
                data=focus.session_input(request, form),
                origin=source.origin,
                evaluation=source.evaluation,
                dispute=source.dispute,
            )
        except ValidationError as exc:
            _save_errors(form, exc)
        else:
            messages.success(request, "Coaching session scheduled: the agents have their invite.")
            return redirect("coaching:detail", uuid=session.uuid)
    return _form_page(request, form, source)


def session_detail(request, uuid):
    _open(request)
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    user = request.user
    agent_ids = [a.agent_id for a in session.attendees.all()]
    context = {
        "session": session,
        "focus": selectors.focus_of(session),
        "can_manage": policies.may_manage(user, session),
        "can_ack": policies.may_acknowledge(user, session),
        "can_tick": policies.may_tick(user, session),
        "is_agent": user.pk in agent_ids,
        "ended": session.ends_at is not None and session.ends_at < timezone.now(),
        "weak": {a.agent: selectors.weak_questions(viewer=user, agent=a.agent) for a in session.attendees.all()}
        if policies.may_manage(user, session) and session.status == Status.SCHEDULED
        else {},
    }
    return render(request, "coaching/detail.html", context)


@perm_required("coaching.manage")
def session_edit(request, uuid):
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    if not policies.may_manage(request.user, session):
        raise PermissionDenied("Nobody manages a coaching session they attend as an agent.")
    source = focus.Source.of_session(session)
    form = _form(request, initial=focus.initial_of(session))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(by=request.user, session=session, data=focus.session_input(request, form))
        except ValidationError as exc:
            _save_errors(form, exc)
        else:
            messages.success(request, "Session saved.")
            return redirect("coaching:detail", uuid=session.uuid)
    return _form_page(request, form, source, session)


def _act(request, uuid, action, done: str):
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    try:
        action(session)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect("coaching:detail", uuid=session.uuid)
    messages.success(request, done)
    return redirect("coaching:detail", uuid=session.uuid)


@require_POST
@perm_required("coaching.manage")
def session_complete(request, uuid):
    follow_ups = (request.POST.get("follow_ups") or "").splitlines()
    notes = request.POST.get("outcome_notes", "")
    return _act(
        request,
        uuid,
        lambda s: services.session_complete(by=request.user, session=s, outcome_notes=notes, follow_ups=follow_ups),
        "Session completed: the agents are asked to acknowledge the outcome.",
    )


@require_POST
@perm_required("coaching.manage")
def session_cancel(request, uuid):
    reason = request.POST.get("reason", "")
    return _act(
        request,
        uuid,
        lambda s: services.session_cancel(by=request.user, session=s, reason=reason),
        "Session cancelled: the agents' calendars get the cancellation.",
    )


@require_POST
@perm_required("coaching.manage")
def session_missed(request, uuid):
    return _act(
        request, uuid, lambda s: services.session_mark_missed(by=request.user, session=s), "Session marked missed."
    )


@require_POST
def session_acknowledge(request, uuid):
    _open(request)
    return _act(
        request,
        uuid,
        lambda s: services.session_acknowledge(by=request.user, session=s),
        "Acknowledged. Thank you.",
    )


@require_POST
def follow_up_toggle(request, uuid, pk):
    _open(request)
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    item = get_object_or_404(FollowUp, session=session, pk=pk)
    services.follow_up_set_done(by=request.user, follow_up=item, done=request.POST.get("done") == "1")
    return redirect("coaching:detail", uuid=session.uuid)


def session_ics(request, uuid):
    _open(request)
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    if session.when is None:
        raise Http404
    response = HttpResponse(ics.invite(session, method="PUBLISH"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coaching-{session.uuid}.ics"'
    return response
