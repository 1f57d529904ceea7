"""SCIM 2.0 conformance of /scim/v2/ (docs/scim.md): the request shapes of RFC 7644's examples, the
filter grammar, PATCH, pagination, deletion, errors and an identity provider's sync run twice."""

from __future__ import annotations

import pytest

from cxq.accounts.models import Team, User
from cxq.audit.models import AuditEvent
from tests.scim.conftest import GROUP_SCHEMA, PATCH_SCHEMA, SCIM, USER_SCHEMA, assert_scim_error, barbara

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def patch(*operations) -> dict:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def created(scim, body) -> dict:
    response = scim.post("Users", body)
    assert response.status_code == 201, response.content
    return response.json()


# --- Users: RFC 7644 §3.3, §3.4.1, §3.5.1, §3.5.2, §3.6 ----------------------------------------------


def test_post_user_creates_an_agent_and_answers_201_with_the_resource_and_its_location(scim, personas):
    response = scim.post("Users", barbara())
    assert response.status_code == 201
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert response["Location"] == body["meta"]["location"] == f"http://testserver/scim/v2/Users/{body['id']}"
    assert body["schemas"] == [USER_SCHEMA]
    assert body["userName"] == "bjensen@example.com"
    assert body["externalId"] == "bjensen"
    assert body["active"] is True
    assert body["meta"]["resourceType"] == "User"
    person = User.objects.get(uuid=body["id"])
    assert (person.email, person.full_name, person.role.key) == (
        "bjensen@example.com",
        "Ms. Barbara J Jensen III",
        "agent",
    )
    assert person.external_id is None  # the platform's agent id is not the identity provider's
    assert not person.has_usable_password()  # they sign in through single sign-on


def test_post_user_takes_the_given_and_family_name_when_no_display_name(scim):
    body = created(scim, barbara(name={"givenName": "Barbara", "familyName": "Jensen"}))
    assert User.objects.get(uuid=body["id"]).full_name == "Barbara Jensen"


def test_a_token_with_a_role_gives_it_to_the_people_it_creates(personas):
    from cxq.accounts.models import Role
    from cxq.scim.services import scim_token_create
    from tests.scim.conftest import ScimClient

    _, raw = scim_token_create(by=personas.admin, name="Entra", role=Role.objects.get(key="evaluator"))
    body = created(ScimClient(raw), barbara())
    assert User.objects.get(uuid=body["id"]).role.key == "evaluator"


def test_post_user_accepts_the_enterprise_extension_identity_providers_send(scim):
    ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    body = created(scim, barbara(schemas=[USER_SCHEMA, ext], **{ext: {"department": "Tour Operations"}}))
    assert User.objects.filter(uuid=body["id"]).exists()


def test_post_user_with_a_taken_user_name_is_a_409_uniqueness(scim, personas):
    assert_scim_error(scim.post("Users", barbara(userName="AGENT.A1@example.com")), 409, "uniqueness")
    assert User.objects.filter(email__iexact="agent.a1@example.com").count() == 1


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"schemas": [USER_SCHEMA]}, "invalidValue"),  # no userName
        (barbara(userName="bjensen"), "invalidValue"),  # not an email address
        (barbara(userName=["a@example.com"]), "invalidValue"),
        (barbara(userName="b\x00j@example.com"), "invalidValue"),
        (barbara(displayName="Bar\nbara"), "invalidValue"),
        (barbara(displayName="B" * 151), "invalidValue"),
        (barbara(externalId="x" * 256), "invalidValue"),
        (barbara(timezone="Mars/Olympus"), "invalidValue"),
        (barbara(schemas=["urn:example:not-a-user"]), "invalidSyntax"),
        (barbara(emails="not a list"), "invalidValue"),
    ],
)
def test_post_user_refuses_bad_input_with_a_scim_error_and_creates_nobody(scim, personas, body, scim_type):
    before = User.objects.count()
    assert_scim_error(scim.post("Users", body), 400, scim_type)
    assert User.objects.count() == before


