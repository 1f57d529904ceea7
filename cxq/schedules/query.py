"""The slot suggestion's parameters, checked once for the fragment and the API
(docs/schedules.md#the-slot-picker): ``users`` (repeated; public ids or numeric ids of people in the
asker's scope), ``from`` and ``to`` (days, YYYY-MM-DD), ``duration`` (minutes) and, optionally,
``team`` (a team's public id: its forecast instead of the organisation's)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from cxq.schedules.selectors import MAX_DURATION_MINUTES, MAX_RANGE_DAYS, people_in_scope

MAX_PEOPLE = 10


@dataclass(frozen=True)
class SuggestQuery:
    user_ids: list[int]
    date_from: date
    date_to: date
    duration: int
    team_id: int | None = None


def _day(params, name: str) -> date:
    text = (params.get(name) or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{name}: a day such as 2026-12-07 is required.") from None


def _people(keys: list[str], viewer) -> list[int]:
    keys = [k.strip() for k in keys if k and k.strip()]
    if not keys:
        raise ValidationError("users: choose at least one person.")
    if len(keys) > MAX_PEOPLE:
        raise ValidationError(f"users: at most {MAX_PEOPLE} people.")
    uuids, pks = [], []
    for key in keys:
        if key.isdigit() and len(key) < 19:
            pks.append(int(key))
            continue
        try:
            uuids.append(uuid.UUID(key))
        except ValueError:
            raise ValidationError(f"users: {key[:40]!r} is not a person's id.") from None
    scope = people_in_scope(viewer=viewer)
    found = {str(u): pk for u, pk in scope.filter(uuid__in=uuids).values_list("uuid", "pk")}
    found_pks = set(scope.filter(pk__in=pks).values_list("pk", flat=True))
    missing = [str(u) for u in uuids if str(u) not in found] + [str(p) for p in pks if p not in found_pks]
    if missing:
        raise ValidationError(f"users: nobody in your scope has the id {missing[0]}.")
    return sorted(set(found.values()) | found_pks)


def parse_suggest_query(params, *, viewer) -> SuggestQuery:
    getlist = params.getlist if hasattr(params, "getlist") else (lambda name: params.get(name) or [])
    user_ids = _people(getlist("users"), viewer)
    date_from, date_to = _day(params, "from"), _day(params, "to")
    if date_to < date_from:
        raise ValidationError("to: the last day is before the first.")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ValidationError(f"to: at most {MAX_RANGE_DAYS} days at a time.")
    text = str(params.get("duration") or "").strip()
    if not text.isdigit() or not 15 <= int(text) <= MAX_DURATION_MINUTES:
        raise ValidationError(f"duration: minutes between 15 and {MAX_DURATION_MINUTES}.")
    return SuggestQuery(user_ids, date_from, date_to, int(text), _team(params.get("team"), viewer))


def _team(value, viewer) -> int | None:
    from cxq.accounts.selectors import team_list

    text = str(value or "").strip()
    if not text:
        return None
    try:
        key = uuid.UUID(text)
    except ValueError:
        raise ValidationError("team: not a team's id.") from None
    team = team_list(viewer=viewer).filter(uuid=key).first()
    if team is None:
        raise ValidationError("team: no team in your scope has this id.")
    return team.pk
