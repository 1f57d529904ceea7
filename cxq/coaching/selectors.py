"""Reads of coaching sessions, scoped by who asks (docs/coaching.md#who-sees-what): one scoped queryset,
``session_scope``, that every list, page and API call starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import agents_in_scope, led_team_ids, user_scope
from cxq.analytics import dashboards as analytics_dashboards
from cxq.analytics import selectors as analytics
from cxq.coaching.choices import Kind, Status
from cxq.coaching.models import Attendee, CoachingSession, FocusItem, FollowUp
from cxq.lib import keyset

WEEKS_OF_SCORES = 8
HISTORY = 10
WEAK_MIN_ANSWERS = 3  # a question needs this many of the agent's answers in 30 days to be ranked


def session_scope(*, viewer: User) -> QuerySet[CoachingSession]:
    """Every session for viewers who see all teams; otherwise the sessions they coach, attend or created,
    and, for those who coach, every session with an agent of a team they lead."""
    qs = CoachingSession.objects.all()
    if has_perm(viewer, "scope.all_teams"):
        return qs
    mine = Q(coach=viewer) | Q(attendees__agent=viewer) | Q(created_by=viewer)
    if has_perm(viewer, "coaching.manage"):
        led = led_team_ids(viewer)
        if led:
            mine |= Q(attendees__agent__teams__in=led)
    return qs.filter(pk__in=CoachingSession.objects.filter(mine).values("pk"))


def _loaded(qs: QuerySet[CoachingSession]) -> QuerySet[CoachingSession]:
    return qs.select_related("coach", "evaluation", "dispute").prefetch_related(
        Prefetch("attendees", queryset=Attendee.objects.select_related("agent").order_by("agent__full_name", "id")),
        "follow_ups",
    )


def session_list(
    *, viewer: User, status: str = "", agent: User | None = None, coach: User | None = None
) -> QuerySet[CoachingSession]:
    qs = session_scope(viewer=viewer)
    if status:
        qs = qs.filter(status=status)
    if agent is not None:
        qs = qs.filter(attendees__agent=agent)
    if coach is not None:
        qs = qs.filter(coach=coach)
    return _loaded(qs)


SESSIONS_KEY = "-created_at"  # the sessions page's keyset sort, newest first (cxq/lib/keyset.py)


def session_page(*, viewer: User, status: str = "", cursor: str = "", size: int = 50) -> keyset.Page:
    """One keyset page of the sessions table (docs/coaching.md#where-it-shows): its coach and attendees
    only, not the evaluation, dispute and follow-ups a session's page shows; no count, and a deep page costs
    what the first does."""
    qs = session_scope(viewer=viewer)
    if status:
        qs = qs.filter(status=status)
    return keyset.page_at(_listed(qs), cursor, size, key=SESSIONS_KEY)


def _listed(qs: QuerySet[CoachingSession]) -> QuerySet[CoachingSession]:
    """What a row of a sessions table shows (coaching/_table.html): the coach and the attendees, not the
    evaluation, dispute and follow-ups a session's page shows."""
    attendees = Attendee.objects.select_related("agent").order_by("agent__full_name", "id")
    return qs.select_related("coach").prefetch_related(Prefetch("attendees", queryset=attendees))


def session_get_for(*, viewer: User, uuid) -> CoachingSession:
    session = get_object_or_404(_loaded(session_scope(viewer=viewer)), uuid=uuid)
    return session


def focus_of(session: CoachingSession) -> list[FocusItem]:
    return list(session.focus.select_related("evaluation__scorecard", "evaluation__agent", "interaction"))


def sessions_about_evaluation(*, viewer: User, evaluation) -> list[CoachingSession]:
    """The sessions in the viewer's scope made from this evaluation or focusing on it (either way round)."""
    about = Q(evaluation=evaluation) | Q(pk__in=FocusItem.objects.filter(evaluation=evaluation).values("session_id"))
    return list(_loaded(session_scope(viewer=viewer).filter(about)).order_by("-created_at"))


BOARD_ROWS = 20  # each list of the board shows this many, the rest are counted (docs/coaching.md#where-it-shows)


@dataclass
class Board:
    """The coaching dashboard of one viewer (docs/coaching.md#where-it-shows): each list holds its first
    ``BOARD_ROWS``; ``more`` counts, per list, the rows past those."""

    upcoming: list[CoachingSession] = field(default_factory=list)
    to_acknowledge: list[CoachingSession] = field(default_factory=list)
    to_complete: list[CoachingSession] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    history: list[CoachingSession] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)

    @property
    def todo_count(self) -> int:
        shown = len(self.to_acknowledge) + len(self.to_complete) + len(self.follow_ups)
        return shown + sum(self.more.get(k, 0) for k in ("to_acknowledge", "to_complete", "follow_ups"))


