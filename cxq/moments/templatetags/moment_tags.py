"""What moments show on the interaction page (docs/moments.md#making-a-moment): the panel to mark a
range and the moments already made. Interactions sit below moments in the app layers, so their page
loads this tag instead of their view importing moments (docs/architecture.md, "Layers")."""

from __future__ import annotations

from django import template

from cxq.accounts.permissions import has_perm
from cxq.moments import policies, selectors

register = template.Library()


@register.inclusion_tag("moments/_panel.html", takes_context=True)
def moment_panel(context, interaction):
    user = context["request"].user
    visible = has_perm(user, "interactions.view")
    return {
        "interaction": interaction,
        "moments": selectors.interaction_moments(viewer=user, interaction=interaction) if visible else [],
        "can_create": policies.may_create(user),
        "csrf_token": context.get("csrf_token"),
    }
