"""Input that used to make a 500 (issue 13) on scorecards: a 4xx naming the field, or ignored."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse

from cxq.scorecards import services
from cxq.scorecards.models import Scorecard
from tests.scorecards.conftest import DOC


@pytest.fixture
def card(personas):
    return services.scorecard_create(by=personas.admin, document=copy.deepcopy(DOC))


def test_a_document_with_a_nul_in_its_text_is_refused_naming_the_place(client_for, personas):
    doc = copy.deepcopy(DOC)
    doc["sections"][0]["questions"][0]["text"] = "Greeted\x00 the customer"
    response = client_for("admin").post(
        "/api/v1/scorecards", json.dumps({"document": doc}), content_type="application/json"
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "document" and "sections.0.questions.0.text" in error["msg"]
    assert not Scorecard.objects.exists()


def test_a_version_number_that_is_not_ascii_is_ignored(client_for, card):
    client = client_for("admin")
    for name in ("preview", "export"):
        assert client.get(reverse(f"scorecards:{name}", args=[card.uuid]), {"version": "²"}).status_code == 200
    versions = client.get(reverse("scorecards:versions", args=[card.uuid]), {"a": "²", "b": "1"})
    assert versions.status_code == 200