@pytest.mark.parametrize("raw", ["not json", "[]", "true", '{"userName": ', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_invalid_syntax(scim, raw):
    assert_scim_error(scim.post("Users", raw), 400, "invalidSyntax")


def test_get_user_returns_the_resource_and_404_for_an_unknown_or_malformed_id(scim, personas):
    response = scim.get(f"Users/{personas.agent_a1.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["userName"] == "agent.a1@example.com"
    assert body["groups"] == [
        {
            "value": str(personas.team_a.uuid),
            "$ref": f"http://testserver/scim/v2/Groups/{personas.team_a.uuid}",
            "display": "Team A",
            "type": "direct",
        }
    ]
    assert_scim_error(scim.get("Users/2819c223-7f76-453a-919d-413861904646"), 404)
    assert_scim_error(scim.get("Users/not-an-id"), 404)


def test_get_user_honours_attributes_and_excluded_attributes(scim, personas):
    body = scim.get(f"Users/{personas.agent_a1.uuid}?attributes=userName").json()
    assert body["userName"] == "agent.a1@example.com" and "displayName" not in body and body["id"]
    body = scim.get(f"Users/{personas.agent_a1.uuid}?excludedAttributes=emails,groups").json()
    assert "emails" not in body and "groups" not in body and body["displayName"] == "Andy Agent"


def test_put_user_replaces_name_time_zone_and_external_id(scim, personas):
    uid = created(scim, barbara(timezone="Europe/Paris"))["id"]
    response = scim.put(
        f"Users/{uid}",
        {"schemas": [USER_SCHEMA], "id": uid, "userName": "bjensen@example.com", "displayName": "Babs Jensen"},
    )
    assert response.status_code == 200, response.content
    person = User.objects.get(uuid=uid)
    assert person.full_name == "Babs Jensen"
    assert person.time_zone == ""  # left out of a replacement: cleared
    assert "externalId" not in response.json()
    assert response.json()["displayName"] == "Babs Jensen"


def test_put_user_can_change_the_user_name_but_not_to_a_taken_one(scim, personas):
    uid = created(scim, barbara())["id"]
    response = scim.put(f"Users/{uid}", {"schemas": [USER_SCHEMA], "userName": "babs@example.com"})
    assert response.status_code == 200
    assert User.objects.get(uuid=uid).email == "babs@example.com"
    taken = {"schemas": [USER_SCHEMA], "userName": "agent.a1@example.com"}
    assert_scim_error(scim.put(f"Users/{uid}", taken), 409, "uniqueness")
    assert User.objects.get(uuid=uid).email == "babs@example.com"


def test_patch_user_active_false_deactivates_and_true_reactivates(scim, personas):
    uid = str(personas.agent_a1.uuid)
    response = scim.patch(f"Users/{uid}", patch({"op": "replace", "path": "active", "value": False}))
    assert response.status_code == 200 and response.json()["active"] is False
    assert User.objects.get(uuid=uid).is_active is False
    # Microsoft Entra ID sends booleans as strings and capitalises the operation
    response = scim.patch(f"Users/{uid}", patch({"op": "Replace", "path": "active", "value": "True"}))
    assert response.status_code == 200 and User.objects.get(uuid=uid).is_active is True


def test_patch_user_without_path_and_with_sub_attribute_paths(scim):
    uid = created(scim, barbara())["id"]
    scim.patch(f"Users/{uid}", patch({"op": "replace", "value": {"displayName": "Babs", "externalId": "bj-2"}}))
    person = User.objects.select_related("scim").get(uuid=uid)
    assert (person.full_name, person.scim.external_id) == ("Babs", "bj-2")
    scim.patch(f"Users/{uid}", patch({"op": "add", "path": "name.givenName", "value": "Barb"}))
    # CXQ keeps one full name: a changed given name replaces it
    assert User.objects.get(uuid=uid).full_name == "Barb"
    scim.patch(f"Users/{uid}", patch({"op": "remove", "path": "externalId"}))
    assert User.objects.select_related("scim").get(uuid=uid).scim.external_id == ""


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
        ({"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}, "mutability"),
        ({"op": "jump", "path": "active", "value": True}, "invalidValue"),
        ({"op": "replace", "path": "nickName]", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "noSuchAttribute", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "userName", "value": "not-an-email"}, "invalidValue"),
        ({"op": "replace", "path": "active", "value": "perhaps"}, "invalidValue"),
    ],
)
def test_patch_user_refuses_bad_operations_and_changes_nothing(scim, personas, operation, scim_type):
    person = personas.agent_a1
    assert_scim_error(scim.patch(f"Users/{person.uuid}", patch(operation)), 400, scim_type)
    person.refresh_from_db()
    assert (person.email, person.is_active) == ("agent.a1@example.com", True)


def test_an_empty_patch_is_refused(scim, personas):
    assert_scim_error(scim.patch(f"Users/{personas.agent_a1.uuid}", patch()), 400)


def test_delete_user_deactivates_and_hides_them_from_scim_keeping_their_history(scim, personas):
    uid = str(personas.agent_a1.uuid)
    assert scim.delete(f"Users/{uid}").status_code == 204
    person = User.objects.get(uuid=uid)  # still there: evaluations and history stay
    assert person.is_active is False and person.scim.deleted_at is not None
    assert_scim_error(scim.get(f"Users/{uid}"), 404)
    assert_scim_error(scim.delete(f"Users/{uid}"), 404)
    assert scim.get('Users?filter=userName eq "agent.a1@example.com"').json()["totalResults"] == 0
    assert str(personas.agent_a1.uuid) not in str(scim.get(f"Groups/{personas.team_a.uuid}").json())


def test_posting_a_deleted_user_again_brings_back_the_same_person(scim, personas):
    uid = str(personas.agent_a1.uuid)
    scim.delete(f"Users/{uid}")
    body = created(scim, {"schemas": [USER_SCHEMA], "userName": "agent.a1@example.com", "displayName": "Andy A"})
    assert body["id"] == uid and body["active"] is True
    assert User.objects.filter(email="agent.a1@example.com").count() == 1


def test_the_last_active_admin_cannot_be_deactivated(scim, personas):
    body = assert_scim_error(
        scim.patch(f"Users/{personas.admin.uuid}", patch({"op": "replace", "path": "active", "value": False})),
        400,
        "invalidValue",
    )
    assert "last active admin" in body["detail"]
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


# --- Filters and pagination: RFC 7644 §3.4.2 ----------------------------------------------------------


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["schemas"] == [LIST_SCHEMA]
    return {r.get("userName") or r.get("displayName") for r in body.get("Resources", [])}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('userName eq "agent.a1@example.com"', {"agent.a1@example.com"}),
        ('USERNAME EQ "Agent.A1@Example.com"', {"agent.a1@example.com"}),  # names, operators, values: any case
        ('userName ne "agent.a1@example.com" and userName sw "agent"', {"agent.b1@example.com"}),
        ('userName co "gent.b"', {"agent.b1@example.com"}),
        ('userName sw "sup" or userName ew "b@example.com"', {"sup.a@example.com", "man.b@example.com"}),
        ('displayName eq "Ada Admin"', {"admin@example.com"}),
        ('name.formatted co "Evaluator"', {"eval@example.com"}),
        ('emails.value eq "eval@example.com"', {"eval@example.com"}),
        ('emails[value sw "nobody"]', {"nobody@example.com"}),
        ('emails[type eq "work" and value sw "nobody"]', None),  # type is not kept: refused
        ("active eq false", set()),
        ('not (userName sw "a") and userName lt "m"', {"eval@example.com"}),
        ('userName gt "n"', {"nobody@example.com", "sup.a@example.com"}),
        ('userName ge "sup.a@example.com"', {"sup.a@example.com"}),
        ('userName le "admin@example.com"', {"admin@example.com"}),
        ("groups pr and active eq true", {"agent.a1@example.com", "agent.b1@example.com"}),
        ('groups.display eq "Team B"', {"agent.b1@example.com"}),
        ('meta.created gt "2000-01-01T00:00:00Z" and userName sw "man"', {"man.b@example.com"}),
        ('meta.lastModified lt "2000-01-01T00:00:00+00:00"', set()),
        (
            '(userName eq "admin@example.com" or userName eq "eval@example.com") and not (displayName co "Eve")',
            {"admin@example.com"},
        ),
        ('id eq "not-a-uuid"', set()),
        ("externalId pr", set()),
    ],
)
def test_user_filters_follow_the_rfc_grammar(scim, personas, query, expected):
    response = scim.get("Users", data={"filter": query})
    if expected is None:
        assert_scim_error(response, 400, "invalidFilter")
    else:
        assert ids(response) == expected


def test_filter_by_id_and_external_id(scim, personas):
    uid = created(scim, barbara())["id"]
    assert ids(scim.get("Users", data={"filter": f'id eq "{uid}"'})) == {"bjensen@example.com"}
    assert ids(scim.get("Users", data={"filter": 'externalId eq "bjensen"'})) == {"bjensen@example.com"}
    assert ids(scim.get("Users", data={"filter": 'externalId eq "BJENSEN"'})) == set()  # case-exact


@pytest.mark.parametrize(
    "query",
    [
        "userName eq",  # no value
        'userName eq "a" and',  # dangling operator
        'userName xx "a"',  # no such operator
        '(userName eq "a"',  # unbalanced
        'noSuchAttribute eq "a"',
        "title pr",  # in the schema, not kept by CXQ
        "active gt true",  # ordering a boolean
        'active eq "yes"',
        'meta.created gt "yesterday"',
        'userName eq "a\\u0001b"',  # control character in a value
        "userName eq 12",
    ],
)
def test_bad_filters_are_400_invalid_filter(scim, personas, query):
    assert_scim_error(scim.get("Users", data={"filter": query}), 400, "invalidFilter")


def test_a_nul_in_the_query_string_is_a_scim_error(scim, personas):
    assert_scim_error(scim.get("Users", data={"filter": 'userName eq "a\x00"'}), 400)


def test_list_paginates_with_start_index_and_count(scim, personas):
    everyone = scim.get("Users").json()
    assert everyone["totalResults"] == User.objects.count() == 7
    assert everyone["startIndex"] == 1 and everyone["itemsPerPage"] == 7
    page = scim.get("Users?startIndex=3&count=2").json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (7, 3, 2)
    assert [r["id"] for r in page["Resources"]] == [r["id"] for r in everyone["Resources"][2:4]]
    tail = scim.get("Users?startIndex=7&count=5").json()
    assert tail["itemsPerPage"] == 1
    beyond = scim.get("Users?startIndex=50").json()
    assert beyond["totalResults"] == 7 and beyond["itemsPerPage"] == 0 and not beyond.get("Resources")
    # below 1 reads as 1, a negative count as 0 (RFC 7644 §3.4.2.4)
    assert scim.get("Users?startIndex=0&count=1").json()["startIndex"] == 1
    only_total = scim.get("Users?count=-4").json()
    assert only_total["totalResults"] == 7 and only_total["itemsPerPage"] == 0
    assert_scim_error(scim.get("Users?count=many"), 400, "invalidValue")


def test_count_is_capped_at_the_announced_maximum(scim, personas):
    from cxq.scim.resources import MAX_COUNT

    for n in range(MAX_COUNT):
        User.objects.create_user(email=f"bulk{n}@example.com", full_name=f"Bulk {n}")
    page = scim.get(f"Users?count={MAX_COUNT + 50}").json()
    assert page["itemsPerPage"] == MAX_COUNT and page["totalResults"] == MAX_COUNT + 7
    config = scim.get("ServiceProviderConfig").json()
    assert config["filter"] == {"supported": True, "maxResults": MAX_COUNT}


def test_post_search_takes_the_query_in_the_body(scim, personas):
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName sw "agent"',
        "startIndex": 1,
        "count": 10,
    }
    assert ids(scim.post("Users/.search", body)) == {"agent.a1@example.com", "agent.b1@example.com"}
    assert ids(scim.post("Groups/.search", {**body, "filter": 'displayName eq "team a"'})) == {"Team A"}


