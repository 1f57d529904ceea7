"""Automation cards (docs/automations.md): writes, and what happens when interactions arrive.

Cards are edited by people with ``automations.edit``; every write is atomic, audited, and publishes one
event. ``automations_apply`` runs on ``interaction.enriched`` (published once per enriched batch by every
ingest path): for each interaction the first enabled card whose condition holds applies its action.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm, require
from cxq.automations.choices import Action, Distribution, Outcome
from cxq.automations.models import Match, Rule
from cxq.evaluations.automated import automated_evaluation_run
from cxq.evaluations.choices import AssignmentStatus, Source
from cxq.evaluations.models import Assignment
from cxq.evaluations.services import assignments_create_for
from cxq.events import AuditTrail, DomainEvent, Name, publish
from cxq.interactions import conditions
from cxq.interactions.models import Interaction
from cxq.interactions.selectors import interaction_scope
from cxq.lib.snapshot import snapshot
from cxq.scorecards.models import Scorecard

FIELDS = ("name", "condition", "action", "scorecard_id", "distribution", "due_days", "enabled", "position")
MAX_RULES = 500


def _snapshot(rule: Rule) -> dict:
    data = snapshot(rule, FIELDS)
    data["pool"] = sorted(rule.pool.values_list("email", flat=True)) if rule.pk else []
    return data


def clean_condition(raw: object) -> dict:
    """A validated condition (docs/conditions.md), or a ValidationError naming the bad part
    (``condition.all[1].value``)."""
    try:
        condition = conditions.validate(raw)
    except conditions.ConditionError as exc:
        raise ValidationError({f"condition.{exc.path}" if exc.path else "condition": exc.message}) from None
    for problem in conditions.unknown_references(condition):
        raise ValidationError({f"condition.{problem.path}": problem.message})
    return condition


def _check(rule: Rule, pool: list[User]) -> None:
    rule.name = " ".join((rule.name or "").split())
    if not rule.name:
        raise ValidationError({"name": "Name the card."})
    if len(rule.name) > 120:
        raise ValidationError({"name": "Keep the name under 120 characters."})
    if rule.action not in Action.values:
        raise ValidationError({"action": f"Choose one of {', '.join(Action.values)}."})
    if rule.distribution not in Distribution.values:
        raise ValidationError({"distribution": f"Choose one of {', '.join(Distribution.values)}."})
    scorecard = Scorecard.objects.select_related("current_version").get(pk=rule.scorecard_id)
    if not scorecard.is_usable:
        raise ValidationError({"scorecard": "Choose a published scorecard."})
    if rule.action == Action.ASSIGN:
        if not 1 <= int(rule.due_days) <= 365:
            raise ValidationError({"due_days": "Due in 1 to 365 days."})
        if not pool:
            raise ValidationError({"pool": "Choose who gets the tasks (one evaluator, or several to share them)."})
        for person in pool:
            if not person.is_active or not person.can("evaluations.create"):
                raise ValidationError({"pool": f"{person} cannot evaluate."})
    elif not scorecard.current_version.indicator_links:
        raise ValidationError(
            {"scorecard": "No question of this scorecard is answered from an indicator: link some in the builder."}
        )


@transaction.atomic
def rule_create(
    *,
    by: User,
    name: str,
    condition: object,
    scorecard: Scorecard,
    action: str = Action.ASSIGN,
    pool: list[User] = (),
    distribution: str = Distribution.ROUND_ROBIN,
    due_days: int = 3,
    enabled: bool = True,
) -> Rule:
    """A new card, last in the order (lowest priority)."""
    require(by, "automations.edit")
    if Rule.objects.count() >= MAX_RULES:
        raise ValidationError({"name": f"At most {MAX_RULES} cards."})
    last = Rule.objects.aggregate(n=Max("position"))["n"]
    rule = Rule(
        name=name,
        condition=clean_condition(condition),
        action=action,
        scorecard=scorecard,
        distribution=distribution,
        due_days=due_days,
        enabled=enabled,
        position=0 if last is None else last + 1,
        created_by=by,
    )
    pool = list(pool)
    _check(rule, pool)
    rule.save()
    rule.pool.set(pool)
    publish(Name.AUTOMATION_CREATED, subject=rule, actor=by, audit=AuditTrail(after=_snapshot(rule)))
    return rule


@transaction.atomic
def rule_update(*, by: User, rule: Rule, pool: list[User] | None = None, **changes) -> Rule:
    """Change a card: any of name, condition, scorecard, action, distribution, due_days, enabled; and
    ``pool``. Its place in the order stays."""
    require(by, "automations.edit")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = _snapshot(rule)
    for field in ("name", "action", "distribution", "due_days", "enabled", "scorecard"):
        if changes.get(field) is not None:
            setattr(rule, field, changes[field])
    if changes.get("condition") is not None:
        rule.condition = clean_condition(changes["condition"])
    people = list(rule.pool.all()) if pool is None else list(pool)
    _check(rule, people)
    rule.save()
    rule.pool.set(people)
    after = _snapshot(rule)
    if after != before:
        publish(Name.AUTOMATION_UPDATED, subject=rule, actor=by, audit=AuditTrail(before=before, after=after))
    return rule


@transaction.atomic
def rule_duplicate(*, by: User, rule: Rule) -> Rule:
    """A copy right after the card, switched off so it does not fire before it is edited."""
    require(by, "automations.edit")
    copy = rule_create(
        by=by,
        name=f"{rule.name} (copy)"[:120],
        condition=rule.condition,
        scorecard=rule.scorecard,
        action=rule.action,
        pool=list(rule.pool.all()),
        distribution=rule.distribution,
        due_days=rule.due_days,
        enabled=False,
    )
    order = [r.pk for r in Rule.objects.exclude(pk=copy.pk).order_by("position", "id")]
    order.insert(order.index(rule.pk) + 1, copy.pk)
    _renumber(order)
    copy.refresh_from_db()
    return copy


@transaction.atomic
def rule_delete(*, by: User, rule: Rule) -> None:
    require(by, "automations.edit")
    publish(Name.AUTOMATION_DELETED, subject=rule, actor=by, audit=AuditTrail(before=_snapshot(rule)))
    rule.delete()


def _renumber(order: list[int]) -> None:
    """Positions 0, 1, … in this order; ``updated_at`` moves too, so every process recompiles its cards
    (``enabled_rules``) in the new order."""
    rules = Rule.objects.in_bulk(order)
    now = timezone.now()
    changed = []
    for position, pk in enumerate(order):
        if rules[pk].position != position:
            rules[pk].position = position
            rules[pk].updated_at = now
            changed.append(rules[pk])
    Rule.objects.bulk_update(changed, ["position", "updated_at"])


@transaction.atomic
def rules_reorder(*, by: User, order: list) -> list[Rule]:
    """Put the cards in this order (public ids, first = highest priority) in one transaction. The order
    must name every card once: a page loaded before someone else added or removed a card is refused,
    not half applied."""
    require(by, "automations.edit")
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    by_uuid = {str(r.uuid): r for r in rules}
    wanted = [str(u).lower() for u in order]
    if sorted(wanted) != sorted(by_uuid) or len(set(wanted)) != len(wanted):
        raise ValidationError({"order": "The cards changed since the page was loaded; reload and try again."})
    before = [r.name for r in rules]
    _renumber([by_uuid[u].pk for u in wanted])
    after = [by_uuid[u].name for u in wanted]
    if after != before:
        publish(
            Name.AUTOMATION_REORDERED,
            actor=by,
            audit=AuditTrail(object_type="automations", before={"order": before}, after={"order": after}),
        )
    return list(Rule.objects.order_by("position", "id"))


# --- Applying the cards ------------------------------------------------------------------------------

_cache: dict[str, object] = {}


def enabled_rules() -> list[tuple[Rule, object]]:
    """The enabled cards in order, each with its compiled condition; compiled once per process and again
    when any card changes."""
    state = Rule.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    key = f"{state['n']}:{state['changed']}"
    if _cache.get("key") != key:
        rules = list(Rule.objects.filter(enabled=True).select_related("scorecard").order_by("position", "id"))
        compiled = [(rule, conditions.compile_python(rule.condition)) for rule in rules]
        _cache.update(key=key, rules=compiled)
    return _cache["rules"]  # type: ignore[return-value]


def first_match(interaction: Interaction, rules: list[tuple[Rule, object]]) -> Rule | None:
    for rule, matches in rules:
        if matches(interaction):
            return rule
    return None


def on_interactions_enriched(event: DomainEvent) -> None:
    """Subscriber of ``interaction.enriched``. The ingest paths send the batch's facts with the event
    (``conditions.Facts``), so the batch is not read again (docs/automations.md#speed)."""
    automations_apply(interaction_ids=event.data.get("interaction_ids") or [], facts=event.data.get("facts"))


def automations_apply(*, interaction_ids: list[int], facts: list | None = None) -> int:
    """Apply the first enabled matching card to each of these interactions (just enriched). Returns how
    many interactions a card fired on. The conditions run in Python over ``facts`` (what the ingest path
    has in memory) or, without them, over the batch read in one query; the tasks, their notices and the
    log are written in bulk."""
    rules = enabled_rules()
    if not rules or not interaction_ids:
        return 0
    fired: dict[int, list] = {}
    by_pk = {rule.pk: rule for rule, _ in rules}
    if facts is None:
        facts = Interaction.objects.filter(pk__in=interaction_ids).defer("transcript_text").order_by("id")
        facts = facts.iterator(500)
    else:
        facts = sorted(facts, key=lambda f: f.pk)
    for interaction in facts:  # in the order they arrived
        rule = first_match(interaction, rules)
        if rule is not None:
            fired.setdefault(rule.pk, []).append(interaction)
    log: list[Match] = []
    for pk, interactions in fired.items():
        rule = by_pk[pk]
        if rule.action == Action.ASSIGN:
            log.extend(_assign(rule, interactions))
        else:
            log.extend(_evaluate(rule, interactions))
    Match.objects.bulk_create(log)
    return sum(len(v) for v in fired.values())


def _open_load(people: list[int]) -> Counter:
    rows = (
        Assignment.objects.filter(assignee_id__in=people, status=AssignmentStatus.OPEN)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return Counter({row["assignee_id"]: row["n"] for row in rows})


def _assign(rule: Rule, interactions: list) -> list[Match]:
    """One task per interaction, to one person of the pool who may evaluate it (never its agent):
    round-robin takes the pool in turn (the turn is kept on the card, so it continues across batches);
    least-loaded takes whoever has the fewest open tasks, counting the ones just given."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    pool = sorted(rule.pool.filter(is_active=True).select_related("role"), key=lambda u: (u.full_name, u.pk))
    load = _open_load([u.pk for u in pool]) if rule.distribution == Distribution.LEAST_LOADED else Counter()
    may_take = _who_may_take(pool, interactions)
    tasks, log, picked = [], [], []
    for interaction in interactions:
        eligible = [u for u in pool if u.pk in may_take[interaction.pk]]
        if not eligible:
            log.append(_skipped(rule, interaction, "Nobody in the card's pool may evaluate this interaction."))
            continue
        if rule.distribution == Distribution.LEAST_LOADED:
            person = min(eligible, key=lambda u: (load[u.pk], pool.index(u)))
            load[person.pk] += 1
        else:
            person = _next_in_turn(rule, pool, eligible)
        tasks.append((interaction.pk, person.pk))
        picked.append((interaction, person))
    rule.save(update_fields=["turn"])
    if not tasks:
        return log
    due_at = timezone.now() + timedelta(days=rule.due_days)
    ids = assignments_create_for(
        source=Source.AUTOMATION, scorecard=rule.scorecard, due_at=due_at, tasks=tasks, note=f"Automation: {rule.name}"
    )
    # one event for the batch: each assignee gets one notice for the tasks this card gave them now
    publish(Name.AUTOMATION_TASKS_CREATED, subject=rule, data={"assignment_ids": ids})
    for assignment_id, (interaction, person) in zip(ids, picked, strict=True):
        log.append(
            Match(
                interaction_id=interaction.pk,
                rule=rule,
                rule_name=rule.name,
                outcome=Outcome.ASSIGNED,
                detail=f"Task for {person} with “{rule.scorecard.name}”, due in {rule.due_days} days",
                assignment_id=assignment_id,
            )
        )
    return log


def _who_may_take(pool: list[User], interactions: list) -> dict[int, set[int]]:
    """Per interaction, the pool members who may be given it (``policies.assignee_refusal``: active, may
    evaluate, see it, did not handle it), in a few queries for the whole batch instead of several per
    interaction and person."""
    ids = [i.pk for i in interactions]
    handlers: dict[int, set[int]] = {i.pk: {i.agent_id} for i in interactions}
    through = Interaction.other_agents.through.objects.filter(interaction_id__in=ids)
    for interaction_id, user_id in through.values_list("interaction_id", "user_id"):
        handlers[interaction_id].add(user_id)
    may: dict[int, set[int]] = {pk: set() for pk in ids}
    for person in pool:
        if not person.is_active or not has_perm(person, "evaluations.create"):
            continue
        for pk in interaction_scope(viewer=person).filter(pk__in=ids).values_list("pk", flat=True):
            if person.pk not in handlers[pk]:
                may[pk].add(person.pk)
    return may


def _next_in_turn(rule: Rule, pool: list[User], eligible: list[User]) -> User:
    """The next person in the pool's turn who may take this interaction (someone who handled it is
    passed over, and their turn goes to the next)."""
    for step in range(len(pool)):
        person = pool[(rule.turn + step) % len(pool)]
        if person in eligible:
            rule.turn += step + 1
            return person
    raise AssertionError("eligible is a non-empty subset of pool")


def _evaluate(rule: Rule, interactions: list) -> list[Match]:
    log = []
    stored = Interaction.objects.in_bulk([i.pk for i in interactions])  # facts are not model instances
    for interaction in (stored[i.pk] for i in interactions):
        try:
            with transaction.atomic():
                evaluation = automated_evaluation_run(by=None, interaction=interaction, scorecard=rule.scorecard)
        except ValidationError as exc:
            log.append(_skipped(rule, interaction, " ".join(exc.messages)))
            continue
        score = "—" if evaluation.score_percent is None else f"{evaluation.score_percent} %"
        log.append(
            Match(
                interaction=interaction,
                rule=rule,
                rule_name=rule.name,
                outcome=Outcome.EVALUATED,
                detail=f"Automated evaluation with “{rule.scorecard.name}”: {score}",
                evaluation=evaluation,
            )
        )
    return log


def _skipped(rule: Rule, interaction, why: str) -> Match:
    return Match(
        interaction_id=interaction.pk, rule=rule, rule_name=rule.name, outcome=Outcome.SKIPPED, detail=why[:300]
    )
