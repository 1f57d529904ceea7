from datetime import datetime
from uuid import UUID

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from cxq.accounts import selectors, services
from cxq.accounts.models import ApiToken, Role, Team, User
from cxq.accounts.permissions import PERMISSIONS, require
from cxq.lib.apischema import OptionalUUID, PublicIdOut, errors, id_text
from cxq.lib.inputs import MultilineText, Text
from cxq.lib.pagination import CursorPagination

router = Router(tags=["accounts"])


# --- Schemas ------------------------------------------------------------------------------------


class RoleRef(PublicIdOut):
    key: str
    name: str


class TeamRef(PublicIdOut):
    name: str


class UserOut(PublicIdOut):
    email: str
    full_name: str
    role: RoleRef | None
    time_zone: str
    external_id: str | None
    is_active: bool
    can_log_in: bool
    created_at: datetime


class MeOut(UserOut):
    permissions: list[str]
    member_of: list[TeamRef]
    leads: list[TeamRef]

    @staticmethod
    def resolve_permissions(obj):
        return sorted(obj.permission_codes)

    @staticmethod
    def resolve_member_of(obj):
        return list(obj.teams.all())

    @staticmethod
    def resolve_leads(obj):
        return list(obj.led_teams.all())


class MeIn(Schema):
    full_name: Text | None = None
    time_zone: Text | None = None


class UserCreateIn(Schema):
    email: Text
    full_name: Text
    role: Text | None = None  # role key
    time_zone: Text = ""
    password: str | None = None
    external_id: Text | None = None
    member_of: list[UUID] = []
    leads: list[UUID] = []


class UserUpdateIn(Schema):
    email: Text | None = None
    full_name: Text | None = None
    role: Text | None = None  # role key; "" removes the role
    time_zone: Text | None = None
    external_id: Text | None = None
    is_active: bool | None = None
    member_of: list[UUID] | None = None
    leads: list[UUID] | None = None


class PasswordIn(Schema):
    password: str
    current_password: str | None = None  # needed only when the password is your own


class MyPasswordIn(Schema):
    current_password: str
    password: str


class TeamOut(PublicIdOut):
    name: str
    description: str
    members: list[UserOut]
    leads: list[UserOut]
    created_at: datetime

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.select_related("role"))

    @staticmethod
    def resolve_leads(obj):
        return list(obj.leads.select_related("role"))


class TeamIn(Schema):
    name: Text
    description: MultilineText = ""
    members: list[UUID] = []
    leads: list[UUID] = []


class TeamPatch(Schema):
    name: Text | None = None
    description: MultilineText | None = None
    members: list[UUID] | None = None
    leads: list[UUID] | None = None


class RoleOut(PublicIdOut):
    key: str
    name: str
    description: str
    is_builtin: bool
    permissions: list[str]
    user_count: int = 0

    @staticmethod
    def resolve_user_count(obj):
        return getattr(obj, "user_count", None) or obj.users.count()


class RoleIn(Schema):
    name: Text
    description: MultilineText = ""
    permissions: list[Text] = []


class RolePatch(Schema):
    name: Text | None = None
    description: MultilineText | None = None
    permissions: list[Text] | None = None


class DuplicateIn(Schema):
    name: Text = ""


class PermissionOut(Schema):
    code: str
    group: str
    label: str


class SettingsOut(Schema):
    name: str
    default_time_zone: str
    acknowledgement_required: bool
    acknowledgement_days: int
    automated_evaluations_count: bool
    unknown_agents: str
    silence_seconds: float
    crosstalk_seconds: float
    dispute_window_days: int
    max_disputes: int
    dispute_response_days: int
    screen_recording_enabled: bool
    recording_retention_days: int | None
    screen_retention_days: int | None
    webhook_secret_set: bool

    @staticmethod
    def resolve_webhook_secret_set(obj):
        return bool(obj.webhook_secret)


class SettingsPatch(Schema):
    name: Text | None = None
    default_time_zone: Text | None = None
    acknowledgement_required: bool | None = None
    acknowledgement_days: int | None = None
    automated_evaluations_count: bool | None = None
    unknown_agents: Text | None = None
    silence_seconds: float | None = None
    crosstalk_seconds: float | None = None
    dispute_window_days: int | None = None
    max_disputes: int | None = None
    dispute_response_days: int | None = None
    webhook_secret: Text | None = None
    screen_recording_enabled: bool | None = None
    recording_retention_days: int | None = Field(None, description="1 to 2557 days; null keeps recordings")
    screen_retention_days: int | None = Field(None, description="1 to 2557 days; null keeps screen recordings")


class TokenOut(PublicIdOut):
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class TokenIn(Schema):
    name: str
    expires_in_days: int | None = None

    @field_validator("name")
    @classmethod
    def _name_on_one_line(cls, value: str) -> str:
        try:
            return services.token_name_clean(value)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.message_dict["name"])) from None


# --- Helpers ------------------------------------------------------------------------------------


