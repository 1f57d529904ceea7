"""Input that used to make a 500 (issue 13) in the audit log: a 4xx naming the field."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(("name", "value"), [("date_to", "9999-12-31"), ("date_from", "0001-01-01")])
def test_the_api_refuses_a_day_outside_the_supported_years(client_for, name, value):
    response = client_for("admin").get("/api/v1/audit", {name: value})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", name]


def test_the_page_refuses_a_day_outside_the_supported_years_next_to_the_field(client_for):
    response = client_for("admin").get(reverse("audit:list"), {"date_to": "9999-12-31"})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["date_to"]
    export = client_for("admin").get(reverse("audit:export"), {"date_to": "9999-12-31"})
    assert export.status_code == 400 and "date_to" in export.content.decode()


def test_a_before_that_is_not_an_ascii_number_is_ignored(client_for):
    assert client_for("admin").get(reverse("audit:list"), {"before": "²"}).status_code == 200