def test_list_queries_do_not_grow_with_the_page(scim, personas, django_assert_max_num_queries):
    for n in range(20):
        User.objects.create_user(email=f"q{n}@example.com", full_name=f"Q {n}").teams.add(personas.team_a)
    with django_assert_max_num_queries(8):
        assert scim.get("Users").json()["itemsPerPage"] == 27
    with django_assert_max_num_queries(8):
        assert scim.get("Groups").json()["itemsPerPage"] == 2


# --- Groups: teams and their members ---------------------------------------------------------------


def test_post_group_creates_a_team_with_its_members(scim, personas):
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "Tour Guides",
        "externalId": "grp-1",
        "members": [{"value": str(personas.agent_a1.uuid)}, {"value": str(personas.agent_b1.uuid)}],
    }
    response = scim.post("Groups", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == data["meta"]["location"]
    team = Team.objects.get(uuid=data["id"])
    assert team.name == "Tour Guides" and team.scim.external_id == "grp-1"
    assert set(team.members.all()) == {personas.agent_a1, personas.agent_b1}
    assert not team.leads.exists()
    assert {m["value"] for m in data["members"]} == {str(personas.agent_a1.uuid), str(personas.agent_b1.uuid)}


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": [GROUP_SCHEMA]},
        {"schemas": [GROUP_SCHEMA], "displayName": "  "},
        {"schemas": [GROUP_SCHEMA], "displayName": "T" * 121},
        {"schemas": [GROUP_SCHEMA], "displayName": "New", "members": [{"value": "nobody"}]},
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "New",
            "members": [{"value": "2819c223-7f76-453a-919d-413861904646"}],
        },
        {"schemas": [GROUP_SCHEMA], "displayName": "New", "members": "everyone"},
    ],
)
def test_post_group_refuses_bad_input(scim, personas, body):
    assert_scim_error(scim.post("Groups", body), 400, "invalidValue")
    assert Team.objects.count() == 2


