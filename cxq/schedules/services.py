"""Writes of schedules (docs/schedules.md): import shifts and activities (CSV, ICS, API), delete one,
the settings, the private calendar feed, and the coaching activity kept in step with coaching events."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.accounts.selectors import user_scope
from cxq.events import AuditTrail, DomainEvent, Name, publish
from cxq.schedules.adapters import CoachingActivity, get_adapter
from cxq.schedules.choices import EntrySource, Kind
from cxq.schedules.models import Entry, FeedToken, ScheduleSettings

logger = logging.getLogger("cxq.schedules")

MAX_ENTRY_HOURS = 24
MAX_IMPORT_ROWS = 10_000
FEED_PREFIX = "cxqfeed_"


class ImportProblems(ValidationError):
    """Everything wrong with an import, one message per place ("Row 3, column starts_at: …"); nothing
    was written (docs/schedules.md#importing)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__({"rows": problems})


@dataclass
class EntryInput:
    """One shift or activity to import; ``place`` names where it came from in messages ("Row 3")."""

    user: User
    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    external_id: str | None = None
    place: str = ""


def parse_moment(text: str, zone) -> datetime:
    """An ISO 8601 date and time; without an offset it is read in ``zone`` (the organisation's). A local
    time that does not exist (the hour skipped when clocks go forward) is refused; an ambiguous one (the
    hour repeated when they go back) is its first occurrence."""
    value = parse_datetime((text or "").strip())
    if value is None:
        raise ValueError("expected a date and time such as 2026-12-07T08:00 or 2026-12-07 08:00+01:00")
    if timezone.is_aware(value):
        return value
    aware = value.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != value:
        raise ValueError(f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip that hour)")
    return aware


def entry_problem(kind: str, starts_at: datetime, ends_at: datetime) -> tuple[str, str] | None:
    """(column, message) of what is wrong with an entry's kind and times, or None."""
    if kind not in Kind.values:
        return "kind", f"{kind!r} is not a kind; use one of {', '.join(Kind.values)}"
    if ends_at <= starts_at:
        return "ends_at", "ends at or before it starts"
    if ends_at - starts_at > timedelta(hours=MAX_ENTRY_HOURS):
        return "ends_at", f"lasts more than {MAX_ENTRY_HOURS} hours"
    return None


def people_by_key(*, by: User, keys: set[str]) -> dict[str, User]:
    """The people in ``by``'s scope named by email, external id or public id (lower-cased email)."""
    scope = user_scope(viewer=by)
    emails = {k.lower() for k in keys if "@" in k}
    uuids = []
    for k in keys:
        try:
            uuids.append(str(uuid.UUID(k)))
        except ValueError:
            continue
    found: dict[str, User] = {}
    for person in scope.filter(Q(email__in=emails) | Q(external_id__in=keys) | Q(uuid__in=uuids)):
        found[person.email.lower()] = person
        if person.external_id:
            found[person.external_id] = person
        found[str(person.uuid)] = person
    return found


def _snapshot_count(items: list[EntryInput]) -> dict:
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    return kinds


@transaction.atomic
def entries_upsert(*, by: User, items: list[EntryInput], source: str) -> tuple[int, int]:
    """Import shifts and activities, all or nothing (docs/schedules.md#importing). An item with an
    ``external_id`` updates the entry with that id; one without updates the entry of the same person,
    kind and start imported without one; otherwise it is new. Returns (created, updated)."""
    require(by, "schedules.manage")
    problems = []
    allowed = set(user_scope(viewer=by).values_list("pk", flat=True))
    seen: dict[str, str] = {}
    for item in items:
        problem = entry_problem(item.kind, item.starts_at, item.ends_at)
        if problem:
            problems.append(f"{item.place}, column {problem[0]}: {problem[1]}.")
        if item.user.pk not in allowed:
            problems.append(f"{item.place}, column user: {item.user.email} is not in your scope.")
        if item.external_id:
            if item.external_id in seen:
                problems.append(
                    f"{item.place}, column external_id: {item.external_id!r} is also in {seen[item.external_id]}."
                )
            seen[item.external_id] = item.place
    if len(items) > MAX_IMPORT_ROWS:
        problems.append(f"At most {MAX_IMPORT_ROWS} entries per import; this one has {len(items)}.")
    if problems:
        raise ImportProblems(problems)
    existing = {
        e.external_id: e
        for e in Entry.objects.select_for_update().filter(
            external_id__in=[i.external_id for i in items if i.external_id]
        )
    }
    for ext, entry in existing.items():
        if entry.user_id not in allowed:
            raise ImportProblems([f"{seen[ext]}, column external_id: {ext!r} belongs to someone outside your scope."])
    created = updated = 0
    for item in items:
        values = {
            "user": item.user,
            "kind": item.kind,
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "title": item.title[:200],
            "source": source,
        }
        entry = existing.get(item.external_id) if item.external_id else None
        if entry is None and not item.external_id:
            entry = Entry.objects.filter(
                user=item.user, kind=item.kind, starts_at=item.starts_at, external_id__isnull=True, coaching_session=""
            ).first()
        if entry is None:
            Entry.objects.create(external_id=item.external_id or None, **values)
            created += 1
        else:
            for field, value in values.items():
                setattr(entry, field, value)
            entry.save()
            updated += 1
    summary = {"source": source, "created": created, "updated": updated, "kinds": _snapshot_count(items)}
    publish(
        Name.SCHEDULE_IMPORTED,
        actor=by,
        data=summary,
        audit=AuditTrail(after=summary, object_type="schedule", object_repr=f"{created + updated} entries ({source})"),
    )
    return created, updated


@transaction.atomic
def entry_delete(*, by: User, entry: Entry) -> None:
    require(by, "schedules.manage")
    if not user_scope(viewer=by).filter(pk=entry.user_id).exists():
        raise PermissionDenied("This person is not in your scope.")
    before = {"user": entry.user_id, "kind": entry.kind, "starts_at": entry.starts_at.isoformat()}
    publish(Name.SCHEDULE_ENTRY_DELETED, subject=entry, actor=by, audit=AuditTrail(before=before))
    entry.delete()


@transaction.atomic
def settings_update(*, by: User, forecast_weeks: int) -> ScheduleSettings:
    require(by, "schedules.manage")
    if not 1 <= forecast_weeks <= 52:
        raise ValidationError({"forecast_weeks": "Between 1 and 52 weeks."})
    row = ScheduleSettings.get()
    before = {"forecast_weeks": row.forecast_weeks}
    row.forecast_weeks = forecast_weeks
    row.save()
    publish(
        Name.SCHEDULE_SETTINGS_UPDATED,
        subject=row,
        actor=by,
        audit=AuditTrail(before=before, after={"forecast_weeks": forecast_weeks}),
    )
    if before["forecast_weeks"] != forecast_weeks:
        from cxq.schedules.tasks import rebuild_forecast

        transaction.on_commit(rebuild_forecast)
    return row


# --- The private calendar feed (docs/schedules.md#calendar-feed) ------------------------------------


def feed_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def feed_token_create(*, user: User) -> tuple[FeedToken, str]:
    """A new feed URL token for ``user``; the one before stops working. Returns the row and the raw
    token, which is never stored."""
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    FeedToken.objects.filter(user=user).delete()
    token = FeedToken.objects.create(user=user, prefix=raw[: len(FEED_PREFIX) + 6], digest=feed_digest(raw))
    publish(Name.SCHEDULE_FEED_CREATED, subject=token, actor=user, audit=AuditTrail(after={"prefix": token.prefix}))
    return token, raw


@transaction.atomic
def feed_token_revoke(*, user: User) -> bool:
    token = FeedToken.objects.filter(user=user).first()
    if token is None:
        return False
    publish(Name.SCHEDULE_FEED_REVOKED, subject=token, actor=user, audit=AuditTrail(before={"prefix": token.prefix}))
    token.delete()
    return True


def feed_user(raw: str) -> User | None:
    """The active person a raw feed token belongs to, or None."""
    if not raw or not raw.startswith(FEED_PREFIX) or len(raw) > 100:
        return None
    token = FeedToken.objects.select_related("user").filter(digest=feed_digest(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Coaching sessions' activities (docs/schedules.md#coaching-activities) ---------------------------


def _moment(value) -> datetime:
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is None or timezone.is_naive(moment):
        raise ValueError(f"not an aware ISO date and time: {value!r}")
    return moment


def _people(data: dict) -> list[int]:
    ids = [int(i) for i in data.get("agent_ids") or []]
    if data.get("coach_id"):
        ids.append(int(data["coach_id"]))
    return list(User.objects.filter(pk__in=set(ids)).values_list("pk", flat=True))


def on_coaching_event(event: DomainEvent) -> None:
    """coaching.scheduled / rescheduled: write or move a "coaching" activity for each agent and the
    coach, keyed by the session; coaching.cancelled: remove them. An external adapter gets the same
    change after the commit."""
    data = event.data
    session = str(data["session_id"])
    people = _people(data)
    if event.name == Name.COACHING_CANCELLED:
        gone = list(Entry.objects.filter(coaching_session=session).values_list("user_id", flat=True))
        Entry.objects.filter(coaching_session=session).delete()
        _after_commit_remove(session, gone)
        return
    starts_at, ends_at = _moment(data["starts_at"]), _moment(data["ends_at"])
    if ends_at <= starts_at:
        raise ValueError("a coaching session must end after it starts")
    title = str(data.get("title") or "Coaching")[:200]
    removed = list(
        Entry.objects.filter(coaching_session=session).exclude(user_id__in=people).values_list("user_id", flat=True)
    )
    Entry.objects.filter(coaching_session=session, user_id__in=removed).delete()
    for user_id in people:
        Entry.objects.update_or_create(
            coaching_session=session,
            user_id=user_id,
            defaults={
                "kind": Kind.COACHING,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "title": title,
                "source": EntrySource.COACHING,
            },
        )
    activities = [CoachingActivity(session, uid, starts_at, ends_at, title) for uid in people]
    _after_commit_push(activities)
    _after_commit_remove(session, removed)


def _after_commit_push(activities: list[CoachingActivity]) -> None:
    adapter = get_adapter()
    if adapter.builtin or not activities:
        return

    def push() -> None:
        for activity in activities:
            try:
                adapter.push_activity(activity)
            except Exception:
                logger.exception("The schedule adapter refused coaching activity %s", activity)

    transaction.on_commit(push, robust=True)


def _after_commit_remove(session: str, user_ids: list[int]) -> None:
    adapter = get_adapter()
    if adapter.builtin or not user_ids:
        return

    def remove() -> None:
        for user_id in user_ids:
            try:
                adapter.remove_activity(session_id=session, user_id=user_id)
            except Exception:
                logger.exception("The schedule adapter could not remove session %s of user %s", session, user_id)

    transaction.on_commit(remove, robust=True)
