"""The notifications API: cursor-paginated list, unread count, mark one / all read, privacy."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from cxq.accounts.services import api_token_create
from cxq.notifications.models import Notification

LIST = "/api/v1/notifications"


def _note(user, title: str, read: bool = False) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="test.event", title=title, read_at=timezone.now() if read else None
    )


@pytest.fixture
def api(personas, client_for):
    """Andy's session client, 7 notifications of his (2 read) and 2 of Bea's."""
    mine = [_note(personas.agent_a1, f"Andy {i}", read=i < 2) for i in range(7)]
    theirs = [_note(personas.agent_b1, f"Bea {i}") for i in range(2)]
    return {"client": client_for("agent_a1"), "mine": mine, "theirs": theirs, "user": personas.agent_a1}


def test_the_list_returns_my_notifications_newest_first(api):
    response = api["client"].get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert [n["title"] for n in body["results"]] == [f"Andy {i}" for i in reversed(range(7))]
    assert body["next"] is None
    first = body["results"][0]
    assert first["id"] == str(api["mine"][-1].uuid)
    assert set(first) == {"id", "kind", "title", "body", "url", "read_at", "created_at"}


def test_the_next_cursor_walks_every_page_without_gaps_or_repeats(api):
    seen, pages = [], 0
    url = f"{LIST}?page_size=3"
    while url:
        response = api["client"].get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [n["title"] for n in body["results"]]
        pages += 1
        url = body["next"]
        assert pages <= 5, "the cursor must end"

    assert pages == 3
    assert seen == [f"Andy {i}" for i in reversed(range(7))]


def test_a_new_notification_does_not_shift_the_next_page(api):
    first = api["client"].get(f"{LIST}?page_size=3").json()
    _note(api["user"], "Arrived in between")

    second = api["client"].get(first["next"]).json()

    assert [n["title"] for n in second["results"]] == ["Andy 3", "Andy 2", "Andy 1"]


def test_the_unread_filter_lists_only_unread_ones(api):
    body = api["client"].get(f"{LIST}?unread=true").json()

    assert [n["title"] for n in body["results"]] == [f"Andy {i}" for i in reversed(range(2, 7))]
    assert all(n["read_at"] is None for n in body["results"])


def test_the_unread_count_counts_only_my_unread_ones(api):
    response = api["client"].get(f"{LIST}/unread-count")

    assert response.status_code == 200
    assert response.json() == {"unread": 5}


def test_marking_one_read_returns_it_with_its_read_time(api):
    note = api["mine"][-1]

    response = api["client"].post(f"{LIST}/{note.uuid}/read")

    assert response.status_code == 200
    assert response.json()["id"] == str(note.uuid)
    assert response.json()["read_at"] is not None
    note.refresh_from_db()
    assert note.read_at is not None
    assert api["client"].get(f"{LIST}/unread-count").json() == {"unread": 4}


def test_marking_someone_elses_notification_read_is_a_404_and_changes_nothing(api):
    bea_note = api["theirs"][0]

    response = api["client"].post(f"{LIST}/{bea_note.uuid}/read")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    bea_note.refresh_from_db()
    assert bea_note.read_at is None


def test_marking_an_unknown_notification_read_is_a_404(api):
    response = api["client"].post(f"{LIST}/{uuid4()}/read")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_read_all_marks_all_of_mine_and_none_of_theirs(api):
    response = api["client"].post(f"{LIST}/read-all")

    assert response.status_code == 200
    assert response.json() == {"marked": 5}
    assert not Notification.objects.filter(recipient=api["user"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=api["theirs"][0].recipient, read_at__isnull=True).count() == 2
    assert api["client"].post(f"{LIST}/read-all").json() == {"marked": 0}


def test_a_personal_api_token_sees_its_owners_notifications(api):
    _token, raw = api_token_create(user=api["user"], name="script")

    response = Client().get(f"{LIST}/unread-count", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 200
    assert response.json() == {"unread": 6}  # 5 + the "new API token" notice itself


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LIST), ("get", f"{LIST}/unread-count"), ("post", f"{LIST}/read-all")],
)
def test_the_api_refuses_anonymous_callers(db, client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required."}


def test_anonymous_mark_read_is_refused_and_changes_nothing(api, client):
    note = api["mine"][-1]

    response = client.post(f"{LIST}/{note.uuid}/read")

    assert response.status_code == 401
    note.refresh_from_db()
    assert note.read_at is None
