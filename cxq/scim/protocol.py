"""The SCIM 2.0 service (RFC 7644) at /scim/v2/: plain Django views, not the ninja API
(docs/scim.md#why-not-the-rest-api).

Every answer is ``application/scim+json``; every refusal is a SCIM error (``status``, ``scimType``,
``detail``), never Django's HTML or a 500. Requests need ``Authorization: Bearer cxqscim_…``."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import pydantic
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    Group,
    InvalidSyntaxException,
    ListResponse,
    NotFoundException,
    NotImplementedException,
    PatchOp,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
    UniquenessException,
)

from cxq.scim import resources, selectors, services
from cxq.scim.query import GROUP_COLUMNS, USER_COLUMNS, filter_q
from cxq.scim.resources import UserResource

CONTENT_TYPE = "application/scim+json"
logger = logging.getLogger("cxq.scim")
# What a list reads from the query string (GET) or the SearchRequest body (POST …/.search).
_SEARCH_KEYS = ("filter", "startIndex", "count", "attributes", "excludedAttributes")


def _json(data: Any, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name] = value
    return response


def _error(error: Error) -> HttpResponse:
    status = int(error.status or 400)
    headers = {"WWW-Authenticate": 'Bearer realm="CXQ SCIM"'} if status == 401 else {}
    return _json(error.model_dump(scim_ctx=Context.DEFAULT), status, **headers)


def _refuse(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    return _error(Error(status=status, scim_type=scim_type, detail=detail))


def _validation_detail(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.message_dict.items()))
        return f"{field}: {errors[0]}"
    return "; ".join(exc.messages)


def endpoint(view: Callable) -> Callable:
    """Authenticate the token, then answer SCIM errors for everything that can go wrong."""

    @csrf_exempt
    @login_not_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            auth = request.headers.get("Authorization", "")
            scheme, _, raw = auth.partition(" ")
            token = services.scim_token_authenticate(raw.strip()) if scheme.lower() == "bearer" else None
            if token is None:
                raise UnauthorizedException(detail="Send a valid SCIM token: Authorization: Bearer cxqscim_…")
            request.scim_token = token
            request.scim_base = request.build_absolute_uri("/scim/v2/")
            return view(request, *args, **kwargs)
        except SCIMException as exc:
            return _error(exc.to_error())
        except pydantic.ValidationError as exc:
            return _error(Error.from_validation_errors(exc)[0])
        except ValidationError as exc:  # the accounts services refuse (e.g. the last active admin)
            return _refuse(400, _validation_detail(exc), "invalidValue")
        except PermissionDenied as exc:
            return _refuse(403, str(exc) or "Forbidden.")
        except RequestDataTooBig:
            return _refuse(413, "The request body is too large.")
        except IntegrityError:  # a concurrent request took the same userName or displayName
            return _error(UniquenessException(detail="Another resource already has this value.").to_error())
        except Exception:  # a bug: logged, and still answered in SCIM's terms
            logger.exception("SCIM request failed: %s %s", request.method, request.path)
            return _refuse(500, "CXQ could not process this request; the error was logged.")

    return wrapped


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="The body is not JSON.") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return data


def _not_allowed(request: HttpRequest) -> HttpResponse:
    return _refuse(405, f"{request.method} is not supported here.")


def _search(request: HttpRequest, model, body: dict | None = None) -> SearchRequest:
    source = request.GET if body is None else body
    params = {key: source[key] for key in _SEARCH_KEYS if key in source}
    return SearchRequest[model].model_validate(params, scim_ctx=Context.SEARCH_REQUEST)


def _list(request, search: SearchRequest, model, queryset, columns, render) -> HttpResponse:
    if search.filter is not None:
        queryset = queryset.filter(filter_q(search.filter, columns)).distinct()
    start = search.start_index or 1
    count = resources.DEFAULT_COUNT if search.count is None else min(search.count, resources.MAX_COUNT)
    total = queryset.count()
    page = list(queryset[start - 1 : start - 1 + count]) if count else []
    items = [render(obj, request.scim_base) for obj in page]
    body = ListResponse[model](total_results=total, start_index=start, items_per_page=len(items), resources=items)
    return _json(body.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search))


def _resource(obj, status: int = 200, *, request=None, **headers) -> HttpResponse:
    params = None
    if request is not None and ("attributes" in request.GET or "excludedAttributes" in request.GET):
        params = _search(request, type(obj))
    context = Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    return _json(obj.model_dump(scim_ctx=context, response_parameters=params), status, **headers)


# --- Users ----------------------------------------------------------------------------------------


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _user(resource_id: str):
    key = _uuid(resource_id)
    user = selectors.scim_users().filter(uuid=key).first() if key else None
    if user is None:
        raise NotFoundException(detail=f"No User has the id {resource_id!r}.")
    return user


@endpoint
def users(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        search = _search(request, UserResource)
        return _list(request, search, UserResource, selectors.scim_users(), USER_COLUMNS, _render_user)
    if request.method == "POST":
        resource = UserResource.model_validate(_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        user = services.scim_user_create(token=request.scim_token, data=resources.user_data(resource))
        created = _render_user(_reload_user(user), request.scim_base)
        return _resource(created, 201, Location=created.meta.location)
    return _not_allowed(request)


@endpoint
def users_search(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _not_allowed(request)
    search = _search(request, UserResource, _body(request))
    return _list(request, search, UserResource, selectors.scim_users(), USER_COLUMNS, _render_user)


def _render_user(user, base):
    return resources.user_resource(user, base)


def _reload_user(user):
    return selectors.scim_users().get(pk=user.pk)


@endpoint
def user(request: HttpRequest, resource_id: str) -> HttpResponse:
    person = _user(resource_id)
    base, token = request.scim_base, request.scim_token
    if request.method == "GET":
        return _resource(_render_user(person, base), request=request)
    if request.method == "PUT":
        resource = UserResource.model_validate(_body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        before = _render_user(person, base)
        services.scim_user_replace(token=token, user=person, data=resources.user_data(resource, before=before))
        return _resource(_render_user(_reload_user(person), base))
    if request.method == "PATCH":
        patch = PatchOp[UserResource].model_validate(_body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        resource, before = _render_user(person, base), _render_user(person, base)
        patch.patch(resource)
        services.scim_user_replace(token=token, user=person, data=resources.user_data(resource, before=before))
        return _resource(_render_user(_reload_user(person), base))
    if request.method == "DELETE":
        services.scim_user_delete(token=token, user=person)
        return HttpResponse(status=204)
    return _not_allowed(request)


# --- Groups ---------------------------------------------------------------------------------------


def _group(resource_id: str):
    key = _uuid(resource_id)
    team = selectors.scim_groups().filter(uuid=key).first() if key else None
    if team is None:
        raise NotFoundException(detail=f"No Group has the id {resource_id!r}.")
    return team


def _reload_group(team):
    return selectors.scim_groups().get(pk=team.pk)


@endpoint
def groups(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        search = _search(request, Group)
        return _list(request, search, Group, selectors.scim_groups(), GROUP_COLUMNS, resources.group_resource)
    if request.method == "POST":
        resource = Group.model_validate(_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        team = services.scim_group_create(token=request.scim_token, data=resources.group_data(resource))
        created = resources.group_resource(_reload_group(team), request.scim_base)
        return _resource(created, 201, Location=created.meta.location)
    return _not_allowed(request)


@endpoint
def groups_search(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _not_allowed(request)
    search = _search(request, Group, _body(request))
    return _list(request, search, Group, selectors.scim_groups(), GROUP_COLUMNS, resources.group_resource)


@endpoint
def group(request: HttpRequest, resource_id: str) -> HttpResponse:
    team = _group(resource_id)
    base, token = request.scim_base, request.scim_token
    if request.method == "GET":
        return _resource(resources.group_resource(team, base), request=request)
    if request.method in ("PUT", "PATCH"):
        if request.method == "PUT":
            resource = Group.model_validate(_body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        else:
            patch = PatchOp[Group].model_validate(_body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
            resource = resources.group_resource(team, base)
            patch.patch(resource)
        data = resources.group_data(resource, replacing=True)
        services.scim_group_replace(token=token, team=team, data=data)
        return _resource(resources.group_resource(_reload_group(team), base))
    if request.method == "DELETE":
        services.scim_group_delete(token=token, team=team)
        return HttpResponse(status=204)
    return _not_allowed(request)


# --- Discovery ------------------------------------------------------------------------------------


@endpoint
def service_provider_config(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _not_allowed(request)
    return _resource(resources.service_provider_config(request.scim_base))


def _discovery_list(request, items) -> HttpResponse:
    body = ListResponse[type(items[0])](
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _json(body.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


def _discovery_item(items, key: str, kind: str) -> HttpResponse:
    for item in items:
        if item.id == key:
            return _resource(item)
    raise NotFoundException(detail=f"No {kind} has the id {key!r}.")


@endpoint
def schemas(request: HttpRequest, schema_id: str | None = None) -> HttpResponse:
    if request.method != "GET":
        return _not_allowed(request)
    items = resources.schemas(request.scim_base)
    return _discovery_item(items, schema_id, "Schema") if schema_id else _discovery_list(request, items)


@endpoint
def resource_types(request: HttpRequest, name: str | None = None) -> HttpResponse:
    if request.method != "GET":
        return _not_allowed(request)
    items = resources.resource_types(request.scim_base)
    return _discovery_item(items, name, "ResourceType") if name else _discovery_list(request, items)


@endpoint
def unsupported(request: HttpRequest, rest: str) -> HttpResponse:
    """/Bulk and /Me are optional (RFC 7644 §3.7, §3.11): 501; anything else: 404."""
    if rest.strip("/") in ("Bulk", "Me") or rest.startswith("Me/"):
        raise NotImplementedException(detail=f"CXQ does not support /{rest.strip('/')}.")
    raise NotFoundException(detail=f"There is no SCIM endpoint /{rest}.")
