"""The OpenAPI document at /api/v1/openapi.json: valid OpenAPI, renderable by Swagger UI (no key twice),
every operation's error responses listed, ids typed as UUIDs, request bodies objects."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from openapi_spec_validator import validate

from cxq.accounts.models import Role
from cxq.evaluations.models import Evaluation
from cxq.evaluations.services import evaluation_save, evaluation_start
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services as sc
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

API = "/api/v1"
METHODS = ("get", "put", "post", "patch", "delete")


def document_bytes() -> bytes:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.content


@pytest.fixture
def document(db) -> dict:
    return json.loads(document_bytes())


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_the_document_is_valid_openapi(document):
    validate(document)  # raises, naming the place, on any violation of the OpenAPI 3.1 schema


def test_no_object_in_the_document_has_a_key_twice(db):
    """Python's json keeps the last of two equal keys; Swagger UI's YAML parser stops with "duplicated
    mapping key" and renders nothing (the calibration export's 200 once appeared twice)."""
    duplicates = []

    def refuse_duplicates(pairs):
        keys = [key for key, _ in pairs]
        duplicates.extend(sorted({key for key in keys if keys.count(key) > 1}))
        return dict(pairs)

    json.loads(document_bytes(), object_pairs_hook=refuse_duplicates)
    assert duplicates == []


def test_the_calibration_export_documents_its_csv(document):
    ok = document["paths"][f"{API}/calibrations/{{uuid}}/export"]["get"]["responses"]["200"]
    assert "text/csv" in ok["content"]


def test_media_streams_document_their_range_answers(document):
    for path in (f"{API}/screen-tracks/{{uuid}}/media", f"{API}/interactions/{{uuid}}/recordings/{{recording}}/media"):
        responses = document["paths"][path]["get"]["responses"]
        assert {"200", "206", "416"} <= set(responses) and "audio/*" in responses["206"]["content"]


def test_every_operation_documents_its_error_responses(document):
    """401 everywhere (every operation needs a token or session); 422 wherever a parameter or a body
    can be malformed; 400 wherever a body can be something other than JSON; 404 wherever the path
    names an object; each in the one error shape."""
    missing = []
    for method, path, operation in operations(document):
        codes = set(operation["responses"])
        expected = {"401"}
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        if operation.get("requestBody"):
            expected.add("400")
        if "{" in path:
            expected.add("404")
        missing += [f"{method.upper()} {path}: {code}" for code in sorted(expected - codes)]
        # a media stream's 206 (a byte range) and 416 (a range outside the file: no body, Content-Range
        # says the size) are HTTP's own answers, not errors in the API's shape (docs/interactions.md#recordings)
        for code in codes - {"200", "201", "204", "206", "416"}:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema["$ref"].rsplit("/", 1)[1] in ("ErrorOut", "ValidationErrorOut"), (method, path, code)
    assert missing == []


def test_ids_in_paths_and_filters_are_documented_as_uuids(document):
    untyped = []
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            name, schema = parameter["name"], parameter["schema"]
            names_an_object = parameter["in"] == "path" and name != "number"
            names_an_object |= name in ("team", "agent", "evaluator", "scorecard", "actor", "indicator")
            if names_an_object:
                formats = [s.get("format") for s in schema.get("anyOf", [schema])]
                if "uuid" not in formats:
                    untyped.append(f"{method.upper()} {path} {name}")
    assert untyped == []


def test_every_request_body_is_documented_as_an_object(document):
    for method, path, operation in operations(document):
        body = operation.get("requestBody")
        if body and "application/json" not in body["content"]:
            # media uploads (a recording, a screen-track chunk) are files, documented as binary
            assert path.endswith(("/recordings", "/content")), (method, path)
            assert all(
                c["schema"].get("format") == "binary" or "properties" in c["schema"] for c in body["content"].values()
            )
        elif body:
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert document["components"]["schemas"][ref]["type"] == "object", (method, path)


