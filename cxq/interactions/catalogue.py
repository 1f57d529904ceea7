"""The fields interactions are selected by, declared once (docs/conditions.md#fields-and-operators).

Two vocabularies read this catalogue: the condition language of goals and automations
(:mod:`cxq.interactions.conditions`: a field is a rule's ``field``) and the interactions list's filters
(:mod:`cxq.interactions.filters`: the page's form, the selector's keywords and the API's query
parameters, built from the fields ``listed`` here). Adding a field is one entry below; a field read in
a new way (``via``) also needs its Python and SQL reading in conditions.py and its filter in filters.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxq.interactions.choices import Channel, Direction

TEXT_OPS = ("is", "is_not", "in", "not_in")
NUMBER_OPS = ("is", "is_not", "in", "not_in", "gt", "lt", "between")
MEASURE_OPS = ("gt", "lt", "between")  # metrics are measured, not counted: equality would be luck
BOOL_OPS = ("is", "is_not")

OP_LABELS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "gt": "is more than",
    "lt": "is less than",
    "between": "is between",
}

#: enrichment metrics that are numbers (cxq/enrichment/types.py Metrics.as_dict), usable as ``metric.<key>``
METRICS = {
    "duration": "Transcript duration (s)",
    "agent_talk_seconds": "Agent talk time (s)",
    "customer_talk_seconds": "Customer talk time (s)",
    "agent_talk_share": "Agent talk share",
    "customer_talk_share": "Customer talk share",
    "talk_to_listen_ratio": "Talk-to-listen ratio",
    "longest_monologue_seconds": "Longest monologue (s)",
    "agent_words": "Agent words",
    "customer_words": "Customer words",
    "agent_words_per_minute": "Agent words per minute",
    "customer_words_per_minute": "Customer words per minute",
    "agent_fillers": "Agent filler words",
    "customer_fillers": "Customer filler words",
    "agent_filler_words_per_minute": "Agent filler words per minute",
    "customer_filler_words_per_minute": "Customer filler words per minute",
    "silence_count": "Silence events",
    "silence_seconds": "Silence (s)",
    "crosstalk_count": "Crosstalk events",
    "crosstalk_seconds": "Crosstalk (s)",
    "hold_count": "Hold events",
    "hold_seconds": "Hold (s)",
}
METRIC_PREFIX = "metric."


@dataclass(frozen=True)
class FieldSpec:
    """One field. ``kind`` says what a value is (text | choice | ref | int | bool | metric); ``via`` where
    it is read: a ``column`` of the interaction, its ``topics``, its phrase-set ``mentions`` (``negated``:
    the set was *not* mentioned) or its enrichment ``metrics``. ``ref`` names the model a public id
    refers to (user | team | phrase_set). ``listed`` is how the interactions list filters by it: ``is``
    (one value, the field's name), ``range`` (``min_<name>``/``max_<name>``, labelled in ``unit``) or
    not at all (""). ``max_length`` bounds the list's text filter (the column's length)."""

    name: str
    label: str
    kind: str
    ops: tuple[str, ...]
    via: str = "column"
    column: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    bounds: tuple[int, int] = (0, 0)
    ref: str = ""
    negated: bool = False
    listed: str = "is"
    unit: str = ""
    max_length: int | None = None

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.choices)

    @property
    def sided(self) -> bool:
        """A mention can be narrowed to the speaker side that said it."""
        return self.via == "mentions"


def _pairs(choices) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in choices.choices)


FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("channel", "Channel", "choice", TEXT_OPS, column="channel", choices=_pairs(Channel)),
        FieldSpec("direction", "Direction", "choice", TEXT_OPS, column="direction", choices=_pairs(Direction)),
        FieldSpec("agent", "Agent", "ref", TEXT_OPS, column="agent_id", ref="user"),
        FieldSpec("team", "Team", "ref", TEXT_OPS, column="team_id", ref="team"),
        FieldSpec("queue", "Queue", "text", TEXT_OPS, column="queue"),
        FieldSpec("disposition", "Disposition", "text", TEXT_OPS, column="disposition"),
        FieldSpec("language", "Language", "text", TEXT_OPS, column="language", max_length=16),
        FieldSpec("topic", "Topic", "text", TEXT_OPS, via="topics"),
        FieldSpec("indicator", "Mentions", "ref", TEXT_OPS, via="mentions", ref="phrase_set"),
        FieldSpec(
            "without_indicator", "Does not mention", "ref", TEXT_OPS, via="mentions", ref="phrase_set", negated=True
        ),
        FieldSpec(
            "duration",
            "Duration (s)",
            "int",
            NUMBER_OPS,
            column="duration_seconds",
            bounds=(0, 10**9),
            listed="range",
            unit="seconds",
        ),
        FieldSpec("csat", "CSAT", "int", NUMBER_OPS, column="csat", bounds=(1, 5)),
        FieldSpec("nps", "NPS", "int", NUMBER_OPS, column="nps", bounds=(0, 10), listed=""),
        FieldSpec("resolved", "Resolved", "bool", BOOL_OPS, column="resolved"),
        *(
            FieldSpec(METRIC_PREFIX + key, label, "metric", MEASURE_OPS, via="metrics", column=key, listed="")
            for key, label in METRICS.items()
        ),
    )
}

#: field name → the model its public ids name (user | team | phrase_set)
REF_MODELS = {f.name: f.ref for f in FIELDS.values() if f.ref}