def _teams(uuids: list[UUID] | None) -> list[Team] | None:
    if uuids is None:
        return None
    teams = list(Team.objects.filter(uuid__in=uuids))
    missing = set(uuids) - {t.uuid for t in teams}
    if missing:
        from django.core.exceptions import ValidationError

        raise ValidationError({"teams": f"Unknown team id(s): {', '.join(sorted(map(str, missing)))}"})
    return teams


def _users(uuids: list[UUID] | None, field: str) -> list[User] | None:
    if uuids is None:
        return None
    users = list(User.objects.filter(uuid__in=uuids))
    missing = set(uuids) - {u.uuid for u in users}
    if missing:
        from django.core.exceptions import ValidationError

        raise ValidationError({field: f"Unknown user id(s): {', '.join(sorted(map(str, missing)))}"})
    return users


def _role(key: str | None) -> Role | None:
    if not key:
        return None
    role = Role.objects.filter(key=key).first()
    if role is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"role": f"Unknown role {key!r}."})
    return role


def _keep_own_session(request, user: User) -> None:
    """After a password change, the browser session that made it stays signed in (every other
    session of the person ends). A token-authenticated call has no session of the person to keep."""
    if request.session.get(SESSION_KEY) == str(user.pk):
        update_session_auth_hash(request, user)


# --- Me -----------------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **errors()}, summary="The current user, with permissions and teams")
def me(request):
    return request.user


@router.patch("/me", response={200: MeOut, **errors(400, 422)}, summary="Update my name or time zone")
def me_update(request, payload: MeIn):
    user = request.user
    return services.user_update_profile(
        user=user,
        full_name=payload.full_name if payload.full_name is not None else user.full_name,
        time_zone=payload.time_zone if payload.time_zone is not None else user.time_zone,
    )


@router.post(
    "/me/password", response={204: None, **errors(400, 422)}, summary="Change my password (needs the current one)"
)
def me_password(request, payload: MyPasswordIn):
    """Other sessions end; a browser session making the change stays signed in. API tokens keep working."""
    user = request.user
    services.user_set_password(by=user, user=user, password=payload.password, current_password=payload.current_password)
    _keep_own_session(request, user)
    return Status(204, None)


# --- Users --------------------------------------------------------------------------------------


@router.get("/users", response={200: list[UserOut], **errors(422)}, summary="Users in my scope")
@paginate(CursorPagination, ordering=("id",))
def users_list(request, search: Text = "", role: Text = "", team: OptionalUUID = None, status: Text = ""):
    return selectors.user_list(
        viewer=request.user, search=search, role_key=role, team_uuid=id_text(team), status=status
    )


@router.post("/users", response={201: UserOut, **errors(400, 403, 422)}, summary="Create a user (users.manage)")
def users_create(request, payload: UserCreateIn):
    require(request.user, "users.manage")
    user = services.user_create(
        by=request.user,
        email=payload.email,
        full_name=payload.full_name,
        role=_role(payload.role),
        time_zone=payload.time_zone,
        password=payload.password,
        external_id=payload.external_id,
        member_of=_teams(payload.member_of) or [],
        leads=_teams(payload.leads) or [],
    )
    return Status(201, user)


@router.get("/users/{uuid}", response={200: UserOut, **errors(404, 422)})
def users_get(request, uuid: UUID):
    return selectors.user_get_for(viewer=request.user, uuid=uuid)


@router.patch(
    "/users/{uuid}", response={200: UserOut, **errors(400, 403, 404, 422)}, summary="Change a user (users.manage)"
)
def users_update(request, uuid: UUID, payload: UserUpdateIn):
    user = selectors.user_get_for(viewer=request.user, uuid=uuid)
    require(request.user, "users.manage")
    data = payload.model_dump(exclude_unset=True)
    kwargs = {k: data[k] for k in ("email", "full_name", "time_zone", "is_active") if k in data}
    if "role" in data:
        kwargs["role"] = _role(data["role"])
    if "external_id" in data:
        kwargs["external_id"] = data["external_id"]
    return services.user_update(
        by=request.user,
        user=user,
        member_of=_teams(payload.member_of),
        leads=_teams(payload.leads),
        **kwargs,
    )


@router.post(
    "/users/{uuid}/password",
    response={204: None, **errors(400, 403, 404, 422)},
    summary="Set a user's password (users.manage)",
)
def users_password(request, uuid: UUID, payload: PasswordIn):
    user = selectors.user_get_for(viewer=request.user, uuid=uuid)
    services.user_set_password(
        by=request.user, user=user, password=payload.password, current_password=payload.current_password
    )
    _keep_own_session(request, user)
    return Status(204, None)


# --- Teams --------------------------------------------------------------------------------------


@router.get("/teams", response={200: list[TeamOut], **errors(422)}, summary="Teams in my scope")
@paginate(CursorPagination, ordering=("id",))
def teams_list(request, search: Text = ""):
    return selectors.team_list(viewer=request.user, search=search)


@router.post("/teams", response={201: TeamOut, **errors(400, 403, 422)}, summary="Create a team (teams.manage)")
def teams_create(request, payload: TeamIn):
    require(request.user, "teams.manage")
    team = services.team_create(
        by=request.user,
        name=payload.name,
        description=payload.description,
        members=_users(payload.members, "members") or [],
        leads=_users(payload.leads, "leads") or [],
    )
    return Status(201, team)


