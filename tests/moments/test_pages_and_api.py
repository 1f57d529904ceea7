"""Moments' pages and API (docs/moments.md): made from the interaction page, the library, a moment's page,
sharing and links from it, the policy page; the API's list, create, get, share, links and delete."""

from __future__ import annotations

import json

import pytest

from cxq.accounts.models import Role
from cxq.moments.models import Moment, MomentShare, ShareLink, SharePolicy
from cxq.notifications.models import Notification


def test_the_interaction_page_has_the_moment_form_and_its_moments(client_for, call, moment):
    page = client_for("supervisor_a").get(f"/interactions/{call.uuid}/")
    html = page.content.decode()
    assert 'data-testid="moment-form"' in html and "Double charge" in html and "cxq/moments.js" in html
    agent_page = client_for("agent_a1").get(f"/interactions/{call.uuid}/").content.decode()
    assert 'data-testid="moment-form"' not in agent_page and "Double charge" in agent_page


def test_a_moment_is_made_from_the_interaction_page(client_for, call, django_capture_on_commit_callbacks):
    client = client_for("evaluator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/interactions/{call.uuid}/moments/",
            {"start": "8.5", "end": "12", "title": "Apology", "note": "Good", "tags": "empathy"},
        )
    moment = Moment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/moments/{moment.uuid}/"
    assert moment.status == Moment.Status.READY and moment.tags == ["empathy"]
    detail = client.get(f"/moments/{moment.uuid}/").content.decode()
    assert f"/moments/{moment.uuid}/clip/" in detail and "let me check your invoice" in detail
    assert 'data-testid="link-form"' not in detail  # evaluators do not share outside


def test_a_bad_range_from_the_page_saves_nothing_and_says_why(client_for, call):
    client = client_for("evaluator")
    response = client.post(f"/interactions/{call.uuid}/moments/", {"start": "9", "end": "4", "title": "X"}, follow=True)
    assert not Moment.objects.exists()
    assert "The end must come after the start" in response.content.decode()


def test_the_library_lists_and_filters(client_for, moment):
    client = client_for("supervisor_a")
    html = client.get("/moments/").content.decode()
    assert "Double charge" in html and 'name="tag"' in html and 'name="agent"' in html
    assert "Double charge" not in client.get("/moments/?q=nothing-like-this").content.decode()
    assert "Double charge" in client.get("/moments/?tag=billing").content.decode()
    assert client_for("norole").get("/moments/").status_code == 403
    assert "Double charge" not in client_for("manager_b").get("/moments/").content.decode()


def test_the_librarys_agent_and_team_filters_are_pickers_reading_only_the_chosen_row(
    client_for, personas, moment, django_assert_max_num_queries
):
    client = client_for("supervisor_a")
    html = client.get("/moments/").content.decode()
    assert 'data-autocomplete="/pick/agents/"' in html and 'data-autocomplete="/pick/teams/"' in html
    assert personas.agent_b1.full_name not in html  # no drop-down of every agent in scope
    team_a = personas.agent_a1.teams.get()
    chosen = client.get("/moments/", {"agent": str(personas.agent_a1.uuid), "team": str(team_a.uuid)})
    page = chosen.content.decode()
    assert "Double charge" in page and f'<option value="{personas.agent_a1.uuid}" selected>' in page
    assert f'<option value="{team_a.uuid}" selected>{team_a.name}</option>' in page
    # an agent out of the viewer's scope is refused next to the field, as by the drop-down
    outside = client.get("/moments/", {"agent": str(personas.agent_b1.uuid)}).content.decode()
    assert "Select a valid choice" in outside and personas.agent_b1.full_name not in outside
    with django_assert_max_num_queries(15):
        client.get("/moments/", {"agent": str(personas.agent_a1.uuid)})


