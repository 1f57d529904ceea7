"""Input that used to make a 500 (issue 13): each is a 4xx naming the field and changes nothing."""

from __future__ import annotations

import pytest

from cxq.accounts.models import Team, User


@pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/teams"])
def test_a_search_with_a_nul_or_a_control_character_is_refused_naming_it(client_for, url):
    client = client_for("admin")
    nul = client.get(url, {"search": "Andy\x00"})
    assert nul.status_code == 400 and nul.json()["detail"].startswith("search:")
    bell = client.get(url, {"search": "Andy\x07"})
    assert bell.status_code == 422 and bell.json()["detail"][0]["loc"] == ["query", "search"]


def test_a_team_named_with_an_unpaired_surrogate_is_refused(client_for, personas):
    # the standard library's JSON parser (the fallback for what orjson refuses) reads "\ud800" into a
    # string that no database encoding can store
    response = client_for("admin").post("/api/v1/teams", '{"name": "Night \\ud800"}', content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "name"
    assert not Team.objects.filter(name__startswith="Night").exists()


def test_a_user_with_a_nul_in_the_name_is_refused(client_for, personas):
    body = '{"email": "new@example.com", "full_name": "New\\u0000 Person"}'
    response = client_for("admin").post("/api/v1/users", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "full_name"
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_people_page_refuses_a_control_character_in_the_search(client_for, personas):
    response = client_for("admin").get("/users/", {"q": "Andy\x1b"})
    assert response.status_code == 400 and "control character" in response.content.decode()
