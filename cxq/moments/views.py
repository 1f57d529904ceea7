"""Pages of moments (docs/moments.md): the library, a moment, creating one from the interaction page,
sharing, external links, the sharing policy, and the public viewer of an external link (no login)."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.models import Role, Team, User
from cxq.accounts.selectors import agents_in_scope, team_list
from cxq.interactions.selectors import interaction_get_for
from cxq.lib.media import ranged_response
from cxq.lib.urls import absolute_url
from cxq.moments import policies, selectors, services
from cxq.moments.filters import MomentFilter
from cxq.moments.models import Moment, ShareLink, SharePolicy


def _problems(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{m}" for messages_ in exc.message_dict.values() for m in messages_)
    return " ".join(exc.messages)


@perm_required("interactions.view")
def moment_list(request):
    viewer = request.user
    creators = User.objects.filter(pk__in=Moment.objects.values("created_by")).order_by("full_name")
    filterset = MomentFilter(
        request.GET or None, agents=agents_in_scope(viewer=viewer), teams=team_list(viewer=viewer), creators=creators
    )
    cursor = request.GET.get("cursor", "")
    page = selectors.moment_page(selectors.moment_list(viewer=viewer, filters=filterset), cursor, 25)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": filterset.form,
        "rows": page.rows,
        "next_cursor": page.next,
        "previous_cursor": page.previous,
        "paged": bool(cursor),
        "query": query.urlencode(),
    }
    return render(request, "moments/list.html", context)


@perm_required("interactions.view")
def moment_detail(request, uuid):
    moment = selectors.moment_get_for(viewer=request.user, uuid=uuid)
    user = request.user
    context = {
        "moment": moment,
        "can_open_interaction": selectors.interaction_visible(viewer=user, moment=moment),
        "can_share": policies.may_share(user),
        "can_share_external": policies.may_share_external(user)
        and selectors.interaction_visible(viewer=user, moment=moment),
        "can_delete": policies.may_delete(user, moment),
        "policy": policies.policy_for(user),
        "shares": list(moment.shares.select_related("user", "team", "shared_by")),
        "links": list(moment.links.select_related("created_by").prefetch_related("views")),
        "people": User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("full_name"),
        "teams": Team.objects.order_by("name"),
        "new_link": request.session.pop("moments_new_link", None),
        "now": timezone.now(),
    }
    return render(request, "moments/detail.html", context)


@require_POST
@perm_required("moments.share")
def moment_create(request, uuid):
    """From the interaction page (docs/moments.md#making-a-moment): the range, a title, a note and tags."""
    interaction = interaction_get_for(viewer=request.user, uuid=uuid)
    data = request.POST
    try:
        moment = services.moment_create(
            by=request.user,
            interaction=interaction,
            start=data.get("start"),
            end=data.get("end"),
            title=data.get("title", ""),
            note=data.get("note", ""),
            tags=data.get("tags", ""),
        )
    except ValidationError as exc:
        messages.error(request, f"The moment was not saved: {_problems(exc)}")
        return redirect(reverse("interactions:detail", args=[interaction.uuid]) + "#moments")
    messages.success(request, f"Moment “{moment.title}” saved.")
    return redirect("moments:detail", uuid=moment.uuid)


@require_POST
@perm_required("interactions.view")
def moment_delete(request, uuid):
    moment = selectors.moment_get_for(viewer=request.user, uuid=uuid)
    services.moment_delete(by=request.user, moment=moment)
    messages.success(request, "Moment deleted.")
    return redirect("moments:list")


@perm_required("interactions.view")
def moment_clip(request, uuid):
    moment = selectors.moment_get_for(viewer=request.user, uuid=uuid)
    return _clip_response(request, moment)


def _clip_response(request, moment: Moment):
    if moment.status != Moment.Status.READY or not moment.clip:
        raise Http404("This clip is not available.")
    return ranged_response(
        request, moment.clip.open("rb"), size=moment.clip.size, content_type=moment.clip_content_type
    )


@require_POST
@perm_required("moments.share")
def moment_share(request, uuid):
    moment = selectors.moment_get_for(viewer=request.user, uuid=uuid)
    users = list(User.objects.filter(uuid__in=_uuids(request.POST.getlist("users")), is_active=True))
    teams = list(Team.objects.filter(uuid__in=_uuids(request.POST.getlist("teams"))))
    try:
        made = services.moment_share(by=request.user, moment=moment, users=users, teams=teams)
    except ValidationError as exc:
        messages.error(request, _problems(exc))
    else:
        messages.success(request, f"Shared with {len(made)} more." if made else "Already shared with them.")
    return redirect("moments:detail", uuid=moment.uuid)


def _uuids(values) -> list[str]:
    import uuid as uuid_module

    clean = []
    for value in values[:200]:
        try:
            clean.append(str(uuid_module.UUID(value)))
        except ValueError:
            continue
    return clean


@require_POST
@perm_required("moments.share_external")
def link_create(request, uuid):
    moment = selectors.moment_get_for(viewer=request.user, uuid=uuid)
    try:
        link, token = services.link_create(
            by=request.user,
            moment=moment,
            expires_in_days=request.POST.get("expires_in_days"),
            password=request.POST.get("password", ""),
        )
    except ValidationError as exc:
        messages.error(request, f"No link was made: {_problems(exc)}")
    else:
        # shown once, on the next page only: the token itself is not stored
        request.session["moments_new_link"] = absolute_url(reverse("moments:public", args=[token]))
        messages.success(request, "External link made: copy it now, it is shown only once.")
    return redirect("moments:detail", uuid=moment.uuid)


@require_POST
@perm_required("moments.share")
def link_revoke(request, uuid):
    link = get_object_or_404(ShareLink.objects.select_related("moment"), uuid=uuid)
    selectors.moment_get_for(viewer=request.user, uuid=link.moment.uuid)  # 404 outside the viewer's scope
    services.link_revoke(by=request.user, link=link)
    messages.success(request, "The link is revoked: it no longer opens.")
    return redirect("moments:detail", uuid=link.moment.uuid)


@perm_required("settings.edit")
def policy_edit(request):
    roles = list(Role.objects.order_by("name"))
    policies_by_role = {p.role_id: p for p in SharePolicy.objects.all()}
    if request.method == "POST":
        try:
            for role in roles:
                services.policy_update(
                    by=request.user,
                    role=role,
                    password_required=request.POST.get(f"password_{role.pk}") == "on",
                    max_expiry_days=request.POST.get(f"days_{role.pk}", policies.DEFAULT_MAX_EXPIRY_DAYS),
                )
        except ValidationError as exc:
            messages.error(request, f"Not saved: {_problems(exc)}")
            return redirect("moments:policy")
        messages.success(request, "Sharing policy saved. Links that no longer fit it stop opening.")
        return redirect("moments:policy")
    rows = []
    for role in roles:
        row = policies_by_role.get(role.pk)
        rows.append(
            {
                "role": role,
                "allowed": "moments.share_external" in (role.permissions or []),
                "password_required": row.password_required if row else False,
                "max_expiry_days": row.max_expiry_days if row else policies.DEFAULT_MAX_EXPIRY_DAYS,
            }
        )
    return render(request, "moments/policy.html", {"rows": rows})


# --- The public viewer of an external link (docs/moments.md#the-external-viewer) ----------------

SESSION_KEY = "moment_links"


def _public_link(request, token: str) -> tuple[ShareLink | None, object]:
    """The link, or the plain page that answers instead (404 unknown, 410 no longer valid)."""
    link = selectors.link_by_token(token)
    if link is None:
        return None, render(request, "moments/public/gone.html", {"reason": "unknown"}, status=404)
    reason = policies.link_refusal(link, now=timezone.now())
    if reason is not None:
        return None, render(request, "moments/public/gone.html", {"reason": reason}, status=410)
    return link, None


def _unlocked(request, link: ShareLink) -> bool:
    return not link.has_password or link.pk in request.session.get(SESSION_KEY, [])


@login_not_required
@never_cache
def public_view(request, token):
    link, refusal = _public_link(request, token)
    if refusal is not None:
        return refusal
    ip = get_client_ip_address(request)
    problem = ""
    if not _unlocked(request, link):
        if request.method == "POST":
            try:
                ok = services.link_check_password(link=link, password=request.POST.get("password", ""), ip=ip)
            except services.LinkLocked:
                return render(request, "moments/public/locked.html", status=429)
            if ok:
                request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), link.pk][-50:]
                return redirect("moments:public", token=token)
            problem = "That password is not right."
        elif services.link_locked(link, ip):
            return render(request, "moments/public/locked.html", status=429)
        return render(request, "moments/public/password.html", {"problem": problem}, status=403 if problem else 200)
    services.link_viewed(link=link, ip=ip, user_agent=request.headers.get("User-Agent", ""))
    return render(request, "moments/public/view.html", {"moment": link.moment, "link": link, "token": token})


@login_not_required
def public_clip(request, token):
    link, refusal = _public_link(request, token)
    if refusal is not None:
        return refusal
    if not _unlocked(request, link):
        raise PermissionDenied("Enter the link's password first.")
    return _clip_response(request, link.moment)
