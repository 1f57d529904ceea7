"""Whatever a SCIM client sends, the answer is a SCIM document with a status below 500: Schemathesis
walks the ninja API only, so this property test does the same for /scim/v2/ (docs/scim.md#errors)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scim.conftest import PATCH_SCHEMA, SCIM, USER_SCHEMA, ScimClient

ATTRIBUTES = [
    "userName",
    "USERNAME",
    "displayName",
    "name.formatted",
    "emails",
    "emails.value",
    "active",
    "id",
    "externalId",
    "groups",
    "members",
    "members.value",
    "meta.created",
    "title",
    "nope",
    "timezone",
]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "zz", ""]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
filters = st.recursive(
    st.builds(
        lambda a, o, v: f"{a} {o} {json.dumps(v)}" if o != "pr" else f"{a} pr",
        st.sampled_from(ATTRIBUTES),
        st.sampled_from(OPERATORS),
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    ),
    lambda inner: (
        st.builds(lambda a, op, b: f"({a}) {op} {b}", inner, st.sampled_from(["and", "or", "AND"]), inner)
        | st.builds(lambda a: f"not ({a})", inner)
        | st.builds(lambda a, x: f"emails[{x}]", inner, st.sampled_from(['value eq "a"', 'type eq "work"']))
    ),
    max_leaves=4,
) | st.text(max_size=30)
user_bodies = st.fixed_dictionaries(
    {"schemas": st.sampled_from([[USER_SCHEMA], [], ["x"], "x"])},
    optional={
        "userName": json_values | st.emails(),
        "displayName": json_values,
        "name": json_values,
        "active": json_values,
        "emails": json_values,
        "timezone": json_values,
        "externalId": json_values,
        "id": json_values,
        "meta": json_values,
    },
)
patch_bodies = st.fixed_dictionaries(
    {"schemas": st.just([PATCH_SCHEMA])},
    optional={
        "Operations": st.lists(
            st.fixed_dictionaries(
                {"op": st.sampled_from(["add", "replace", "remove", "Replace", "x"])},
                optional={
                    "path": st.sampled_from(ATTRIBUTES + ['members[value eq "x"]', "name.givenName", "]["]),
                    "value": json_values,
                },
            ),
            max_size=3,
        )
    },
)

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def _is_scim(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code != 204:
        assert response["Content-Type"] == SCIM
        assert response.json()["schemas"]


@FUZZ
@given(query=filters, start=st.integers(-5, 10) | st.text(max_size=3), count=st.integers(-5, 300))
def test_any_list_query_answers_a_scim_document(scim, personas, query, start, count):
    for endpoint in ("Users", "Groups"):
        _is_scim(scim.get(endpoint, data={"filter": query, "startIndex": start, "count": count}))


@FUZZ
@given(body=user_bodies)
def test_any_user_body_answers_a_scim_document(scim, personas, body):
    _is_scim(scim.post("Users", body))
    _is_scim(scim.put(f"Users/{personas.agent_b1.uuid}", body))


@FUZZ
@given(body=patch_bodies)
def test_any_patch_answers_a_scim_document(scim, personas, body):
    _is_scim(scim.patch(f"Users/{personas.agent_b1.uuid}", body))
    _is_scim(scim.patch(f"Groups/{personas.team_b.uuid}", body))


@FUZZ
@given(raw=st.binary(max_size=40) | st.text(max_size=40))
def test_any_raw_body_answers_a_scim_document(scim, personas, raw):
    _is_scim(ScimClient.post(scim, "Groups", raw))
