"""Where shifts and activities come from (docs/schedules.md#adapters).

The built-in store (``BuiltinStore``, the default) reads the ``Entry`` table that CSV, ICS and API
imports fill. An external workforce-management system plugs in as another class implementing
``ScheduleAdapter``, named by the ``CXQ_SCHEDULE_ADAPTER`` setting (a dotted path): slot suggestion
then reads that system's shifts and activities, and coaching activities written here are pushed to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Span:
    """One shift or activity as an adapter reports it: aware instants, ``ends_at`` after ``starts_at``."""

    user_id: int
    kind: str  # cxq.schedules.choices.Kind
    starts_at: datetime
    ends_at: datetime
    title: str = ""


@dataclass(frozen=True)
class CoachingActivity:
    """A coaching activity to push to the external system: ``session_id`` and ``user_id`` identify it."""

    session_id: str
    user_id: int
    starts_at: datetime
    ends_at: datetime
    title: str


class ScheduleAdapter(ABC):
    """The contract of a schedule source. ``builtin`` says whether it is CXQ's own table."""

    builtin: bool = False

    @abstractmethod
    def spans(self, *, user_ids: Iterable[int], start: datetime, end: datetime) -> list[Span]:
        """Every shift and activity of these people overlapping ``[start, end)``."""

    @abstractmethod
    def push_activity(self, activity: CoachingActivity) -> None:
        """Write (or move) a coaching activity in the external system; idempotent per (session, user)."""

    @abstractmethod
    def remove_activity(self, *, session_id: str, user_id: int) -> None:
        """Remove a coaching activity (a cancelled session); nothing happens when there is none."""


class BuiltinStore(ScheduleAdapter):
    """CXQ's own ``Entry`` table: coaching activities are written there by the subscriber itself."""

    builtin = True

    def spans(self, *, user_ids: Iterable[int], start: datetime, end: datetime) -> list[Span]:
        from cxq.schedules.models import Entry

        rows = Entry.objects.filter(user_id__in=list(user_ids), starts_at__lt=end, ends_at__gt=start).values_list(
            "user_id", "kind", "starts_at", "ends_at", "title"
        )
        return [Span(*row) for row in rows]

    def push_activity(self, activity: CoachingActivity) -> None:
        return None

    def remove_activity(self, *, session_id: str, user_id: int) -> None:
        return None


def get_adapter() -> ScheduleAdapter:
    """An instance of the configured adapter (a new one per call: adapters keep no state between calls)."""
    cls = import_string(settings.CXQ_SCHEDULE_ADAPTER)
    if not (isinstance(cls, type) and issubclass(cls, ScheduleAdapter)):
        raise TypeError(f"CXQ_SCHEDULE_ADAPTER {settings.CXQ_SCHEDULE_ADAPTER!r} is not a ScheduleAdapter")
    return cls()
