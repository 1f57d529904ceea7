from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required, rule_required
from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import user_scope
from cxq.calibrations import policies, selectors, services
from cxq.calibrations.choices import SessionStatus
from cxq.calibrations.exports import report_csv_rows
from cxq.calibrations.filters import SessionFilter
from cxq.calibrations.forms import AcrossForm, InteractionSearchForm, SessionForm
from cxq.calibrations.models import Assessor
from cxq.interactions.selectors import interaction_scope, interaction_suggestions
from cxq.lib.csvio import csv_stream_response
from cxq.scorecards.models import Scorecard
from cxq.scorecards.selectors import usable_scorecards

calibration_access = rule_required(selectors.may_view_calibrations)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _candidates(viewer) -> list[User]:
    """People the viewer may ask to assess: in their scope, allowed to calibrate and evaluate."""
    people = user_scope(viewer=viewer).filter(is_active=True).select_related("role").order_by("full_name")
    return [u for u in people if has_perm(u, "calibrations.participate") and has_perm(u, "evaluations.create")]


@calibration_access
def session_list(request):
    filterset = SessionFilter(request.GET or None)
    form = filterset.form
    qs = selectors.session_list(viewer=request.user, filters=filterset)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    for s in page.object_list:
        s.completion = selectors.completion_percent(s.completed, s.assigned)
    return render(
        request,
        "calibrations/list.html",
        {"form": form, "page": page, "can_create": has_perm(request.user, "calibrations.manage")},
    )


@perm_required("calibrations.manage")
def interaction_options(request):
    """The interaction picker of a new session (docs/calibrations.md#creating-a-session): ``<option>``s for the
    field's datalist, the newest interactions in scope matching what was typed."""
    form = InteractionSearchForm(request.GET)
    if not form.is_valid():
        return HttpResponse(" ".join(form.errors["interaction"]), status=400, content_type="text/plain; charset=utf-8")
    found = interaction_suggestions(viewer=request.user, text=form.cleaned_data["interaction"])
    return render(request, "calibrations/_interaction_options.html", {"interactions": found})


