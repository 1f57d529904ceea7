"""API token names stay on one line (service, page form, API schema), and the tokens page shows
each token's last use in the owner's time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cxq.accounts import services
from cxq.accounts.models import ApiToken
from cxq.notifications.models import OutboundEmail

BAD_NAMES = ["nightly\r\nimport", "nightly\nBcc: someone@example.com", "tab\there", "nul\x00byte", "line\u2028sep"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_service_refuses_a_token_name_with_a_line_break_or_control_character(personas, name):
    with pytest.raises(ValidationError) as exc:
        services.api_token_create(user=personas.agent_a1, name=name)
    assert exc.value.message_dict == {"name": ["Keep the name on one line, without tabs or other control characters."]}
    assert not ApiToken.objects.exists() and not OutboundEmail.objects.exists()


def test_a_token_name_is_trimmed_and_bounded(personas):
    token, _ = services.api_token_create(user=personas.agent_a1, name="  nightly import  ")
    assert token.name == "nightly import"
    services.api_token_create(user=personas.agent_a1, name="x" * 100)
    with pytest.raises(ValidationError) as exc:
        services.api_token_create(user=personas.agent_a1, name="x" * 101)
    assert exc.value.message_dict == {"name": ["Keep the name to 100 characters or fewer."]}
    assert ApiToken.objects.count() == 2


def test_the_new_token_mail_is_delivered(personas, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        services.api_token_create(user=personas.agent_a1, name="nightly import")
    assert [m.subject for m in mailoutbox] == ["New API token “nightly import”"]
    assert OutboundEmail.objects.get().status == "sent"


def test_the_page_form_shows_the_error_next_to_the_name_and_creates_nothing(client_for):
    response = client_for("agent_a1").post(reverse("accounts:tokens"), {"name": "nightly\r\nimport"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "Keep the name on one line, without tabs or other control characters."
    ]
    assert not ApiToken.objects.exists() and not OutboundEmail.objects.exists()


def test_the_api_refuses_a_multi_line_token_name_naming_the_field(client_for):
    response = client_for("agent_a1").post(
        "/api/v1/tokens", json.dumps({"name": "nightly\r\nimport"}), content_type="application/json"
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "name"
    assert "Keep the name on one line" in error["msg"]
    assert not ApiToken.objects.exists() and not OutboundEmail.objects.exists()


def test_using_a_token_records_its_last_use(personas):
    token, raw = services.api_token_create(user=personas.agent_a1, name="script")
    assert token.last_used_at is None
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_tokens_page_shows_the_last_use_in_my_time_zone_and_never_when_unused(client_for, personas):
    personas.agent_a1.time_zone = "Asia/Tokyo"
    personas.agent_a1.save(update_fields=["time_zone"])
    used, _ = services.api_token_create(user=personas.agent_a1, name="used one")
    services.api_token_create(user=personas.agent_a1, name="unused one")
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC))
    html = client_for("agent_a1").get(reverse("accounts:tokens")).content.decode()
    assert "2030-01-02 12:04" in html  # 03:04 UTC is 12:04 in Tokyo
    assert "Asia/Tokyo" in html.split("Last used")[1][:200]
    assert html.count('<span class="muted">never</span>') == 1  # the unused one
