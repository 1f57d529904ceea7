"""Reads for automation cards (docs/automations.md): the cards, an interaction's matching log, and the
"test a card" explanation."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from cxq.accounts.permissions import require
from cxq.automations.models import Match, Rule
from cxq.interactions import conditions
from cxq.interactions.models import Interaction


def rule_list(*, viewer) -> list[Rule]:
    require(viewer, "automations.view")
    return list(Rule.objects.select_related("scorecard").prefetch_related("pool").order_by("position", "id"))


def rule_get(*, viewer, uuid) -> Rule:
    require(viewer, "automations.view")
    return get_object_or_404(Rule.objects.select_related("scorecard"), uuid=uuid)


def matches_for(interaction: Interaction) -> list[Match]:
    """The interaction's matching log, newest first (which card fired, when, what it did)."""
    return list(
        Match.objects.filter(interaction=interaction)
        .select_related("assignment", "evaluation")
        .order_by("-created_at", "-id")
    )


# --- Explaining a condition ------------------------------------------------------------------------


@dataclass
class Node:
    """One part of a condition with whether it holds for the interaction: a rule (``text``) or a group
    (``kind`` all / any, with ``children``)."""

    holds: bool
    text: str = ""
    kind: str = ""
    path: str = ""
    children: list[Node] = field(default_factory=list)


@dataclass
class Verdict:
    rule: Rule
    holds: bool
    fires: bool  # the first enabled card that holds: the one that would apply
    tree: Node


def _names(condition: dict) -> dict[str, str]:
    """Public id → name of the people, teams and phrase sets a condition names."""
    return conditions.reference_names(condition)


def describe(rule: dict, names: dict[str, str]) -> str:
    """A rule in words: "Mentions Greeting (said by the agent)", "Queue is one of Billing, Sales"."""
    spec = conditions.FIELDS[rule["field"]]
    values = conditions._values(rule)
    shown = [names.get(str(v), str(v)) if spec.kind == "ref" else str(v) for v in values]
    value = f"{rule['value'][0]} and {rule['value'][1]}" if rule["op"] == "between" else ", ".join(shown)
    side = f" (said by the {rule['side']})" if rule.get("side") else ""
    op = conditions.OP_LABELS[rule["op"]]
    if rule["field"] in ("indicator", "without_indicator"):  # "Mentions Greeting", not "Mentions is Greeting"
        op = {"is": "", "in": "one of", "is_not": "anything but", "not_in": "none of"}[rule["op"]]
    return " ".join(part for part in (spec.label, op, value) if part) + side


def explain_condition(condition: dict, interaction: Interaction, names: dict[str, str] | None = None) -> Node:
    """The condition as a tree, each part marked with whether it holds for this interaction. Each rule
    is checked with the same compiled Python as the cards use."""
    names = _names(condition) if names is None else names

    def walk(node: dict, path: str) -> Node:
        (kind, items) = next(iter(node.items()))
        here = f"{path}.{kind}" if path else kind
        children = []
        for i, item in enumerate(items):
            if "field" in item:
                holds = conditions.compile_python({"all": [item]})(interaction)
                children.append(Node(holds=holds, text=describe(item, names), path=f"{here}[{i}]"))
            else:
                children.append(walk(item, f"{here}[{i}]"))
        holds = all(c.holds for c in children) if kind == "all" else any(c.holds for c in children)
        return Node(holds=holds, kind=kind, path=here, children=children)

    return walk(condition, "")


def explain(*, viewer, interaction: Interaction) -> list[Verdict]:
    """Every card, in order, with why it matches this interaction or not, and which one would fire."""
    verdicts = []
    fired = False
    for rule in rule_list(viewer=viewer):
        tree = explain_condition(rule.condition, interaction)
        fires = rule.enabled and tree.holds and not fired
        fired = fired or fires
        verdicts.append(Verdict(rule=rule, holds=tree.holds, fires=fires, tree=tree))
    return verdicts
