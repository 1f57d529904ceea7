"""Who may do what with evaluation goals (docs/goals.md#who-sees-what)."""

from __future__ import annotations

from cxq.accounts.permissions import has_perm


def may_view(user) -> bool:
    return has_perm(user, "goals.view")


def may_edit(user) -> bool:
    return has_perm(user, "goals.edit")


def possible_evaluators(viewer) -> list:
    """People the viewer may put on a goal: active people in their scope who may evaluate."""
    from cxq.evaluations.policies import possible_assignees

    return possible_assignees(viewer)
