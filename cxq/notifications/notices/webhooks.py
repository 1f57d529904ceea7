"""Webhook notices: administrators are told when CXQ disables an endpoint that kept failing."""

from __future__ import annotations

from django.urls import reverse

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm
from cxq.events import DomainEvent, Name
from cxq.notifications.services import notify


def on_endpoint_disabled(event: DomainEvent) -> None:
    endpoint = event.subject
    admins = [
        u
        for u in User.objects.filter(is_active=True).select_related("role").order_by("pk")
        if has_perm(u, "settings.edit")
    ]
    for admin in admins:
        notify(
            recipient=admin,
            kind=Name.WEBHOOK_ENDPOINT_DISABLED,
            title=f"Webhook endpoint “{endpoint.name}” was disabled",
            body=(
                f"Every delivery to {endpoint.url} has failed since {event.data.get('failing_since', '?')} "
                f"(last: {event.data.get('error', '')}). Fix the receiver, then enable the endpoint again "
                "and resend what failed."
            ),
            url=reverse("webhooks:detail", args=[endpoint.uuid]),
        )
