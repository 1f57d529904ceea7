"""What the automations app shows on its own and other apps' pages: a condition in words, and an
interaction's matching log (the interaction page loads this tag; interactions sits below automations)."""

from __future__ import annotations

from django import template

from cxq.accounts.permissions import has_perm
from cxq.automations import selectors

register = template.Library()


@register.simple_tag
def condition_text(condition: dict) -> str:
    """ "Channel is voice and (Queue is Sales or Mentions Greeting)"; "every interaction" for an empty all."""
    names = selectors._names(condition)

    def words(node: dict, top: bool) -> str:
        (kind, items) = next(iter(node.items()))
        if not items:
            return "every interaction" if kind == "all" else "no interaction"
        parts = [selectors.describe(i, names) if "field" in i else words(i, False) for i in items]
        text = (" and " if kind == "all" else " or ").join(parts)
        return text if top or len(parts) == 1 else f"({text})"

    return words(condition, True)


@register.simple_tag(takes_context=True)
def interaction_matches(context, interaction) -> list | None:
    """The interaction's matching log, for those who may see automations."""
    if not has_perm(context["request"].user, "automations.view"):
        return None
    return selectors.matches_for(interaction)