# --- What the document says is what the API does ------------------------------------------------


@pytest.mark.parametrize("body", ["true", "null", "[]", '"copy"', "1"])
def test_a_body_that_is_not_an_object_duplicates_no_role(client_for, body):
    role = Role.objects.get(key="agent")
    before = Role.objects.count()
    response = client_for("admin").post(f"{API}/roles/{role.uuid}/duplicate", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "dict_type", "loc": ["body"], "msg": "The request body must be a JSON object."}
    ]
    assert Role.objects.count() == before


def test_a_body_of_true_submits_no_evaluation(client_for, personas):
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    call = interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]
    draft = evaluation_start(by=personas.evaluator, interaction=call, scorecard=card)
    evaluation_save(by=personas.evaluator, evaluation=draft, answers={"greet": "no", "tone": 4, "disclosure": "yes"})
    response = client_for("evaluator").post(
        f"{API}/evaluations/{draft.uuid}/submit", "true", content_type="application/json"
    )
    assert response.status_code == 422
    assert Evaluation.objects.get(pk=draft.pk).status == "draft"


def test_every_operation_with_a_body_refuses_one_that_is_not_an_object(client_for, document):
    """Checked before any lookup: the ids in the path need not exist."""
    client = client_for("admin")
    for method, path, operation in operations(document):
        if "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue  # no body, or a media upload (a file, not JSON)
        url = path.replace("{number}", "1")
        while "{" in url:
            start, end = url.index("{"), url.index("}")
            url = url[:start] + str(uuid.uuid4()) + url[end + 1 :]
        response = getattr(client, method)(url, "true", content_type="application/json")
        assert response.status_code == 422, (method, path, response.content)


def test_an_id_filter_that_is_not_a_uuid_is_a_422_naming_it(client_for):
    client = client_for("admin")
    for url, name in [
        (f"{API}/users?team=abc", "team"),
        (f"{API}/interactions?agent=abc", "agent"),
        (f"{API}/interactions?without_indicator=abc", "without_indicator"),
        (f"{API}/evaluations?scorecard=abc", "scorecard"),
        (f"{API}/audit?actor=abc", "actor"),
        (f"{API}/analytics/breakdown?team=abc", "team"),
    ]:
        response = client.get(url)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"] == ["query", name], url


def test_an_empty_id_filter_means_no_filter(client_for, personas):
    response = client_for("admin").get(f"{API}/users?team=&page_size=100")
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(personas.all())


def test_an_id_filter_still_filters(client_for, personas):
    response = client_for("admin").get(f"{API}/users?team={personas.team_b.uuid}")
    assert {u["email"] for u in response.json()["results"]} == {personas.manager_b.email, personas.agent_b1.email}


def test_a_bad_cursor_is_reported_like_every_other_422(client_for):
    response = client_for("admin").get(f"{API}/users?cursor=%25%25%25")
    assert response.status_code == 422
    assert response.json()["detail"] == [{"type": "value_error", "loc": ["query", "cursor"], "msg": "Invalid Cursor"}]


def test_no_two_api_schemas_share_a_name_with_different_shapes():
    """The OpenAPI components are keyed by class name: a second schema of the same name and another shape
    would silently replace the first in the document (the calibrations' and coaching's SessionListOut
    once did)."""
    import importlib
    import inspect
    import pkgutil

    from ninja import Schema

    import cxq

    shapes: dict[str, dict[str, str]] = {}
    for info in pkgutil.walk_packages(cxq.__path__, "cxq."):
        if not info.name.endswith(".api"):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls is not Schema and cls.__module__ == module.__name__:
                shape = json.dumps(cls.model_json_schema(), sort_keys=True, default=str)
                shapes.setdefault(cls.__name__, {})[info.name] = shape
    clashes = {name: sorted(where) for name, where in shapes.items() if len(set(where.values())) > 1}
    assert clashes == {}
