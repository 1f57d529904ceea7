from __future__ import annotations

import json

import pytest
from django.test import Client

from cxq.scim.services import scim_token_create

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient:
    """A SCIM client as an identity provider is one: JSON bodies, the SCIM media type, a bearer token."""

    def __init__(self, raw: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}

    def _send(self, method: str, path: str, body=None, **extra):
        url = path if path.startswith("/") else f"/scim/v2/{path}"
        kwargs = dict(self.headers, **extra)
        if body is not None:
            kwargs.update(data=body if isinstance(body, str | bytes) else json.dumps(body), content_type=SCIM)
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path, **extra):
        return self._send("get", path, **extra)

    def post(self, path, body=None):
        return self._send("post", path, body)

    def put(self, path, body=None):
        return self._send("put", path, body)

    def patch(self, path, body=None):
        return self._send("patch", path, body)

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture
def scim_token(personas):
    return scim_token_create(by=personas.admin, name="Okta")


@pytest.fixture
def scim(scim_token) -> ScimClient:
    return ScimClient(scim_token[1])


def barbara(**extra) -> dict:
    """RFC 7644 §3.3's creation request."""
    return {
        "schemas": [USER_SCHEMA],
        "userName": "bjensen@example.com",
        "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
        **extra,
    }


def assert_scim_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body.get("detail")
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body