def test_post_group_with_a_taken_name_is_409(scim, personas):
    assert_scim_error(scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "team a"}), 409, "uniqueness")


def test_patch_group_adds_and_removes_members_by_value_path(scim, personas):
    gid = str(personas.team_a.uuid)
    a1, b1 = str(personas.agent_a1.uuid), str(personas.agent_b1.uuid)
    response = scim.patch(f"Groups/{gid}", patch({"op": "add", "path": "members", "value": [{"value": b1}]}))
    assert response.status_code == 200, response.content
    assert set(personas.team_a.members.all()) == {personas.agent_a1, personas.agent_b1}
    response = scim.patch(f"Groups/{gid}", patch({"op": "remove", "path": f'members[value eq "{a1}"]'}))
    assert response.status_code == 200
    assert list(personas.team_a.members.all()) == [personas.agent_b1]
    assert set(personas.team_a.leads.all()) == {personas.supervisor_a, personas.evaluator}  # leads untouched
    # removing someone who is not a member changes nothing (Entra does this)
    assert scim.patch(f"Groups/{gid}", patch({"op": "remove", "path": f'members[value eq "{a1}"]'})).status_code == 200
    response = scim.patch(f"Groups/{gid}", patch({"op": "replace", "path": "displayName", "value": "Billing"}))
    assert response.json()["displayName"] == "Billing"
    scim.patch(f"Groups/{gid}", patch({"op": "remove", "path": "members"}))
    assert not personas.team_a.members.exists()


