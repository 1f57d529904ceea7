"""The administration page for SCIM tokens (docs/scim.md#tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cxq.accounts.forms import apply_service_errors
from cxq.scim import selectors, services
from cxq.scim.forms import ScimTokenForm
from cxq.scim.models import ScimToken
from cxq.scim.policies import can_manage_tokens


def _require(request) -> None:
    if not can_manage_tokens(request.user):
        raise PermissionDenied("SCIM provisioning needs the permissions to manage users and teams.")


def tokens(request):
    _require(request)
    form = ScimTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.scim_token_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            # Post/redirect/get, as for API tokens: the raw token is in the session for one page view.
            request.session["new_scim_token"] = {"uuid": str(token.uuid), "raw": raw}
            return redirect("scim:tokens")
    created = None
    pending = request.session.pop("new_scim_token", None)
    if pending:
        token = selectors.scim_token_list().filter(uuid=pending["uuid"]).first()
        created = {"token": token, "raw": pending["raw"]} if token else None
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.scim_token_list(),
        "base_url": request.build_absolute_uri("/scim/v2/"),
    }
    return render(request, "scim/tokens.html", context, status=400 if form.errors else 200)


@require_POST
def token_revoke(request, uuid):
    _require(request)
    token = get_object_or_404(ScimToken, uuid=uuid)
    services.scim_token_revoke(by=request.user, token=token)
    messages.success(request, f"SCIM token “{token.name}” revoked; your identity provider can no longer use it.")
    return redirect("scim:tokens")
