"""Reads of schedules (docs/schedules.md): whose schedule a viewer may see, a week of entries, and slot
suggestion (``suggest_slots``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cxq.accounts.models import OrgSettings, User
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import user_scope
from cxq.schedules.adapters import Span, get_adapter
from cxq.schedules.choices import Kind
from cxq.schedules.forecast import INTERVAL_MINUTES, forecast_volumes, org_zone, volume_over
from cxq.schedules.models import Entry

MAX_RANGE_DAYS = 62
MAX_DURATION_MINUTES = 8 * 60


def may_manage(user) -> bool:
    return has_perm(user, "schedules.manage")


def may_suggest(user) -> bool:
    """Who may ask for coaching slots: whoever schedules coaching or manages schedules."""
    return has_perm(user, "coaching.manage") or has_perm(user, "schedules.manage")


def people_in_scope(*, viewer: User) -> QuerySet[User]:
    """Whose schedules the viewer sees: themselves, and with a lead's scope the people of their teams."""
    return user_scope(viewer=viewer).filter(is_active=True).order_by("full_name", "id")


def entries_between(*, user: User, start: datetime, end: datetime) -> list[Entry]:
    return list(Entry.objects.filter(user=user, starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "id"))


@dataclass
class DayOfWeek:
    day: date
    entries: list[Entry]
    is_today: bool = False


def week_of(*, user: User, monday: date, zone) -> list[DayOfWeek]:
    """Seven days from ``monday`` in ``zone``, each with the entries that touch it."""
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)
    entries = entries_between(user=user, start=start, end=end)
    today = timezone.now().astimezone(zone).date()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        lo = datetime.combine(day, time.min, tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        days.append(DayOfWeek(day, [e for e in entries if e.starts_at < hi and e.ends_at > lo], day == today))
    return days


# --- Slot suggestion (docs/schedules.md#slot-suggestion) ----------------------------------------------

Interval = tuple[datetime, datetime]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _subtract(base: list[Interval], cuts: list[Interval]) -> list[Interval]:
    out = []
    for lo, hi in base:
        pieces = [(lo, hi)]
        for c_lo, c_hi in cuts:
            nxt = []
            for p_lo, p_hi in pieces:
                if c_hi <= p_lo or c_lo >= p_hi:
                    nxt.append((p_lo, p_hi))
                    continue
                if c_lo > p_lo:
                    nxt.append((p_lo, c_lo))
                if c_hi < p_hi:
                    nxt.append((c_hi, p_hi))
            pieces = nxt
        out.extend(pieces)
    return out


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _ceil_interval(moment: datetime) -> datetime:
    step = INTERVAL_MINUTES * 60
    stamp = -(-int(moment.timestamp()) // step) * step
    return datetime.fromtimestamp(stamp, tz=moment.tzinfo)


@dataclass
class Free:
    """One person in a slot: their name and the shift it falls in."""

    name: str
    shift_start: datetime
    shift_end: datetime


@dataclass
class Slot:
    starts_at: datetime
    ends_at: datetime
    volume: float  # forecast interactions over the slot
    people: list[Free]

    def explanation(self, zone) -> str:
        shifts = "; ".join(
            f"{p.name} on shift {p.shift_start.astimezone(zone):%a %H:%M}–{p.shift_end.astimezone(zone):%H:%M}"
            for p in self.people
        )
        return f"Forecast {self.volume:.1f} interactions over the slot. Free: {shifts}."


@dataclass
class Suggestions:
    slots: list[Slot] = field(default_factory=list)
    message: str = ""  # why there is no slot (empty when there are some)
    zone_name: str = "UTC"


def _when(start: datetime, end: datetime, zone) -> str:
    return f"{start.astimezone(zone):%Y-%m-%d} to {(end - timedelta(seconds=1)).astimezone(zone):%Y-%m-%d}"


def suggest_slots(
    *,
    organization: OrgSettings,
    user_ids: list[int],
    date_from: date,
    date_to: date,
    duration_minutes: int,
    limit: int = 10,
    team_id: int | None = None,
    now: datetime | None = None,
) -> Suggestions:
    """The best slots of ``duration_minutes`` between ``date_from`` and ``date_to`` (whole days in the
    organisation's time zone) when every listed person is on shift and in no activity.

    1. Read everyone's shifts and activities over the range from the configured adapter.
    2. Per person: their shifts (merged) minus their activities (every kind but a shift blocks).
    3. Intersect the people's free time; keep stretches of at least the duration, from now on.
    4. Candidate starts every 15 minutes within each stretch; each scored by the forecast volume over
       the slot (``volume_over``, the team's forecast when ``team_id`` is given).
    5. Order by lowest volume, then earliest; take slots that do not overlap one already taken, up to
       ``limit``. With none, ``message`` says why: someone has no shift, someone's shifts are all
       taken by activities, or the people are never free together for that long.
    """
    zone = org_zone(organization)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    now = now or timezone.now()
    result = Suggestions(zone_name=zone.key)
    people = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    if not people:
        result.message = "Choose at least one person."
        return result
    spans: list[Span] = get_adapter().spans(user_ids=list(people), start=start, end=end)
    duration = timedelta(minutes=duration_minutes)
    earliest = max(start, _ceil_interval(now))
    shifts_of: dict[int, list[Interval]] = {}
    common: list[Interval] | None = None
    for pk, person in people.items():
        mine = [s for s in spans if s.user_id == pk]
        shifts = _merge((max(s.starts_at, start), min(s.ends_at, end)) for s in mine if s.kind == Kind.SHIFT)
        shifts = [(lo, hi) for lo, hi in shifts if hi > earliest]
        if not shifts:
            result.message = f"{person} has no shift between {_when(earliest, end, zone)}."
            return result
        blocks = _merge((s.starts_at, s.ends_at) for s in mine if s.kind != Kind.SHIFT)
        free = [(max(lo, earliest), hi) for lo, hi in _subtract(shifts, blocks) if hi - max(lo, earliest) >= duration]
        if not free:
            result.message = (
                f"{person} has no free stretch of {duration_minutes} minutes: "
                "every shift in the range is taken by breaks, meetings or other activities."
            )
            return result
        shifts_of[pk] = shifts
        common = free if common is None else _intersect(common, free)
    stretches = [(lo, hi) for lo, hi in (common or []) if hi - lo >= duration]
    if not stretches:
        names = " and ".join(str(p) for p in people.values())
        result.message = f"{names} are never free together for {duration_minutes} minutes in this range."
        return result
    volumes = forecast_volumes(team_id=team_id)
    candidates: list[tuple[float, datetime]] = []
    for lo, hi in stretches:
        cursor = _ceil_interval(lo)
        while cursor + duration <= hi:
            candidates.append((round(volume_over(cursor, cursor + duration, volumes=volumes, zone=zone), 6), cursor))
            cursor += timedelta(minutes=INTERVAL_MINUTES)
    if not candidates:
        result.message = f"No slot of {duration_minutes} minutes starts on a quarter hour within the free time."
        return result
    candidates.sort()
    taken: list[Interval] = []
    for volume, slot_start in candidates:
        slot_end = slot_start + duration
        if any(slot_start < t_hi and slot_end > t_lo for t_lo, t_hi in taken):
            continue
        taken.append((slot_start, slot_end))
        free = []
        for pk, person in people.items():
            lo, hi = next((lo, hi) for lo, hi in shifts_of[pk] if lo <= slot_start and slot_end <= hi)
            free.append(Free(str(person), lo, hi))
        result.slots.append(Slot(slot_start, slot_end, volume, free))
        if len(result.slots) >= limit:
            break
    return result
