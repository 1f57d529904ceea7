"""Schedule pages (docs/schedules.md#pages): the week view, the import page, slot suggestion (a page and
the fragment a coaching form includes) and the private calendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.models import OrgSettings
from cxq.lib.urls import absolute_url
from cxq.schedules import importing, selectors, services
from cxq.schedules.calendar import feed_calendar
from cxq.schedules.forecast import org_zone
from cxq.schedules.forms import ImportForm, SettingsForm, SuggestPageForm
from cxq.schedules.models import FeedToken, ScheduleSettings
from cxq.schedules.query import SuggestQuery, parse_suggest_query


def _monday(text: str | None) -> date:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    day = day or timezone.localdate()
    return day - timedelta(days=day.weekday())


@require_GET
def schedule(request):
    """A week of one person's schedule: one's own, or (for a lead) someone of their teams."""
    people = selectors.people_in_scope(viewer=request.user)
    person = request.user
    if request.GET.get("user"):
        try:
            person = people.get(uuid=request.GET["user"])
        except (ValidationError, ValueError, people.model.DoesNotExist):
            raise Http404("No such person in your scope.") from None
    monday = _monday(request.GET.get("week"))
    context = {
        "person": person,
        "people": people if people.count() > 1 else None,
        "monday": monday,
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "days": selectors.week_of(user=person, monday=monday, zone=timezone.get_current_timezone()),
        "own": person.pk == request.user.pk,
        "feed": FeedToken.objects.filter(user=request.user).first(),
        "new_feed_url": request.session.pop("new_feed_url", None),
        "can_manage": selectors.may_manage(request.user),
        "can_suggest": selectors.may_suggest(request.user),
    }
    return render(request, "schedules/week.html", context)


@perm_required("schedules.manage")
def import_page(request):
    people = selectors.people_in_scope(viewer=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, people=people)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            created, updated = _import(request, form, people)
        except ValidationError as exc:
            problems = getattr(exc, "problems", None) or exc.messages
        else:
            messages.success(request, f"Imported: {created} new, {updated} updated.")
            return redirect("schedules:import")
    context = {
        "form": form,
        "problems": problems,
        "settings_form": SettingsForm(initial={"forecast_weeks": ScheduleSettings.get().forecast_weeks}),
        "org_zone": org_zone().key,
    }
    return render(request, "schedules/import.html", context, status=400 if problems or form.errors else 200)


def _import(request, form: ImportForm, people) -> tuple[int, int]:
    upload = form.cleaned_data["file"]
    content = upload.read()
    zone = org_zone()
    if upload.name.lower().endswith((".ics", ".ical", ".ifb")):
        person = people.filter(uuid=form.cleaned_data["user"]).first() if form.cleaned_data["user"] else None
        if person is None:
            raise ValidationError(["Whose schedule: choose the person this calendar belongs to."])
        kind = form.cleaned_data["default_kind"] or "shift"
        items = importing.parse_ics(user=person, content=content, zone=zone, default_kind=kind)
        return services.entries_upsert(by=request.user, items=items, source="ics")
    items = importing.parse_csv(by=request.user, content=content, zone=zone)
    return services.entries_upsert(by=request.user, items=items, source="csv")


@require_POST
@perm_required("schedules.manage")
def settings_edit(request):
    form = SettingsForm(request.POST)
    if form.is_valid():
        services.settings_update(by=request.user, forecast_weeks=form.cleaned_data["forecast_weeks"])
        messages.success(request, "Saved. The forecast is being recomputed.")
    else:
        messages.error(request, f"Forecast weeks: {'; '.join(form.errors.get('forecast_weeks', ['invalid']))}")
    return redirect("schedules:import")


def _suggest_context(request, query: SuggestQuery) -> dict:
    found = selectors.suggest_slots(
        organization=OrgSettings.get(),
        user_ids=query.user_ids,
        date_from=query.date_from,
        date_to=query.date_to,
        duration_minutes=query.duration,
        team_id=query.team_id,
    )
    zone = timezone.get_current_timezone()
    slots = [
        {
            "starts_at": s.starts_at.astimezone(zone),
            "ends_at": s.ends_at.astimezone(zone),
            "value": s.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "volume": s.volume,
            "explanation": s.explanation(zone),
        }
        for s in found.slots
    ]
    return {"slots": slots, "message": found.message, "duration": query.duration}


@require_GET
def suggest(request):
    """The slot list fragment (docs/schedules.md#the-slot-picker): 400 names the parameter to fix."""
    if not selectors.may_suggest(request.user):
        raise PermissionDenied("Your role does not allow suggesting coaching slots.")
    try:
        query = parse_suggest_query(request.GET, viewer=request.user)
    except ValidationError as exc:
        return render(request, "schedules/_slots.html", {"errors": exc.messages}, status=400)
    return render(request, "schedules/_slots.html", _suggest_context(request, query))


@require_GET
def suggest_page(request):
    if not selectors.may_suggest(request.user):
        raise PermissionDenied("Your role does not allow suggesting coaching slots.")
    people = selectors.people_in_scope(viewer=request.user)
    today = timezone.localdate()
    initial = {"date_from": today, "date_to": today + timedelta(days=13), "duration": 30}
    chosen = request.GET.getlist("users")
    form = SuggestPageForm(initial={**initial, "users": chosen}, people=people)
    return render(request, "schedules/suggest.html", {"form": form})


@require_POST
def feed_create(request):
    _token, raw = services.feed_token_create(user=request.user)
    # the public base URL (CXQ_BASE_URL): the address calendar apps will call, whatever host this page is on
    request.session["new_feed_url"] = absolute_url(reverse("schedules:feed", args=[raw]))
    return redirect("schedules:week")


@require_POST
def feed_revoke(request):
    if services.feed_token_revoke(user=request.user):
        messages.success(request, "Calendar feed URL revoked: calendars using it stop updating.")
    return redirect("schedules:week")


@login_not_required
@require_GET
def feed(request, token: str):
    user = services.feed_user(token)
    if user is None:
        raise Http404("No such feed.")
    response = HttpResponse(feed_calendar(user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
