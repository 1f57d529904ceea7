"""The external viewer (docs/moments.md#the-external-viewer): only the clip and its lines, a password with
lockout, 410 once expired, revoked or outside the creator's current policy, and the view log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cxq.accounts.models import Role
from cxq.moments import services
from cxq.moments.models import ShareLink, ShareLinkView, SharePolicy

PASSWORD = "open sesame please"


@pytest.fixture
def link(moment, personas):
    return services.link_create(by=personas.supervisor_a, moment=moment, expires_in_days=7)


@pytest.fixture
def locked_link(moment, personas):
    return services.link_create(by=personas.supervisor_a, moment=moment, expires_in_days=7, password=PASSWORD)


def test_the_viewer_shows_the_clip_and_only_its_lines(link, moment, call, personas):
    item, token = link
    response = Client().get(f"/s/{token}/", HTTP_USER_AGENT="Outside browser 1.0", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert "I was charged twice and want a refund." in html
    assert "let me check your invoice" in html
    # nothing said outside the range, nor the agent, the interaction or any page inside CXQ
    for secret in ("Thank you for calling", "secret four two", personas.agent_a1.full_name, str(call.uuid)):
        assert secret not in html
    targets = re.findall(r'(?:href|src|action)="([^"]*)"', html)
    assert f"/s/{token}/clip/" in targets
    assert all(t.startswith(("/static/", f"/s/{token}/")) for t in targets), targets
    for internal in ("/interactions/", "/moments/", "/api/", "/login", "/evaluations/", "/notifications/"):
        assert internal not in html
    view = ShareLinkView.objects.get()
    assert (view.ip, view.user_agent) == ("203.0.113.9", "Outside browser 1.0")
    item.refresh_from_db()
    assert item.view_count == 1 and item.last_viewed_at is not None


def test_the_clip_is_served_with_range_requests_through_the_token(link, moment):
    _, token = link
    whole = Client().get(f"/s/{token}/clip/")
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/mp4"
    part = Client().get(f"/s/{token}/clip/", HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 0-99/{moment.clip_size}"
    assert len(b"".join(part.streaming_content)) == 100
    assert Client().get("/s/not-a-token/clip/").status_code == 404


def test_a_password_opens_the_link_for_that_browser_only(locked_link):
    _, token = locked_link
    visitor = Client()
    ask = visitor.get(f"/s/{token}/")
    assert ask.status_code == 200 and b'name="password"' in ask.content and b"refund" not in ask.content
    assert visitor.get(f"/s/{token}/clip/").status_code == 403
    wrong = visitor.post(f"/s/{token}/", {"password": "guess guess"})
    assert wrong.status_code == 403 and b"not right" in wrong.content
    right = visitor.post(f"/s/{token}/", {"password": PASSWORD})
    assert right.status_code == 302
    assert b"want a refund" in visitor.get(f"/s/{token}/").content
    assert visitor.get(f"/s/{token}/clip/", HTTP_RANGE="bytes=0-9").status_code == 206
    assert b"want a refund" not in Client().get(f"/s/{token}/").content  # another browser asks again


def test_repeated_wrong_passwords_lock_the_link(locked_link, settings):
    settings.CXQ_SHARE_LINK_ATTEMPTS = 3
    settings.CXQ_SHARE_LINK_ATTEMPTS_PER_LINK = 5
    _, token = locked_link
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    answers = [attacker.post(f"/s/{token}/", {"password": f"guess {i:04d}"}).status_code for i in range(4)]
    assert answers == [403, 403, 429, 429]
    # locked from that address, even with the right password; nothing is shown
    blocked = attacker.post(f"/s/{token}/", {"password": PASSWORD})
    assert blocked.status_code == 429 and b"refund" not in blocked.content
    assert attacker.get(f"/s/{token}/").status_code == 429
    # another address still may try, until the link's own limit is reached from everywhere
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert other.post(f"/s/{token}/", {"password": "nope nope"}).status_code == 403
    assert other.post(f"/s/{token}/", {"password": "nope again"}).status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.45").post(f"/s/{token}/", {"password": PASSWORD}).status_code == 429
    assert not ShareLinkView.objects.exists()


def test_an_expired_or_revoked_link_answers_410_with_a_plain_page(link, personas):
    item, token = link
    ShareLink.objects.filter(pk=item.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = Client().get(f"/s/{token}/")
    assert gone.status_code == 410 and b"expired" in gone.content and b"refund" not in gone.content
    assert Client().get(f"/s/{token}/clip/").status_code == 410
    ShareLink.objects.filter(pk=item.pk).update(expires_at=timezone.now() + timedelta(days=1))
    services.link_revoke(by=personas.supervisor_a, link=ShareLink.objects.get(pk=item.pk))
    revoked = Client().get(f"/s/{token}/")
    assert revoked.status_code == 410 and b"revoked" in revoked.content
    assert b"/static/" in revoked.content and b'href="/' not in revoked.content.replace(b'href="/static/', b"")
    assert Client().get("/s/unknown-token/").status_code == 404


def _tighten(how: str, personas):
    role = Role.objects.get(key="supervisor")
    if how == "external sharing withdrawn":
        role.permissions = [p for p in role.permissions if p != "moments.share_external"]
        role.save()
    elif how == "password now required":
        SharePolicy.objects.create(role=role, password_required=True, max_expiry_days=30)
    elif how == "fewer days allowed":
        SharePolicy.objects.create(role=role, password_required=False, max_expiry_days=3)
    elif how == "creator deactivated":
        personas.supervisor_a.is_active = False
        personas.supervisor_a.save()
    elif how == "unchanged":
        SharePolicy.objects.create(role=role, password_required=False, max_expiry_days=7)


@pytest.mark.parametrize(
    ("how", "status"),
    [
        ("unchanged", 200),
        ("external sharing withdrawn", 410),
        ("password now required", 410),
        ("fewer days allowed", 410),
        ("creator deactivated", 410),
    ],
)
def test_the_policy_is_enforced_again_when_the_link_is_opened(link, personas, how, status):
    _, token = link
    _tighten(how, personas)
    response = Client().get(f"/s/{token}/")
    assert response.status_code == status
    if status == 410:
        assert b"no longer works" in response.content and b"refund" not in response.content
        assert Client().get(f"/s/{token}/clip/").status_code == 410


def test_a_link_with_a_password_survives_a_policy_that_now_requires_one(locked_link, personas):
    _, token = locked_link
    _tighten("password now required", personas)
    assert Client().get(f"/s/{token}/").status_code == 200