def test_the_clip_is_served_with_ranges_inside_the_scope_only(client_for, moment):
    response = client_for("agent_a1").get(f"/moments/{moment.uuid}/clip/", HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206 and response["Content-Type"] == "audio/mp4"
    assert client_for("agent_b1").get(f"/moments/{moment.uuid}/clip/").status_code == 404


def test_share_and_links_from_the_moment_page(client_for, moment, personas):
    client = client_for("supervisor_a")
    response = client.post(f"/moments/{moment.uuid}/share/", {"users": [str(personas.manager_b.uuid)]})
    assert response.status_code == 302 and MomentShare.objects.filter(user=personas.manager_b).exists()
    assert Notification.objects.filter(recipient=personas.manager_b, kind="moment.shared").exists()
    made = client.post(f"/moments/{moment.uuid}/links/", {"expires_in_days": "3", "password": ""})
    assert made.status_code == 302
    page = client.get(f"/moments/{moment.uuid}/").content.decode()
    assert 'data-testid="new-link"' in page
    url = page.split('<code class="select-all">')[1].split("</code>")[0]
    assert "/s/" in url
    again = client.get(f"/moments/{moment.uuid}/").content.decode()
    assert url not in again  # shown once
    link = ShareLink.objects.get()
    assert client.post(f"/moments/links/{link.uuid}/revoke/").status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_a_link_beyond_the_policy_is_refused_on_the_page(client_for, moment):
    SharePolicy.objects.create(role=Role.objects.get(key="supervisor"), password_required=True, max_expiry_days=30)
    client = client_for("supervisor_a")
    response = client.post(f"/moments/{moment.uuid}/links/", {"expires_in_days": "3"}, follow=True)
    assert "requires a password" in response.content.decode() and not ShareLink.objects.exists()


def test_the_policy_page(client_for):
    client = client_for("admin")
    page = client.get("/moments/policy/").content.decode()
    supervisor = Role.objects.get(key="supervisor")
    assert f'name="days_{supervisor.pk}"' in page
    data = {f"days_{r.pk}": "30" for r in Role.objects.all()}
    data.update({f"days_{supervisor.pk}": "5", f"password_{supervisor.pk}": "on"})
    assert client.post("/moments/policy/", data).status_code == 302
    policy = SharePolicy.objects.get(role=supervisor)
    assert policy.password_required and policy.max_expiry_days == 5
    data[f"days_{supervisor.pk}"] = "999"
    client.post("/moments/policy/", data)
    policy.refresh_from_db()
    assert policy.max_expiry_days == 5
    assert client_for("supervisor_a").get("/moments/policy/").status_code == 403


def _api(client, method, url, body=None):
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(client, method)(url, **kwargs)


def test_the_api(client_for, call, personas, django_capture_on_commit_callbacks):
    client = client_for("supervisor_a")
    body = {"interaction": str(call.uuid), "start": 0, "end": 3.2, "title": "Greeting", "tags": ["Opening"]}
    with django_capture_on_commit_callbacks(execute=True):
        made = _api(client, "post", "/api/v1/moments", body)
    assert made.status_code == 201, made.content
    moment = made.json()
    assert moment["tags"] == ["opening"] and moment["status"] == "pending"
    assert [line["text"] for line in moment["excerpt"]] == ["Thank you for calling, how can I help?"]
    got = _api(client, "get", f"/api/v1/moments/{moment['id']}").json()
    assert got["status"] == "ready" and got["clip_method"] == "copy" and got["clip_url"].endswith("/clip/")
    listed = _api(client, "get", "/api/v1/moments?tag=opening").json()
    assert set(listed) == {"results", "next", "previous"} and [m["id"] for m in listed["results"]] == [moment["id"]]
    assert _api(client, "get", "/api/v1/moments?date_from=2030-01-02&date_to=2030-01-01").status_code == 400
    shared = _api(client, "post", f"/api/v1/moments/{moment['id']}/share", {"teams": [str(personas.team_b.uuid)]})
    assert shared.json() == {"shared_with_users": 0, "shared_with_teams": 1}
    link = _api(client, "post", f"/api/v1/moments/{moment['id']}/links", {"expires_in_days": 2})
    assert link.status_code == 201 and "/s/" in link.json()["url"]
    assert _api(client, "get", f"/api/v1/moments/{moment['id']}/links").json()[0]["url"] is None
    revoked = _api(client, "delete", f"/api/v1/moments/{moment['id']}/links/{link.json()['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert _api(client, "delete", f"/api/v1/moments/{moment['id']}").status_code == 204


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"start": 5, "end": 2, "title": "x"}, 400, "end"),
        ({"start": 0, "end": 2, "title": ""}, 400, "title"),
        ({"start": -1, "end": 2, "title": "x"}, 422, "start"),
        ({"start": 0, "end": 2}, 422, "title"),
    ],
)
def test_the_api_refuses_bad_input_naming_the_field(client_for, call, body, status, field):
    response = _api(client_for("supervisor_a"), "post", "/api/v1/moments", {"interaction": str(call.uuid), **body})
    assert response.status_code == status and field in json.dumps(response.json())
    assert not Moment.objects.exists()


def test_the_api_refuses_links_beyond_the_policy_and_unknown_people(client_for, moment):
    client = client_for("supervisor_a")
    far = _api(client, "post", f"/api/v1/moments/{moment.uuid}/links", {"expires_in_days": 400})
    assert far.status_code == 400 and "expires_in_days" in far.json()["detail"]
    nobody = _api(client, "post", f"/api/v1/moments/{moment.uuid}/share", {"users": [str(moment.uuid)]})
    assert nobody.status_code == 400 and "users" in nobody.json()["detail"]
    assert (
        _api(
            client_for("evaluator"), "post", f"/api/v1/moments/{moment.uuid}/links", {"expires_in_days": 1}
        ).status_code
        == 403
    )


def test_the_library_pages_by_keyset_newest_first_within_the_viewers_scope(client_for, personas, moment):
    import re
    from uuid import uuid4

    from cxq.moments.selectors import moment_list

    copies = [
        Moment(**{**{f.attname: getattr(moment, f.attname) for f in Moment._meta.concrete_fields}, "id": None})
        for _ in range(30)
    ]
    for n, copy in enumerate(copies):
        copy.uuid, copy.title = uuid4(), f"Copy {n}"
    Moment.objects.bulk_create(copies)
    Moment.objects.filter(title__startswith="Copy").update(created_at=moment.created_at)  # ties: the id decides
    client = client_for("supervisor_a")
    expected = [m.title for m in moment_list(viewer=personas.supervisor_a)]
    assert len(expected) == 31 and expected[:2] == ["Copy 29", "Copy 28"]  # newest first, then highest id
    seen, url = [], "/moments/"
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r'<a href="/moments/[0-9a-f-]+/">([^<]+)</a>', html)
        found = re.search(r'href="\?(cursor=[^"]+)" data-testid="next-page"', html)
        url = f"/moments/?{found.group(1)}" if found else ""
    assert seen == expected  # 25, then 6, nothing twice
    assert "Copy 0" not in client_for("manager_b").get("/moments/").content.decode()  # another team's
