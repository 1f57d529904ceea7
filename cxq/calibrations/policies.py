"""Who may do what in calibration sessions (docs/calibrations.md, "Who may do what").

Services enforce these rules; views, templates and the API use them to decide what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxq.accounts.permissions import has_perm
from cxq.evaluations.policies import can_see_interaction, handled, handler_ids

if TYPE_CHECKING:
    from cxq.accounts.models import User
    from cxq.interactions.models import Interaction


def assessor_refusal(user: User, interaction: Interaction) -> str | None:
    """Why this person cannot be an assessor (or the benchmark) of a session on this interaction.

    Nobody calibrates their own interaction: the agent who handled it is never an assessor."""
    if not user.is_active:
        return f"{user} is deactivated."
    if not (has_perm(user, "calibrations.participate") and has_perm(user, "evaluations.create")):
        return f"{user} may not take part in calibrations (their role does not allow it)."
    if not can_see_interaction(user, interaction):
        return f"{user} cannot see this interaction."
    if handled(user, interaction):
        return f"{user} handled this interaction and cannot calibrate it."
    return None


def may_assess(user: User, interaction: Interaction) -> bool:
    return assessor_refusal(user, interaction) is None


def assessor_candidates(people, interaction: Interaction) -> list:
    """The people (from an already scoped list) who may be offered as assessors of this interaction."""
    handlers = handler_ids(interaction)
    return [u for u in people if u.pk not in handlers]