UPCOMING, TO_COMPLETE = 1, 2  # a session's list on the board, as the database answers it


def _when():
    """SQL for ``CoachingSession.when``, falling back to the creation time: the board's order."""
    return Coalesce(
        Case(When(kind=Kind.ASYNC, then=F("due_at")), default=F("starts_at"), output_field=DateTimeField()),
        F("created_at"),
    )


class _PlusMinutes(Func):
    """A time plus a number of minutes, in SQL: Django's own arithmetic needs a DurationField on one side."""

    arity = 2
    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + interval '1 minute' * ")

    def as_sqlite(self, compiler, connection, **extra):
        # Django's own SQLite function for a datetime plus a duration (an integer of microseconds)
        template = "django_format_dtdelta('+', %(expressions)s * 60000000)"
        return self.as_sql(compiler, connection, template=template)


def _ends_at():
    """SQL for ``CoachingSession.ends_at``: the due time, or the start plus the duration."""
    return Case(
        When(Q(kind=Kind.ASYNC) | Q(starts_at__isnull=True), then=F("due_at")),
        default=_PlusMinutes(F("starts_at"), F("duration_minutes")),
        output_field=DateTimeField(),
    )


def board(*, viewer: User, agent: User | None = None, now=None, history: bool = True) -> Board:
    """Upcoming sessions, to-dos (follow-ups not done, sessions to acknowledge, past sessions the coach
    has not closed) and history. One's own board holds the sessions one runs or attends; ``agent``
    narrows to one agent's sessions as the viewer may see them (a profile).

    The open work is classified by one narrow query (per session, in the board's order: which list it is
    on, computed in SQL from its end, and two ``EXISTS``); only the first ``BOARD_ROWS`` of each list are
    then loaded, in one query and its prefetches, so a coach with thousands of open sessions costs little
    more than one with twenty does."""
    now = now or timezone.now()
    qs = session_scope(viewer=viewer)
    if agent is not None:
        qs = qs.filter(pk__in=Attendee.objects.filter(agent=agent).values("session_id"))
    else:
        mine = CoachingSession.objects.filter(Q(coach=viewer) | Q(attendees__agent=viewer)).values("pk")
        qs = qs.filter(pk__in=mine)
    open_work = Q(status=Status.SCHEDULED) | Q(
        status=Status.COMPLETED,
        pk__in=Attendee.objects.filter(acknowledged_at__isnull=True).values("session_id"),
    )
    open_work |= Q(status=Status.COMPLETED, pk__in=FollowUp.objects.filter(done_at__isnull=True).values("session_id"))
    unacknowledged = Attendee.objects.filter(session=OuterRef("pk"), agent=viewer, acknowledged_at__isnull=True)
    # which list a session is on, decided by the database: the rows are four small numbers each, in the
    # order the lists show (by start or due time), with no dates to convert here
    scheduled = Q(status=Status.SCHEDULED)
    place = Case(
        When(scheduled & (Q(board_end__isnull=True) | Q(board_end__gte=now)), then=Value(UPCOMING)),
        When(scheduled & Q(coach=viewer), then=Value(TO_COMPLETE)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        qs.filter(open_work)
        .annotate(board_end=_ends_at(), board_when=_when())
        .annotate(
            board_place=place,
            unacknowledged=Exists(unacknowledged),
            open_follow_ups=Exists(FollowUp.objects.filter(session=OuterRef("pk"), done_at__isnull=True)),
        )
        .order_by("board_when", "pk")
        .values_list("pk", "board_place", "status", "unacknowledged", "open_follow_ups")
    )
    lists: dict[str, list[int]] = {"upcoming": [], "to_acknowledge": [], "to_complete": [], "follow_ups": []}
    for pk, where, status, unacked, follow_ups in rows:
        if where == UPCOMING:
            lists["upcoming"].append(pk)
        elif where == TO_COMPLETE:
            lists["to_complete"].append(pk)
        if unacked:
            lists["to_acknowledge"].append(pk)
        if status == Status.COMPLETED and follow_ups:
            lists["follow_ups"].append(pk)
    out = Board()
    shown = {k: pks[:BOARD_ROWS] for k, pks in lists.items() if k != "follow_ups"}
    loaded = {s.pk: s for s in _listed(CoachingSession.objects.filter(pk__in={p for v in shown.values() for p in v}))}
    for key, pks in shown.items():
        setattr(out, key, [loaded[pk] for pk in pks])
        out.more[key] = len(lists[key]) - len(pks)
    # the open follow-ups of the completed sessions, in the sessions' order: at most BOARD_ROWS sessions
    # can fill the list (each has one at least); the rest are counted, by a query only when some of those
    # sessions were not read
    order = {pk: n for n, pk in enumerate(lists["follow_ups"])}
    open_items = FollowUp.objects.filter(done_at__isnull=True)
    read = open_items.filter(session_id__in=lists["follow_ups"][:BOARD_ROWS]).select_related("session")
    fetched = sorted(read, key=lambda f: order[f.session_id])
    out.follow_ups = fetched[:BOARD_ROWS]
    total = len(fetched)
    if len(lists["follow_ups"]) > BOARD_ROWS:
        total = open_items.filter(session_id__in=lists["follow_ups"]).count()
    out.more["follow_ups"] = total - len(out.follow_ups)
    if history:
        out.history = list(_loaded(qs.exclude(status=Status.SCHEDULED)).order_by("-closed_at", "-id")[:HISTORY])
    return out


def weekly_scores(*, viewer: User, agent: User, today: date | None = None) -> list[dict]:
    """The agent's average score per week over the last WEEKS_OF_SCORES weeks (analytics' trend), as the
    viewer may see it: empty when their role sees no analytics for that agent."""
    today = today or analytics_dashboards.org_today(viewer)
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS_OF_SCORES - 1)
    f = analytics.Filters(date_from=start, date_to=today, agent_id=agent.pk, period="week")
    try:
        scope = analytics.scope_of(viewer)
    except analytics.OutOfScope:
        return []
    if scope.agent_id is not None and scope.agent_id != agent.pk:
        return []
    if scope.team_ids is not None and not agent.teams.filter(pk__in=scope.team_ids).exists():
        return []
    series = analytics.trends(f, scope)["series"]
    return series[0]["points"] if series else []


def weak_questions(*, viewer: User, agent: User) -> list[dict]:
    """The questions the agent fails most over the last 30 days (analytics' worst questions narrowed to
    one agent): what a coach may choose as the focus."""
    if not has_perm(viewer, "coaching.manage"):
        return []
    try:
        return analytics_dashboards.worst_questions(viewer, agent_id=agent.pk, min_n=WEAK_MIN_ANSWERS)
    except analytics.OutOfScope:
        return []


def possible_agents(viewer: User) -> QuerySet[User]:
    return agents_in_scope(viewer=viewer).exclude(pk=viewer.pk)


def possible_coaches(viewer: User) -> list[User]:
    people = user_scope(viewer=viewer).filter(is_active=True).select_related("role").order_by("full_name", "id")
    return [u for u in people if has_perm(u, "coaching.manage")]


def is_async(session: CoachingSession) -> bool:
    return session.kind == Kind.ASYNC
