"""CXQ's people and teams as SCIM resources, and back (docs/scim.md#attributes).

The models, their validation, the discovery documents and PATCH's semantics are scim2-models'; this
module only says which CXQ value each SCIM attribute is. A value CXQ would store is checked as every
other input is (cxq/lib/inputs.py: no control characters, within the column's length) and refused as
``invalidValue`` naming the attribute."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Email,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    GroupMember,
    GroupMembership,
    InvalidValueException,
    Meta,
    Name,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

from cxq.accounts.models import Team
from cxq.accounts.models import User as Person
from cxq.lib.inputs import text_problem
from cxq.lib.timezones import is_valid_time_zone
from cxq.scim import selectors
from cxq.scim.services import GroupData, UserData

# Identity providers send the enterprise extension (department, manager…) by default: it is accepted
# and not kept, so the User resource type declares it as optional.
UserResource = User[EnterpriseUser]
DEFAULT_COUNT = 100
MAX_COUNT = 200

_EMAIL_MAX = Person._meta.get_field("email").max_length
_NAME_MAX = Person._meta.get_field("full_name").max_length
_TEAM_MAX = Team._meta.get_field("name").max_length
_EXTERNAL_MAX = 255


def _text(value: str | None, attribute: str, max_length: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    problem = text_problem(value)
    if problem:
        raise InvalidValueException(detail=f"{attribute}: {problem}")
    if len(value) > max_length:
        raise InvalidValueException(detail=f"{attribute}: at most {max_length} characters.")
    return value


# --- Users ----------------------------------------------------------------------------------------


def user_resource(user: Person, base: str) -> Any:
    """The User resource of a person (``base`` ends with ``/scim/v2/``)."""
    link = getattr(user, "scim", None)  # no row: never given an externalId nor deleted
    return UserResource(
        id=str(user.uuid),
        external_id=(link.external_id or None) if link else None,
        user_name=user.email,
        display_name=user.full_name,
        name=Name(formatted=user.full_name),
        active=user.is_active,
        emails=[Email(value=user.email, type=Email.Type.work, primary=True)],
        timezone=user.time_zone or None,
        groups=[
            GroupMembership(value=str(t.uuid), display=t.name, ref=f"{base}Groups/{t.uuid}", type="direct")
            for t in user.teams.all()
        ]
        or None,
        meta=Meta(
            resource_type="User",
            created=user.created_at,
            last_modified=user.updated_at,
            location=f"{base}Users/{user.uuid}",
        ),
    )


def _full_names(resource: Any) -> list[str | None]:
    """The ways a resource names a person, most explicit first: displayName, name.formatted, and
    name.givenName + name.familyName."""
    name = resource.name
    parts = [name.given_name, name.family_name] if name else []
    return [
        resource.display_name,
        name.formatted if name else None,
        " ".join(p.strip() for p in parts if p and p.strip()) or None,
    ]


def _full_name(resource: Any, before: Any | None) -> str | None:
    """CXQ keeps one full name. A new person takes the first name given; an existing one takes the
    first that differs from what CXQ shows (so a PUT or PATCH that changes only name.givenName is not
    lost behind an unchanged displayName). None: keep the name."""
    names = _full_names(resource)
    if before is None:
        chosen = next((n for n in names if n and n.strip()), None)
    else:
        chosen = next(
            (n for n, old in zip(names, _full_names(before), strict=True) if n and n.strip() and n != old), None
        )
    return _text(chosen, "name", _NAME_MAX)


def _email(value: str | None) -> str:
    email = _text(value, "userName", _EMAIL_MAX) or ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidValueException(
            detail="userName: CXQ signs people in with their email address; map userName to it."
        ) from None
    return email.lower()


def user_data(resource: Any, *, before: Any | None = None) -> UserData:
    """What a posted (``before`` None) or replaced User resource asks of CXQ. A replacement is whole
    (RFC 7644 §3.5.1): a time zone or externalId it leaves out is cleared."""
    replacing = before is not None
    time_zone = _text(resource.timezone, "timezone", 64)
    if time_zone and not is_valid_time_zone(time_zone):
        raise InvalidValueException(detail=f"timezone: {time_zone!r} is not an IANA time zone CXQ knows.")
    external_id = _text(resource.external_id, "externalId", _EXTERNAL_MAX)
    return UserData(
        email=_email(resource.user_name),
        full_name=_full_name(resource, before),
        active=resource.active,
        time_zone=time_zone if time_zone or not replacing else "",
        external_id=external_id if external_id or not replacing else "",
    )


# --- Groups ---------------------------------------------------------------------------------------


def group_resource(team: Team, base: str) -> Group:
    link = getattr(team, "scim", None)
    members = [
        GroupMember(value=str(u.uuid), display=u.full_name, ref=f"{base}Users/{u.uuid}", type="User")
        for u in team.members.all()
        if selectors.visible_to_scim(u)
    ]
    return Group(
        id=str(team.uuid),
        external_id=(link.external_id or None) if link else None,
        display_name=team.name,
        members=members or None,
        meta=Meta(
            resource_type="Group",
            created=team.created_at,
            last_modified=team.updated_at,
            location=f"{base}Groups/{team.uuid}",
        ),
    )


def _members(members: list[GroupMember] | None) -> tuple[Person, ...]:
    values = []
    for member in members or ():
        if member.type not in (None, "User"):
            raise InvalidValueException(detail="members: a team holds people only, not groups.")
        try:
            values.append(uuid.UUID(str(member.value)))
        except ValueError:
            raise InvalidValueException(detail=f"members: no user has the id {member.value!r}.") from None
    found = {u.uuid: u for u in selectors.scim_users().filter(uuid__in=values)}
    missing = [str(v) for v in values if v not in found]
    if missing:
        raise InvalidValueException(detail=f"members: no user has the id {missing[0]!r}.")
    return tuple(dict.fromkeys(found[v] for v in values))


def group_data(resource: Group, *, replacing: bool = False) -> GroupData:
    name = _text(resource.display_name, "displayName", _TEAM_MAX)
    if not name:
        raise InvalidValueException(detail="displayName: give the group a name.")
    external_id = _text(resource.external_id, "externalId", _EXTERNAL_MAX)
    return GroupData(
        name=name,
        members=_members(resource.members),
        external_id=external_id if external_id or not replacing else "",
    )


# --- Discovery (RFC 7644 §4) ------------------------------------------------------------------------


def service_provider_config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A SCIM token an administrator creates under Administration → SCIM provisioning.",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}ServiceProviderConfig"),
    )


def schemas(base: str) -> list[Schema]:
    found = []
    for model in (User, Group, EnterpriseUser):
        schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{base}Schemas/{schema.id}")
        found.append(schema)
    return found


def resource_types(base: str) -> list[ResourceType]:
    found = []
    for model in (UserResource, Group):
        rt = ResourceType.from_resource(model)
        rt.meta = Meta(resource_type="ResourceType", location=f"{base}ResourceTypes/{rt.id}")
        found.append(rt)
    return found
