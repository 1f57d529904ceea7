"""Who may do what with evaluations: one place for the rules (docs/evaluations.md, "Who may do what").

Services enforce these rules (they raise when a rule refuses); views, templates and the API only use
them to decide what to show. Each rule comes as a ``*_refusal`` function that returns why the person
may not act (plain words, shown to them) or ``None`` when they may, and a ``may_*`` boolean twin.

The conflict-of-interest rule runs through all of them: nobody judges their own work. A person who
handled an interaction (its agent or one of its other agents) never evaluates it, is never assigned
it, never calibrates it, and never answers a dispute on their own evaluation — whatever their role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxq.accounts.permissions import has_perm
from cxq.evaluations.choices import Status
from cxq.evaluations.sources import source_policy
from cxq.interactions.selectors import interaction_scope

if TYPE_CHECKING:
    from cxq.accounts.models import User
    from cxq.evaluations.models import Evaluation
    from cxq.interactions.models import Interaction


def handler_ids(interaction: Interaction) -> set[int]:
    """The people who handled the interaction: its agent and its other agents."""
    return {interaction.agent_id, *interaction.other_agents.values_list("pk", flat=True)}


def handled(user: User, interaction: Interaction) -> bool:
    """True when the person is the interaction's agent or one of its other agents."""
    if user is None or getattr(user, "pk", None) is None:
        return False
    if interaction.agent_id == user.pk:
        return True
    return interaction.other_agents.filter(pk=user.pk).exists()


def can_see_interaction(user: User, interaction: Interaction) -> bool:
    return has_perm(user, "interactions.view") and interaction_scope(viewer=user).filter(pk=interaction.pk).exists()


def evaluate_refusal(user: User, interaction: Interaction) -> str | None:
    """Why the person may not evaluate this interaction (ad hoc, for a task or for a calibration)."""
    if not has_perm(user, "evaluations.create"):
        return "Your role does not allow evaluating interactions."
    if not can_see_interaction(user, interaction):
        return "You cannot see this interaction."
    if handled(user, interaction):
        return "You handled this interaction: someone else evaluates it."
    return None


def may_evaluate(user: User, interaction: Interaction) -> bool:
    return evaluate_refusal(user, interaction) is None


def assign_refusal(user: User, interaction: Interaction) -> str | None:
    """Why the person may not hand out evaluation tasks for this interaction."""
    if not has_perm(user, "evaluations.assign"):
        return "Your role does not allow assigning evaluations."
    if not can_see_interaction(user, interaction):
        return "You cannot see this interaction."
    return None


def may_assign(user: User, interaction: Interaction) -> bool:
    return assign_refusal(user, interaction) is None


def assignee_refusal(assignee: User, interaction: Interaction) -> str | None:
    """Why this person cannot be given the task of evaluating this interaction."""
    if not assignee.is_active:
        return f"{assignee} is deactivated."
    if handled(assignee, interaction):
        return f"{assignee} handled this interaction and cannot evaluate it."
    if not has_perm(assignee, "evaluations.create") or not can_see_interaction(assignee, interaction):
        return f"{assignee} cannot evaluate this interaction."
    return None


def possible_assignees(viewer: User) -> list:
    """Everyone the viewer may hand a task to: active people in their scope who may evaluate."""
    from cxq.accounts.selectors import user_scope

    people = user_scope(viewer=viewer).filter(is_active=True).select_related("role").order_by("full_name")
    return [u for u in people if has_perm(u, "evaluations.create")]


def assignable(viewer: User, interaction: Interaction) -> list:
    """The people the viewer may give a task on this interaction: possible assignees who did not handle it."""
    handlers = handler_ids(interaction)
    return [u for u in possible_assignees(viewer) if u.pk not in handlers]


def respond_refusal(user: User, evaluation: Evaluation) -> str | None:
    """Why the person may not answer the open dispute on this evaluation (adjust or re-affirm)."""
    if evaluation.agent_id == user.pk:
        return "This is your own evaluation: its evaluator or a lead of your team answers the dispute."
    if evaluation.evaluator_id == user.pk:
        return None
    if has_perm(user, "evaluations.assign") and can_see_interaction(user, evaluation.interaction):
        return None
    return "Only the evaluator or a lead of the agent's team can answer this dispute."


def may_respond(user: User, evaluation: Evaluation) -> bool:
    return evaluation.status == Status.DISPUTED and respond_refusal(user, evaluation) is None


def may_void(user: User, evaluation: Evaluation) -> bool:
    return (
        has_perm(user, "evaluations.void")
        and source_policy(evaluation.source).removal == "void"
        and evaluation.status != Status.VOIDED
        and evaluation.agent_id != user.pk
    )


def may_delete(user: User, evaluation: Evaluation) -> bool:
    return (
        has_perm(user, "evaluations.delete_automated")
        and source_policy(evaluation.source).removal == "delete"
        and evaluation.agent_id != user.pk
    )


def discard_refusal(by: User, evaluation: Evaluation) -> str | None:
    """Why ``by`` may not discard this draft, or None (docs/evaluations.md#discarding-a-draft)."""
    if evaluation.evaluator_id != by.pk:
        return "Only its evaluator may discard a draft."
    if evaluation.status != Status.DRAFT:
        return "Only a draft can be discarded; a submitted evaluation is voided instead."
    if source_policy(evaluation.source).withdrawable:
        return "A calibration draft belongs to its session: it is withdrawn when you leave the session."
    return None


def may_discard(user: User, evaluation: Evaluation) -> bool:
    return discard_refusal(user, evaluation) is None
