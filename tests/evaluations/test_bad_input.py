"""Input that used to make a 500 (issue 13): each is a 4xx naming the field and changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxq.evaluations import services
from cxq.evaluations.models import Assignment, Evaluation


def call_api(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def named(response) -> list[str]:
    return [str(error["loc"][-1]) for error in response.json()["detail"]]


@pytest.fixture
def task(personas, card, call):
    return services.assignment_create(
        by=personas.supervisor_a,
        interaction=call,
        scorecard=card,
        assignee=personas.evaluator,
        due_at=timezone.now() + timedelta(days=1),
    )


# --- due_at: the API needs an offset; forms read the user's time zone ---------------------------------


@pytest.mark.parametrize("due", ["2030-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z"])
def test_an_assignment_due_without_offset_or_out_of_range_is_refused(client_for, personas, card, call, due):
    body = {"interaction": str(call.uuid), "scorecard": str(card.uuid), "assignee": str(personas.evaluator.uuid)}
    response = call_api(client_for("supervisor_a"), "post", "/api/v1/assignments", body | {"due_at": due})
    assert response.status_code == 422 and named(response) == ["due_at"]
    assert not Assignment.objects.exists()


def test_extending_to_a_naive_due_date_is_refused(client_for, task):
    before = task.due_at
    url = f"/api/v1/assignments/{task.uuid}/extend"
    response = call_api(client_for("supervisor_a"), "post", url, {"due_at": "2030-01-01T00:00:00"})
    assert response.status_code == 422 and named(response) == ["due_at"]
    task.refresh_from_db()
    assert task.due_at == before


def test_an_api_due_date_with_an_offset_is_kept_as_given(client_for, personas, card, call):
    body = {"interaction": str(call.uuid), "scorecard": str(card.uuid), "assignee": str(personas.evaluator.uuid)}
    body["due_at"] = "2030-01-01T09:00:00+02:00"
    response = call_api(client_for("supervisor_a"), "post", "/api/v1/assignments", body)
    assert response.status_code == 201
    assert Assignment.objects.get().due_at == datetime(2030, 1, 1, 7, tzinfo=UTC)


@pytest.mark.parametrize("due", ["2030-13-45T00:00", "9999-12-31T23:59", "not a date", ""])
def test_a_bulk_assignment_with_an_impossible_due_date_assigns_nothing(client_for, personas, card, call, due):
    personas.supervisor_a.time_zone = "Pacific/Honolulu"  # 9999-12-31 local is year 10000 in UTC
    personas.supervisor_a.save(update_fields=["time_zone"])
    response = client_for("supervisor_a").post(
        reverse("evaluations:assign_bulk"),
        {
            "interactions": [str(call.uuid)],
            "scorecard": str(card.uuid),
            "assignee": str(personas.evaluator.uuid),
            "due_at": due,
        },
        follow=True,
    )
    assert response.status_code == 200 and "Due date:" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_bulk_assignment_reads_the_due_date_in_the_users_time_zone(client_for, personas, card, call):
    personas.supervisor_a.time_zone = "Pacific/Kiritimati"  # UTC+14
    personas.supervisor_a.save(update_fields=["time_zone"])
    client_for("supervisor_a").post(
        reverse("evaluations:assign_bulk"),
        {
            "interactions": [str(call.uuid)],
            "scorecard": str(card.uuid),
            "assignee": str(personas.evaluator.uuid),
            "due_at": "2030-01-01T00:00",
        },
    )
    assert Assignment.objects.get().due_at.isoformat() == "2029-12-31T10:00:00+00:00"


@pytest.mark.parametrize("due", ["2030-13-45T00:00", "9999-12-31T23:59", ""])
def test_extending_a_task_on_the_page_to_an_impossible_date_changes_nothing(client_for, personas, task, due):
    personas.supervisor_a.time_zone = "Pacific/Honolulu"
    personas.supervisor_a.save(update_fields=["time_zone"])
    before = task.due_at
    response = client_for("supervisor_a").post(
        reverse("evaluations:task_extend", args=[task.uuid]), {"due_at": due}, follow=True
    )
    assert response.status_code == 200 and "Due date extended" not in response.content.decode()
    task.refresh_from_db()
    assert task.due_at == before


def test_an_assignment_form_refuses_a_far_off_due_date_next_to_the_field(client_for, personas, card, call):
    response = client_for("supervisor_a").post(
        reverse("evaluations:assign", args=[call.uuid]),
        {"scorecard": str(card.uuid), "assignee": str(personas.evaluator.uuid), "due_at": "9999-12-31T23:59"},
    )
    assert response.status_code == 400 and response.context["form"].errors.keys() == {"due_at"}
    assert not Assignment.objects.exists()


# --- lock_version on the evaluation page ----------------------------------------------------------------


@pytest.mark.parametrize("lock", [{"lock_version": "abc"}, {"lock_version": "-1"}, {"lock_version": "²"}, {}])
def test_saving_without_a_whole_lock_version_is_refused_and_saves_nothing(client_for, draft, lock):
    response = client_for("evaluator").post(
        reverse("evaluations:save", args=[draft.uuid]), {"qa_greet": "no", **lock}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "lock_version" in response.content.decode()
    fresh = Evaluation.objects.get(pk=draft.pk)
    assert fresh.answers == draft.answers and fresh.lock_version == draft.lock_version


@pytest.mark.parametrize("lock", [{"lock_version": "abc"}, {}])
def test_submitting_without_a_whole_lock_version_is_refused_and_stays_a_draft(client_for, draft, lock):
    response = client_for("evaluator").post(
        reverse("evaluations:submit", args=[draft.uuid]),
        {"qa_greet": "yes", "qa_tone": "4", "qa_disclosure": "yes", **lock},
    )
    assert response.status_code == 400 and "lock_version" in response.content.decode()
    fresh = Evaluation.objects.get(pk=draft.pk)
    assert fresh.status == "draft" and fresh.answers == draft.answers


def test_the_api_draft_refuses_a_nul_in_the_comment(client_for, draft):
    url = f"/api/v1/evaluations/{draft.uuid}/draft"
    body = {"answers": {"greet": "no"}, "comment": "a\x00b", "lock_version": draft.lock_version}
    response = call_api(client_for("evaluator"), "put", url, body)
    assert response.status_code == 422 and named(response) == ["comment"]
    assert Evaluation.objects.get(pk=draft.pk).comment == ""


# --- The table -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"completed_from": "9999-12-31T23:59"}]
)
def test_the_table_refuses_an_out_of_range_date_naming_it(client_for, completed, params):
    client = client_for("admin")
    page = client.get(reverse("evaluations:list"), params)
    assert page.status_code == 400 and page.context["form"].errors.keys() == params.keys()
    export = client.get(reverse("evaluations:list"), {**params, "format": "csv"})
    assert export.status_code == 400 and next(iter(params)) in export.content.decode()
