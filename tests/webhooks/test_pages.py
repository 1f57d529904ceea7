"""Administration → Webhooks pages and the API (docs/webhooks.md#pages, docs/webhooks.md#api)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cxq.lib.outbox import OutboxStatus
from cxq.webhooks.models import Delivery, Endpoint
from cxq.webhooks.views import DRAFT_SECRET

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_new_form_shows_a_secret_that_the_receiver_is_configured_with_and_the_endpoint_signs_with(
    client_for, receiver, django_capture_on_commit_callbacks
):
    admin = client_for("admin")
    page = admin.get(reverse("webhooks:new"))
    assert page.status_code == 200
    secret = admin.session[DRAFT_SECRET]
    assert secret.startswith("whsec_") and secret in page.content.decode()
    assert admin.get(reverse("webhooks:new")).context["secret"] == secret  # same draft until it is used
    receiver.secret = secret

    response = admin.post(
        reverse("webhooks:new"),
        {
            "name": "Warehouse",
            "url": receiver.url,
            "events": ["evaluation.completed", "calibration.completed"],
            "enabled": "on",
        },
    )

    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response.url == reverse("webhooks:detail", args=[endpoint.uuid])
    assert DRAFT_SECRET not in admin.session
    assert endpoint.events == ["evaluation.completed", "calibration.completed"]
    detail = admin.get(response.url)
    assert secret not in detail.content.decode()  # never shown again
    assert "answered the validation handshake" in " ".join(_messages(detail))

    with django_capture_on_commit_callbacks(execute=True):
        sent = admin.post(reverse("webhooks:test", args=[endpoint.uuid]))
    assert sent.status_code == 302
    (event,) = receiver.deliveries()
    assert event["event"] == "webhook.test"
    log = admin.get(reverse("webhooks:detail", args=[endpoint.uuid])).content.decode()
    assert "webhook.test" in log and event["event_id"] in log and "HTTP 200" in log


def test_a_failed_handshake_is_a_form_error_and_creates_nothing(client_for, receiver):
    admin = client_for("admin")
    admin.get(reverse("webhooks:new"))
    receiver.secret = "something else"  # the receiver was not configured with the shown secret

    response = admin.post(
        reverse("webhooks:new"), {"name": "Warehouse", "url": receiver.url, "events": ["evaluation.completed"]}
    )

    assert response.status_code == 400
    assert "did not pass the validation handshake" in response.content.decode()
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "url": "https://hooks.example.com/", "events": ["evaluation.completed"]}, "name"),
        ({"name": "X", "url": "not a url", "events": ["evaluation.completed"]}, "url"),
        ({"name": "X", "url": "https://hooks.example.com/", "events": ["nope"]}, "events"),
        ({"name": "X", "url": "https://hooks.example.com/"}, "events"),
        ({"name": "X", "url": "https://127.0.0.1/x", "events": ["evaluation.completed"]}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_for, data, field):
    response = client_for("admin").post(reverse("webhooks:new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Endpoint.objects.exists()


def test_resend_and_delete(client_for, personas, receiver, endpoint_for, django_capture_on_commit_callbacks):
    from cxq.webhooks import services

    endpoint = endpoint_for()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_send_test(by=personas.admin, endpoint=endpoint)
    admin = client_for("admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("webhooks:resend", args=[delivery.uuid]))
    assert response.status_code == 302
    assert receiver.requests_for(str(delivery.event_id)) == 2
    delivery.refresh_from_db()
    assert delivery.status == OutboxStatus.SENT

    Delivery.objects.filter(pk=delivery.pk).update(status=OutboxStatus.PENDING)
    again = admin.post(reverse("webhooks:resend", args=[delivery.uuid]))
    assert _messages(again)[-1] == "This delivery is already waiting to be sent."

    gone = admin.post(reverse("webhooks:delete", args=[endpoint.uuid]))
    assert gone.status_code == 302 and not Endpoint.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor_a", "manager_b", "evaluator", "agent_a1", "norole"])
def test_only_administrators_see_the_pages(client_for, persona):
    assert client_for(persona).get(reverse("webhooks:list")).status_code == 403
    assert client_for(persona).get(reverse("webhooks:new")).status_code == 403


# --- API ------------------------------------------------------------------------------------------


def test_the_api_generates_a_secret_creates_lists_tests_and_resends(
    client_for, receiver, django_capture_on_commit_callbacks
):
    api = client_for("admin")
    secret = api.post("/api/v1/webhooks/secrets").json()["secret"]
    receiver.secret = secret

    created = api.post(
        "/api/v1/webhooks/endpoints",
        {"name": "BI", "url": receiver.url, "events": ["evaluation.completed"], "secret": secret},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "secret" not in body and body["enabled"] is True
    uuid = body["id"]

    assert [e["id"] for e in api.get("/api/v1/webhooks/endpoints").json()["results"]] == [uuid]
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"/api/v1/webhooks/endpoints/{uuid}/test")
    assert queued.status_code == 200
    log = api.get(f"/api/v1/webhooks/endpoints/{uuid}/deliveries").json()["results"]
    assert [(d["event_type"], d["status"], d["log"][0]["response_code"]) for d in log] == [
        ("webhook.test", "sent", 200)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/webhooks/deliveries/{log[0]['id']}/resend").status_code == 200
    assert receiver.requests_for(log[0]["event_id"]) == 2

    patched = api.patch(f"/api/v1/webhooks/endpoints/{uuid}", {"enabled": False}, content_type="application/json")
    assert patched.json()["enabled"] is False
    names = [e["name"] for e in api.get("/api/v1/webhooks/events").json()]
    assert "calibration.completed" in names and "evaluation.acknowledged" in names
    assert api.delete(f"/api/v1/webhooks/endpoints/{uuid}").status_code == 204


def test_the_api_refuses_a_secret_cxq_did_not_make(client_for):
    response = client_for("admin").post(
        "/api/v1/webhooks/endpoints",
        {"name": "BI", "url": "https://hooks.example.com/", "events": ["evaluation.completed"], "secret": "hunter2"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["secret"]