def test_patch_group_refuses_an_unknown_member_and_changes_nothing(scim, personas):
    gid = str(personas.team_a.uuid)
    operation = {"op": "add", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}
    assert_scim_error(scim.patch(f"Groups/{gid}", patch(operation)), 400, "invalidValue")
    assert list(personas.team_a.members.all()) == [personas.agent_a1]


def test_put_group_replaces_name_and_members(scim, personas):
    gid = str(personas.team_b.uuid)
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "Tech support",
        "members": [{"value": str(personas.agent_a1.uuid)}],
    }
    response = scim.put(f"Groups/{gid}", body)
    assert response.status_code == 200, response.content
    team = Team.objects.get(uuid=gid)
    assert team.name == "Tech support" and list(team.members.all()) == [personas.agent_a1]
    assert list(team.leads.all()) == [personas.manager_b]


def test_group_filters(scim, personas):
    a1 = str(personas.agent_a1.uuid)
    assert ids(scim.get("Groups", data={"filter": 'displayName eq "Team A"'})) == {"Team A"}
    assert ids(scim.get("Groups", data={"filter": f'members[value eq "{a1}"]'})) == {"Team A"}
    assert ids(scim.get("Groups", data={"filter": f'members eq "{a1}"'})) == {"Team A"}
    assert ids(scim.get("Groups", data={"filter": 'members.display co "bea"'})) == {"Team B"}
    assert ids(scim.get("Groups", data={"filter": f'not (members[value eq "{a1}"])'})) == {"Team B"}
    assert_scim_error(scim.get("Groups", data={"filter": 'members sw "x"'}), 400, "invalidFilter")


