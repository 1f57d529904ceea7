"""Pages under Administration → Webhooks (docs/webhooks.md#pages); thin: forms, services, selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.forms import apply_service_errors
from cxq.lib.outbox import OutboxStatus
from cxq.webhooks import registry, selectors, services
from cxq.webhooks.forms import EndpointForm
from cxq.webhooks.policies import PERMISSION

DRAFT_SECRET = "webhook_draft_secret"


@perm_required(PERMISSION)
def endpoint_list(request):
    endpoints = selectors.endpoint_list(viewer=request.user)
    return render(request, "webhooks/list.html", {"endpoints": endpoints, "events": registry.EVENTS})


@perm_required(PERMISSION)
def endpoint_new(request):
    """The secret is generated when the form opens and shown only on this form (the receiver needs it
    to answer the handshake); it waits in the session until the endpoint is created with it."""
    secret = request.session.get(DRAFT_SECRET) or services.secret_generate(by=request.user)
    request.session[DRAFT_SECRET] = secret
    form = EndpointForm(request.POST or None, initial={"enabled": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(by=request.user, secret=secret, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            del request.session[DRAFT_SECRET]
            messages.success(request, f"Endpoint “{endpoint.name}” created: it answered the validation handshake.")
            return redirect("webhooks:detail", uuid=endpoint.uuid)
    context = {"form": form, "secret": secret}
    return render(request, "webhooks/form.html", context, status=400 if form.errors else 200)


@perm_required(PERMISSION)
def endpoint_detail(request, uuid):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    initial = {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(by=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:detail", uuid=endpoint.uuid)
    status = request.GET.get("status", "")
    if status not in OutboxStatus.values:
        status = ""
    deliveries = selectors.delivery_list(viewer=request.user, endpoint=endpoint, status=status)
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": Paginator(deliveries, 25).get_page(request.GET.get("page")),
        "status": status,
        "statuses": OutboxStatus.choices,
    }
    return render(request, "webhooks/detail.html", context, status=400 if form.errors else 200)


@require_POST
@perm_required(PERMISSION)
def endpoint_test(request, uuid):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    try:
        services.endpoint_send_test(by=request.user, endpoint=endpoint)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Test event queued; its delivery appears in the log below.")
    return redirect("webhooks:detail", uuid=endpoint.uuid)


@require_POST
@perm_required(PERMISSION)
def endpoint_delete(request, uuid):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    services.endpoint_delete(by=request.user, endpoint=endpoint)
    messages.success(request, f"Endpoint “{endpoint.name}” deleted; it receives nothing more.")
    return redirect("webhooks:list")


@require_POST
@perm_required(PERMISSION)
def delivery_resend(request, uuid):
    delivery = selectors.delivery_get(viewer=request.user, uuid=uuid)
    try:
        services.delivery_resend(by=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{delivery.event_type} queued again with the same event id.")
    return redirect("webhooks:detail", uuid=delivery.endpoint.uuid)