@perm_required("calibrations.manage")
def session_new(request):
    viewer = request.user
    initial = {"interaction": request.GET.get("interaction", "")}
    form = SessionForm(
        request.POST or None,
        initial=initial,
        scorecards=usable_scorecards().order_by("name"),
        people=_candidates(viewer),
        interactions=interaction_scope(viewer=viewer),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                by=viewer,
                name=data["name"],
                scorecard=form.scorecards[data["scorecard"]],
                interaction=data["interaction"],
                assessors=[form.people[k] for k in data["assessors"]],
                benchmark=form.people.get(data["benchmark"]) if data["benchmark"] else None,
                due_at=data["due_at"],
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for key, texts in errors.items():
                form.add_error(key if key in form.fields else None, " ".join(texts))
        except PermissionDenied as exc:
            form.add_error("interaction", str(exc))
        else:
            messages.success(request, f"Session opened; {session.assessors.count()} assessors have been invited.")
            return redirect("calibrations:detail", uuid=session.uuid)
    return render(request, "calibrations/new.html", {"form": form}, status=400 if form.errors else 200)


@calibration_access
def session_detail(request, uuid):
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    report = selectors.session_report(session, viewer=request.user)
    blind = report.blind
    manage = selectors.can_manage(viewer=request.user, session=session)
    seated = {r.seat.user_id for r in report.rows}
    context = {
        "session": session,
        "report": report,
        "blind": blind,
        "seat": selectors.my_seat(viewer=request.user, session=session),
        "can_manage": manage and session.status == SessionStatus.OPEN,
        "candidates": _addable(request.user, session, seated) if manage else [],
        "now": timezone.now(),
    }
    return render(request, "calibrations/detail.html", context)


def _addable(viewer, session, seated: set[int]) -> list:
    """People the viewer may add to the session: in scope, not seated, and not its interaction's agent."""
    return [u for u in policies.assessor_candidates(_candidates(viewer), session.interaction) if u.pk not in seated]


@require_POST
@calibration_access
def session_start(request, uuid):
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    try:
        evaluation = services.assessor_start(by=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("calibrations:detail", uuid=session.uuid)
    return redirect("evaluations:detail", uuid=evaluation.uuid)


def _manage_action(request, uuid, action, done: str):
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    try:
        action(session)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, done)
    return redirect("calibrations:detail", uuid=session.uuid)


def _person(request, key: str) -> User:
    value = (request.POST.get(key) or "").strip()
    try:
        person = user_scope(viewer=request.user).filter(uuid=value).first() if value else None
    except ValidationError:  # not a UUID
        person = None
    if person is None:
        raise ValidationError({key: "Choose a person from the list."})
    return person


@require_POST
@perm_required("calibrations.manage")
def assessor_add(request, uuid):
    def add(session):
        user = _person(request, "user")
        services.assessor_add(by=request.user, session=session, user=user)

    return _manage_action(request, uuid, add, "Assessor added and invited.")


@require_POST
@perm_required("calibrations.manage")
def assessor_remove(request, uuid, user):
    def remove(session):
        person = get_object_or_404(session.assessors.select_related("user"), user__uuid=user).user
        services.assessor_remove(by=request.user, session=session, user=person)

    return _manage_action(request, uuid, remove, "Assessor removed.")


@require_POST
@perm_required("calibrations.manage")
def session_close(request, uuid):
    return _manage_action(
        request, uuid, lambda s: services.session_close(by=request.user, session=s), "Session closed."
    )


@calibration_access
def session_export(request, uuid):
    """CSV of the side-by-side answers; refused while the viewer is still blind."""
    session = selectors.session_get_for(viewer=request.user, uuid=uuid)
    report = selectors.session_report(session, viewer=request.user)
    if report.blind:
        raise PermissionDenied("Submit your own evaluation first; until then the others' answers stay hidden.")
    header, rows = report_csv_rows(report)
    return csv_stream_response(f"cxq-calibration-{session.uuid}.csv", header, rows)


@perm_required("calibrations.manage")
def agreement(request):
    """Agreement per question across sessions, and each evaluator's calibration trend
    (docs/calibrations.md#statistics)."""
    viewer = request.user
    scope = selectors.session_scope(viewer=viewer)
    scorecards = Scorecard.objects.filter(pk__in=scope.values("scorecard_id")).order_by("name")
    people = User.objects.filter(pk__in=Assessor.objects.filter(session__in=scope).values("user_id")).order_by(
        "full_name"
    )
    form = AcrossForm(request.GET or None, scorecards=scorecards, people=people)
    across = None
    if form.is_valid():
        date_from, date_to = form.period()
        across = selectors.across_sessions(
            viewer=viewer,
            scorecard=form.scorecards[form.cleaned_data["scorecard"]],
            date_from=date_from,
            date_to=date_to,
            evaluator=form.people.get(form.cleaned_data["evaluator"] or ""),
        )
    context = {"form": form, "across": across, "charts": _charts(across) if across else None}
    return render(request, "calibrations/agreement.html", context, status=400 if form.errors else 200)


def _charts(across) -> dict:
    labels = [f"{s.name} ({timezone.localtime(s.created_at):%Y-%m-%d})" for s in across.sessions]

    def series(attr):
        return [
            {
                "label": user.full_name,
                "data": [None if getattr(p, attr) is None else round(getattr(p, attr), 2) for p in points],
            }
            for user, points in across.trends.items()
        ]

    return {
        "mean": {"type": "line", "labels": labels, "datasets": series("mad_mean"), "y": {"min": 0, "suffix": " pts"}},
        "benchmark": {
            "type": "line",
            "labels": labels,
            "datasets": series("mad_benchmark"),
            "y": {"min": 0, "suffix": " pts"},
        },
    }
