"""The REST API (docs/api.md): one NinjaAPI at /api/v1/, routers per app, one error shape {"detail": …}."""

from __future__ import annotations

import json

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from cxq.accounts.services import api_token_authenticate

BODY_NOT_AN_OBJECT = {"type": "dict_type", "loc": ["body"], "msg": "The request body must be a JSON object."}


class FastJSONParser(Parser):
    """Request bodies through orjson (a 500-interaction bulk body parses in half the time,
    docs/performance.md#ingest-throughput);
    what it refuses but Python's json reads (NaN, integers beyond 64 bits) falls back to json, so
    validation, not the parser, names the bad field.

    Every request body of this API is a JSON object. Anything else is refused here: ninja's schemas
    read their fields as attributes, so ``true`` or ``[]`` would otherwise pass as a body whose fields
    all have defaults (``POST /roles/{id}/duplicate`` with ``true`` created a role)."""

    def parse_body(self, request):
        try:
            data = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NinjaValidationError([dict(BODY_NOT_AN_OBJECT)])
        return data


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cxq_…`` with a personal API token (scoped by the owner's role)."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="CXQ API",
    version="1",
    description=(
        "Quality management for contact centers. Authenticate with a personal API token "
        "(`Authorization: Bearer cxq_…`, created under Account → API tokens) or the browser session."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    parser=FastJSONParser(),
)


def _validation_detail(exc: ValidationError) -> tuple[str, dict]:
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
        first_field, first = next(iter(errors.items()))
        label = "" if first_field == "__all__" else f"{first_field}: "
        return f"{label}{first[0]}", errors
    return "; ".join(exc.messages), {}


def on_stale_edit(request, exc):
    """docs/evaluations.md#concurrent-edits: someone saved a newer version; the client must reload before changing
    anything."""
    return api.create_response(request, {"detail": "; ".join(exc.messages)}, status=409)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    from cxq.evaluations.services import StaleEdit

    if isinstance(exc, StaleEdit):
        return on_stale_edit(request, exc)
    detail, errors = _validation_detail(exc)
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    return api.create_response(request, {"detail": [_issue(e) for e in exc.errors]}, status=422)


def _issue(error: dict) -> dict:
    """Pydantic's problems name their place (``loc``); ninja's cursor pagination reports
    ``{"cursor": "Invalid Cursor"}`` instead: given the same shape, so every 422 reads alike."""
    if "loc" in error:
        return error
    (name, message), *_ = error.items()
    return {"type": "value_error", "loc": ["query", name], "msg": str(message)}


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Permission denied."}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc: AuthenticationError):
    return api.create_response(request, {"detail": "Authentication required."}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # ninja reports whatever the parser raises as "Cannot parse request body" (400); a body that is
    # JSON but not an object is a validation problem, reported as one (FastJSONParser).
    if isinstance(exc.__cause__, NinjaValidationError):
        return on_schema_error(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _mount() -> None:
    from cxq.accounts.api import router as accounts_router
    from cxq.analytics.api import router as analytics_router
    from cxq.audit.api import router as audit_router
    from cxq.automations.api import router as automations_router
    from cxq.calibrations.api import router as calibrations_router
    from cxq.coaching.api import router as coaching_router
    from cxq.evaluations.api import router as evaluations_router
    from cxq.goals.api import router as goals_router
    from cxq.interactions.api import router as interactions_router
    from cxq.moments.api import router as moments_router
    from cxq.notifications.api import router as notifications_router
    from cxq.schedules.api import router as schedules_router
    from cxq.scorecards.api import router as scorecards_router
    from cxq.webhooks.api import router as webhooks_router

    api.add_router("/", accounts_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/audit", audit_router)
    api.add_router("/", scorecards_router)
    api.add_router("/", interactions_router)
    api.add_router("/", evaluations_router)
    api.add_router("/", analytics_router)
    api.add_router("/", calibrations_router)
    api.add_router("/webhooks", webhooks_router)
    api.add_router("/", automations_router)
    api.add_router("/", schedules_router)
    api.add_router("/", goals_router)
    api.add_router("/", moments_router)
    api.add_router("/", coaching_router)


_mount()
