"""What each evaluation source means, in one table (docs/evaluations.md, "Sources").

Services, selectors, analytics and templates read this table instead of testing ``source == …``; a
new source is one new row. ``sources_where("attribute")`` gives the sources for a queryset filter.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

from cxq.evaluations.choices import Source


@dataclass(frozen=True)
class SourcePolicy:
    counts_in_analytics: bool  # its score counts in reports, leaderboards and the agent's own figures
    listed: bool  # shown in the evaluations table, the interaction's Performance tab and to the agent
    notifies_agent: bool  # the agent is told when it is completed or a dispute is answered
    needs_acknowledgement: bool  # it waits for the agent's acknowledgement when the organisation asks
    disputable: bool  # the agent may dispute it
    removal: Literal["void", "delete"]  # void keeps the row with a reason; delete removes it for good
    withdrawable: bool  # a draft is withdrawn (voided) by its owner's workflow, and may be restored
    feeds_calibration_stats: bool  # it is an assessor's score, compared in evaluators' calibration figures
    counted_by_org_choice: bool = False  # counts only when the organisation says so (OrgSettings)
    adoptable: bool = False  # a person may take it over, complete it and make it their own (manual)


_PERSON = SourcePolicy(
    counts_in_analytics=True,
    listed=True,
    notifies_agent=True,
    needs_acknowledgement=True,
    disputable=True,
    removal="void",
    withdrawable=False,
    feeds_calibration_stats=False,
)

SOURCE_POLICIES: dict[str, SourcePolicy] = {
    Source.MANUAL: _PERSON,  # started by an evaluator on their own
    Source.ASSIGNED: _PERSON,  # started from a task someone assigned
    Source.GOAL: _PERSON,  # started from a task an evaluation goal drew
    Source.AUTOMATION: _PERSON,  # started from a task an automation rule created
    # answered by the system from indicators: like a person's, but deleted for good rather than voided
    Source.AUTOMATED: replace(_PERSON, removal="delete", counted_by_org_choice=True, adoptable=True),
    Source.CALIBRATION: SourcePolicy(  # an assessor's evaluation in a calibration session
        counts_in_analytics=False,
        listed=False,
        notifies_agent=False,
        needs_acknowledgement=False,
        disputable=False,
        removal="void",
        withdrawable=True,
        feeds_calibration_stats=True,
    ),
}

ATTRIBUTES = tuple(f.name for f in fields(SourcePolicy))


def source_policy(source: str) -> SourcePolicy:
    return SOURCE_POLICIES[source]


def counted_sources(*, automated_count: bool) -> list[str]:
    """The sources whose evaluations count in analytics now: those that count, less those left to the
    organisation's choice when it chose not to count them (``OrgSettings.automated_evaluations_count``)."""
    return [
        str(s)
        for s, p in SOURCE_POLICIES.items()
        if p.counts_in_analytics and (automated_count or not p.counted_by_org_choice)
    ]


def sources_where(attribute: str, value: object = True) -> list[str]:
    """The sources whose ``attribute`` equals ``value``, e.g. ``sources_where("listed")``."""
    if attribute not in ATTRIBUTES:
        raise ValueError(f"No source attribute {attribute!r}")
    return [str(s) for s, p in SOURCE_POLICIES.items() if getattr(p, attribute) == value]