def test_delete_group_deletes_the_team_not_its_people(scim, personas):
    gid = str(personas.team_a.uuid)
    assert scim.delete(f"Groups/{gid}").status_code == 204
    assert not Team.objects.filter(uuid=gid).exists()
    assert User.objects.filter(pk=personas.agent_a1.pk, is_active=True).exists()
    assert_scim_error(scim.get(f"Groups/{gid}"), 404)


# --- Discovery: RFC 7644 §4 ----------------------------------------------------------------------


def test_service_provider_config_announces_what_is_supported(scim):
    body = scim.get("ServiceProviderConfig").json()
    assert body["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    assert body["patch"] == {"supported": True}
    assert body["bulk"]["supported"] is False and body["sort"] == {"supported": False}
    assert body["etag"] == {"supported": False} and body["changePassword"] == {"supported": False}
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_schemas_and_resource_types_describe_users_and_groups(scim):
    schemas = scim.get("Schemas").json()
    assert schemas["schemas"] == [LIST_SCHEMA]
    found = {s["id"] for s in schemas["Resources"]}
    assert {USER_SCHEMA, GROUP_SCHEMA} <= found
    user_schema = scim.get(f"Schemas/{USER_SCHEMA}").json()
    assert "userName" in {a["name"] for a in user_schema["attributes"]}
    types = {t["id"]: t for t in scim.get("ResourceTypes").json()["Resources"]}
    assert types["User"]["endpoint"] == "/Users" and types["Group"]["endpoint"] == "/Groups"
    assert scim.get("ResourceTypes/Group").json()["schema"] == GROUP_SCHEMA
    assert_scim_error(scim.get("ResourceTypes/Printer"), 404)
    assert_scim_error(scim.get("Schemas/urn:example:nope"), 404)


def test_unsupported_endpoints_and_methods_answer_scim_errors(scim, personas):
    assert_scim_error(scim.post("Bulk", {}), 501)
    assert_scim_error(scim.get("Me"), 501)
    assert_scim_error(scim.get("Printers"), 404)
    assert_scim_error(scim.delete("Users"), 405)
    assert_scim_error(scim.patch("ServiceProviderConfig", {}), 405)
    assert_scim_error(scim.get("Users/.search"), 405)


# --- An identity provider's sync, run twice -------------------------------------------------------


def _sync(scim, people: list[dict], groups: list[dict]) -> None:
    """What Okta and Entra do: look each person up by userName, create them when missing, else
    replace them; then the same for groups by displayName, with members by id."""
    ids_by_email = {}
    for person in people:
        found = scim.get("Users", data={"filter": f'userName eq "{person["userName"]}"'}).json()
        if found["totalResults"]:
            uid = found["Resources"][0]["id"]
            assert scim.put(f"Users/{uid}", {"schemas": [USER_SCHEMA], **person}).status_code == 200
        else:
            uid = created(scim, {"schemas": [USER_SCHEMA], **person})["id"]
        ids_by_email[person["userName"]] = uid
    for group in groups:
        body = {
            "schemas": [GROUP_SCHEMA],
            "displayName": group["displayName"],
            "members": [{"value": ids_by_email[e]} for e in group["members"]],
        }
        found = scim.get("Groups", data={"filter": f'displayName eq "{group["displayName"]}"'}).json()
        if found["totalResults"]:
            gid = found["Resources"][0]["id"]
            assert (
                scim.patch(
                    f"Groups/{gid}", patch({"op": "replace", "path": "members", "value": body["members"]})
                ).status_code
                == 200
            )
        else:
            assert scim.post("Groups", body).status_code == 201
    deactivate = ids_by_email["carl@example.com"]
    scim.patch(f"Users/{deactivate}", patch({"op": "replace", "path": "active", "value": False}))


def _state() -> list:
    people = sorted(User.objects.values_list("email", "full_name", "is_active", "role__key", "time_zone"))
    teams = sorted((t.name, sorted(t.members.values_list("email", flat=True))) for t in Team.objects.all())
    return [people, teams]


def test_running_the_same_provisioning_twice_changes_nothing_the_second_time(scim, personas):
    people = [
        {"userName": "ana@example.com", "name": {"givenName": "Ana", "familyName": "Lima"}, "externalId": "00u1"},
        {"userName": "bo@example.com", "displayName": "Bo Berg", "timezone": "Europe/Stockholm", "active": True},
        {"userName": "carl@example.com", "displayName": "Carl Cole"},
        {"userName": "agent.a1@example.com", "displayName": "Andy Agent"},  # already in CXQ: matched, not duplicated
    ]
    groups = [
        {"displayName": "Night shift", "members": ["ana@example.com", "bo@example.com"]},
        {"displayName": "Team A", "members": ["agent.a1@example.com", "carl@example.com"]},
    ]
    _sync(scim, people, groups)
    first, audited = _state(), AuditEvent.objects.count()
    assert User.objects.filter(email__in=[p["userName"] for p in people]).count() == 4
    assert User.objects.get(email="carl@example.com").is_active is False
    assert User.objects.get(email="ana@example.com").full_name == "Ana Lima"

    _sync(scim, people, groups)
    assert _state() == first
    # the second run wrote nothing: no change, so nothing new in the audit log but the re-deactivation's absence
    assert AuditEvent.objects.count() == audited


def test_a_group_change_keeps_the_people_deleted_through_scim_in_the_team(scim, personas):
    gid, a1 = str(personas.team_a.uuid), personas.agent_a1
    scim.delete(f"Users/{a1.uuid}")
    assert "members" not in scim.get(f"Groups/{gid}").json()
    add = {"op": "add", "path": "members", "value": [{"value": str(personas.agent_b1.uuid)}]}
    assert scim.patch(f"Groups/{gid}", patch(add)).status_code == 200
    assert set(personas.team_a.members.all()) == {a1, personas.agent_b1}