@router.get("/teams/{uuid}", response={200: TeamOut, **errors(404, 422)})
def teams_get(request, uuid: UUID):
    return selectors.team_get_for(viewer=request.user, uuid=uuid)


@router.patch(
    "/teams/{uuid}", response={200: TeamOut, **errors(400, 403, 404, 422)}, summary="Change a team (teams.manage)"
)
def teams_update(request, uuid: UUID, payload: TeamPatch):
    team = selectors.team_get_for(viewer=request.user, uuid=uuid)
    require(request.user, "teams.manage")
    return services.team_update(
        by=request.user,
        team=team,
        name=payload.name,
        description=payload.description,
        members=_users(payload.members, "members"),
        leads=_users(payload.leads, "leads"),
    )


@router.delete("/teams/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete a team (teams.manage)")
def teams_delete(request, uuid: UUID):
    team = selectors.team_get_for(viewer=request.user, uuid=uuid)
    services.team_delete(by=request.user, team=team)
    return Status(204, None)


# --- Roles --------------------------------------------------------------------------------------


def _require_role_reader(user: User) -> None:
    if not (user.can("roles.manage") or user.can("users.manage")):
        require(user, "roles.manage")


@router.get("/permissions", response={200: list[PermissionOut], **errors()}, summary="Every permission code")
def permissions_list(request):
    return list(PERMISSIONS)


@router.get("/roles", response={200: list[RoleOut], **errors(403, 422)}, summary="Roles (roles.manage or users.manage)")
@paginate(CursorPagination, ordering=("id",))
def roles_list(request):
    _require_role_reader(request.user)
    return selectors.role_list()


@router.post("/roles", response={201: RoleOut, **errors(400, 403, 422)}, summary="Create a custom role (roles.manage)")
def roles_create(request, payload: RoleIn):
    role = services.role_create(
        by=request.user, name=payload.name, description=payload.description, permissions=payload.permissions
    )
    return Status(201, role)


@router.get("/roles/{uuid}", response={200: RoleOut, **errors(403, 404, 422)})
def roles_get(request, uuid: UUID):
    _require_role_reader(request.user)
    return selectors.role_get(uuid=uuid)


@router.patch(
    "/roles/{uuid}", response={200: RoleOut, **errors(400, 403, 404, 422)}, summary="Edit a role (roles.manage)"
)
def roles_update(request, uuid: UUID, payload: RolePatch):
    require(request.user, "roles.manage")
    role = selectors.role_get(uuid=uuid)
    return services.role_update(
        by=request.user,
        role=role,
        name=payload.name,
        description=payload.description,
        permissions=payload.permissions,
    )


@router.post(
    "/roles/{uuid}/duplicate",
    response={201: RoleOut, **errors(400, 403, 404, 422)},
    summary="Duplicate a role (roles.manage)",
)
def roles_duplicate(request, uuid: UUID, payload: DuplicateIn):
    require(request.user, "roles.manage")
    role = selectors.role_get(uuid=uuid)
    return Status(201, services.role_duplicate(by=request.user, role=role, name=payload.name))


@router.delete(
    "/roles/{uuid}",
    response={204: None, **errors(400, 403, 404, 422)},
    summary="Delete an unused custom role (roles.manage)",
)
def roles_delete(request, uuid: UUID):
    require(request.user, "roles.manage")
    services.role_delete(by=request.user, role=selectors.role_get(uuid=uuid))
    return Status(204, None)


# --- Settings -----------------------------------------------------------------------------------


@router.get("/settings", response={200: SettingsOut, **errors(403)}, summary="Organisation settings (settings.edit)")
def settings_get(request):
    return selectors.org_settings_get_for(viewer=request.user)


@router.patch(
    "/settings",
    response={200: SettingsOut, **errors(400, 403, 422)},
    summary="Change organisation settings (settings.edit)",
)
def settings_update(request, payload: SettingsPatch):
    return services.org_settings_update(by=request.user, **payload.model_dump(exclude_unset=True))


# --- API tokens ---------------------------------------------------------------------------------


@router.get("/tokens", response={200: list[TokenOut], **errors(422)}, summary="My API tokens")
@paginate(CursorPagination, ordering=("-id",))
def tokens_list(request):
    return selectors.api_token_list(user=request.user)


@router.post("/tokens", response={201: TokenCreatedOut, **errors(400, 422)}, summary="Create an API token (shown once)")
def tokens_create(request, payload: TokenIn):
    token, raw = services.api_token_create(
        user=request.user, name=payload.name, expires_in_days=payload.expires_in_days
    )
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{uuid}", response={200: TokenOut, **errors(404, 422)}, summary="Revoke one of my API tokens")
def tokens_revoke(request, uuid: UUID):
    token = get_object_or_404(ApiToken, uuid=uuid, user=request.user)
    return services.api_token_revoke(by=request.user, token=token)
