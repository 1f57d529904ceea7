"""In-app notifications: the list page, the bell, marking read (plain and htmx), and privacy."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxq.notifications.models import Notification


def _note(user, title: str = "Something happened", url: str = "", read: bool = False) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="test.event", title=title, url=url, read_at=timezone.now() if read else None
    )


def _badge(html: str) -> str | None:
    found = re.search(r'data-testid="unread-count">(\d+)<', html)
    return found.group(1) if found else None


@pytest.fixture
def andy(personas, client_for):
    """Andy (agent in team A) with two unread notifications and one read one; Bea has her own."""
    return {
        "client": client_for("agent_a1"),
        "unread": [_note(personas.agent_a1, "Coaching on Tuesday"), _note(personas.agent_a1, "Score 92")],
        "read": _note(personas.agent_a1, "Old news", read=True),
        "bea": _note(personas.agent_b1, "Bea's private note"),
    }


def test_the_list_shows_my_notifications_newest_first_and_nobody_elses(andy):
    response = andy["client"].get(reverse("notifications:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Old news") < html.index("Score 92") < html.index("Coaching on Tuesday")
    assert "Bea&#x27;s private note" not in html and "Bea's private note" not in html
    assert _badge(html) == "2"


def test_the_unread_filter_hides_read_notifications(andy):
    html = andy["client"].get(reverse("notifications:list"), {"show": "unread"}).content.decode()

    assert "Score 92" in html and "Coaching on Tuesday" in html
    assert "Old news" not in html


def test_an_empty_list_says_what_to_expect(personas, client_for):
    html = client_for("norole").get(reverse("notifications:list")).content.decode()

    assert "No notifications yet" in html


def test_the_list_needs_a_login(db, client):
    response = client.get(reverse("notifications:list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_list_page_runs_a_constant_number_of_queries(personas, client_for, django_assert_max_num_queries):
    client = client_for("agent_a1")
    _note(personas.agent_a1)
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("notifications:list"))
    for i in range(40):
        _note(personas.agent_a1, f"Note {i}", url=f"/x/{i}/")

    # session, user (+role), org settings (time zone), nav rule, bell count, page count, page rows
    with django_assert_max_num_queries(7) as full_page:
        response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert response.content.decode().count('<tr id="note-') == 30
    assert len(full_page.captured_queries) == len(one_row.captured_queries)


def test_the_bell_fragment_shows_my_unread_count(andy):
    response = andy["client"].get(reverse("notifications:bell"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<a id="bell"')
    assert "<html" not in html
    assert _badge(html) == "2"
    assert "hx-swap-oob" not in html


def test_the_bell_shows_no_badge_when_everything_is_read(personas, client_for):
    _note(personas.agent_a1, read=True)

    html = client_for("agent_a1").get(reverse("notifications:bell")).content.decode()

    assert 'id="bell"' in html
    assert _badge(html) is None


def test_marking_one_read_with_a_plain_post_redirects_to_the_list(andy):
    note = andy["unread"][0]

    response = andy["client"].post(reverse("notifications:read", args=[note.uuid]))

    assert response.status_code == 302
    assert response.url == reverse("notifications:list")
    note.refresh_from_db()
    assert note.read_at is not None
    andy["unread"][1].refresh_from_db()
    assert andy["unread"][1].read_at is None


def test_marking_one_read_and_following_goes_to_what_it_is_about(personas, client_for):
    note = _note(personas.agent_a1, url="/evaluations/42/")

    response = client_for("agent_a1").post(reverse("notifications:read", args=[note.uuid]), {"follow": "1"})

    assert response.status_code == 302
    assert response.url == "/evaluations/42/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_marking_one_read_with_htmx_returns_the_row_and_an_out_of_band_bell(andy):
    note = andy["unread"][0]

    response = andy["client"].post(reverse("notifications:read", args=[note.uuid]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(rf'<tr id="note-{note.uuid}" class="([^"]*)">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "unread" not in row.group(1)
    assert ">read<" in row.group(2)
    assert "Mark read" not in row.group(2)
    bell = re.search(r'<a id="bell"[^>]*>', html)
    assert bell is not None
    assert 'hx-swap-oob="true"' in bell.group(0)
    assert _badge(html) == "1"
    assert "<html" not in html
    note.refresh_from_db()
    assert note.read_at is not None


def test_marking_an_already_read_notification_keeps_its_first_read_time(andy):
    note = andy["read"]
    first_read = note.read_at

    andy["client"].post(reverse("notifications:read", args=[note.uuid]))

    note.refresh_from_db()
    assert note.read_at == first_read


def test_mark_read_is_post_only(andy):
    note = andy["unread"][0]

    response = andy["client"].get(reverse("notifications:read", args=[note.uuid]))

    assert response.status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_nobody_can_mark_someone_elses_notification_read(andy):
    bea_note = andy["bea"]

    plain = andy["client"].post(reverse("notifications:read", args=[bea_note.uuid]))
    htmx = andy["client"].post(reverse("notifications:read", args=[bea_note.uuid]), headers={"HX-Request": "true"})

    assert plain.status_code == 404
    assert htmx.status_code == 404
    bea_note.refresh_from_db()
    assert bea_note.read_at is None


def test_even_an_admin_cannot_mark_someone_elses_notification_read(andy, client_for):
    response = client_for("admin").post(reverse("notifications:read", args=[andy["bea"].uuid]))

    assert response.status_code == 404
    andy["bea"].refresh_from_db()
    assert andy["bea"].read_at is None


def test_mark_all_read_marks_only_mine(andy):
    response = andy["client"].post(reverse("notifications:read_all"))

    assert response.status_code == 302
    assert response.url == reverse("notifications:list")
    for note in andy["unread"]:
        note.refresh_from_db()
        assert note.read_at is not None
    andy["bea"].refresh_from_db()
    assert andy["bea"].read_at is None
    assert _badge(andy["client"].get(reverse("notifications:bell")).content.decode()) is None


def test_mark_all_read_with_htmx_asks_the_page_to_refresh(andy):
    response = andy["client"].post(reverse("notifications:read_all"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["HX-Refresh"] == "true"
    assert not Notification.objects.filter(recipient=andy["unread"][0].recipient, read_at__isnull=True).exists()


def test_mark_all_read_is_post_only(andy):
    response = andy["client"].get(reverse("notifications:read_all"))

    assert response.status_code == 405
    assert Notification.objects.filter(recipient=andy["unread"][0].recipient, read_at__isnull=True).count() == 2


def test_an_unread_notification_opens_through_mark_read_and_a_read_one_links_straight(personas, client_for):
    unread = _note(personas.agent_a1, url="/evaluations/42/")
    _note(personas.agent_a1, url="/evaluations/43/", read=True)

    page = client_for("agent_a1").get(reverse("notifications:list")).content.decode()

    follow_form = f'action="{reverse("notifications:read", args=[unread.uuid])}"'
    assert follow_form in page and 'name="follow" value="1"' in page
    assert 'href="/evaluations/43/"' in page and 'href="/evaluations/42/"' not in page


def test_confirmations_fade_but_errors_stay_until_dismissed(personas, client_for):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string

    html = render_to_string(
        "partials/messages.html",
        {"messages": [Message(constants.SUCCESS, "Saved."), Message(constants.ERROR, "Could not save.")]},
    )
    saved, failed = html.split("Saved.")[0], html.split("Saved.")[1]
    # data-fade: the flash component (app.js) hides it after 8 s
    assert "data-fade" in saved.rsplit('<div class="flash', 1)[1]
    assert "data-fade" not in failed and 'role="alert"' in failed
