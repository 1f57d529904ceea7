"""Demo evaluations (idempotent): a quarter of quality work, so every chart has a shape
(docs/demo.md).

Every evaluation goes through the services (scoring, revisions, acknowledgements, disputes, events),
then its timestamps are moved back to when it would have happened: a day or so after its interaction,
spread over the last 90 days. Moving timestamps is a change outside the services, so the analytics
facts are rebuilt at the end (docs/analytics.md#rebuilding). Seeded: the same demo every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cxq.accounts.models import OrgSettings, User
from cxq.analytics.services import analytics_rebuild
from cxq.evaluations import services
from cxq.evaluations.choices import DisputeResponse, Status
from cxq.evaluations.models import Assignment, Dispute, Evaluation, Revision
from cxq.interactions.models import Interaction
from cxq.notifications.models import Notification
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import Scorecard
from cxq.scorecards.selectors import applies_to
from cxq.scoring.engine import score

SEED = 42
QUARTER_DAYS = 90
PER_AGENT = 18  # evaluations per agent over the quarter (about 1.4 a week)

# How each demo agent's score moves over the quarter: (score at the start, at the end), as a fraction.
# Each evaluation's answers are chosen to score as near the line as the scorecard allows.
IMPROVING, DECLINING, STEADY = "improving", "declining", "steady"
TRENDS = {
    "agent@cxq.test": IMPROVING,  # the demo agent login: "My scores" climbs
    "jordan.lee@cxq.test": DECLINING,
}
DRIFT = {IMPROVING: (0.62, 0.94), DECLINING: (0.94, 0.62)}
STEADY_LEVEL = {"priya.shah@cxq.test": 0.84, "diego.ramos@cxq.test": 0.78, "mei.chen@cxq.test": 0.88}
STEADY_DEFAULT = 0.8
TRIES = 4  # attempts at answers near an evaluation's target score (see _answers)

# Which scorecard fits which conversation: a scorecard is only used for its own channel.
VOICE_CARD, CHAT_CARD, SALES_CARD = "Voice customer service", "Chat support", "Sales call (short)"


def scorecard_name_for(interaction: Interaction) -> str | None:
    """The demo scorecard meant for this conversation, or None (email and SMS have none in the demo)."""
    if interaction.channel == "chat":
        return CHAT_CARD
    if interaction.channel == "voice":
        return SALES_CARD if interaction.direction == "outbound" else VOICE_CARD
    return None


def _card_for(interaction: Interaction, cards: dict[str, Scorecard]) -> Scorecard | None:
    """The demo scorecard meant for this conversation when it also applies to its channel and team
    (docs/scoring.md#applicability); None when there is none. ``cards`` come from ``demo_cards()`` (teams
    prefetched), so this asks the database nothing."""
    meant = scorecard_name_for(interaction)
    if meant not in cards:
        return None
    return cards[meant] if applies_to(cards[meant], interaction) else None


def demo_cards() -> dict[str, Scorecard]:
    """The published demo scorecards by name, with their teams, loaded once for every interaction."""
    qs = Scorecard.objects.filter(name__in=(VOICE_CARD, CHAT_CARD, SALES_CARD), status="published")
    return {c.name: c for c in qs.select_related("current_version").prefetch_related("teams")}


def trend_of(email: str) -> str:
    return TRENDS.get(email, STEADY)


def quality(email: str, progress: float) -> float:
    """The agent's target score (0–1) at ``progress`` (0 = 90 days ago, 1 = today): a straight line."""
    start, end = DRIFT.get(trend_of(email), (STEADY_LEVEL.get(email, STEADY_DEFAULT),) * 2)
    return start + (end - start) * progress


def _answers(card: Scorecard, level: float, rng: random.Random) -> dict:
    """Answers that score close to ``level`` (so an agent's months move steadily, not by luck) and
    still differ from one evaluation to the next: from the best option everywhere, a seeded random
    question after another takes a worse option while the score stays at or above the target (less
    one point); of a few such attempts the nearest to the target wins. Answers that fail a section or the
    whole evaluation are never picked, so a trend is not one big outlier."""
    compiled = compiled_for(card.current_version.document)
    best, worse = {}, {}
    for q in compiled.scorecard.questions():
        ranked = [o.key for o in sorted(q.options, key=lambda o: o.points) if o.auto_fail == "none"]
        if ranked:
            best[q.key], worse[q.key] = ranked[-1], ranked[:-1]
    target = 100 * level

    def percent(answers: dict) -> float:
        value = score(compiled, answers).score_percent
        return math.inf if value is None else float(value)

    def attempt() -> tuple[float, dict]:
        chosen, now_at = dict(best), percent(best)
        left = [key for key in best if worse[key]]
        while left:
            fitting = [
                (key, option)
                for key in left
                for option in worse[key]
                if target - 1 <= percent({**chosen, key: option}) < now_at
            ]
            if not fitting:
                break
            key, option = rng.choice(fitting)
            chosen[key] = option
            now_at = percent(chosen)
            left.remove(key)
        return abs(now_at - target), chosen

    return min((attempt() for _ in range(TRIES)), key=lambda a: a[0])[1]


COMMENTS = ("", "", "Good ownership of the issue.", "Watch the hold etiquette.", "Clear explanation of next steps.")


@dataclass
class Planned:
    interaction: Interaction
    card: Scorecard
    by: User
    completed_at: datetime
    level: float


def _plan(cards: dict[str, Scorecard], evaluator: User, supervisor: User, rng: random.Random, now, per_agent: int):
    """Which interactions get evaluated (evenly over each agent's quarter), and which are left for tasks."""
    start = now - timedelta(days=QUARTER_DAYS)
    supervised = set(supervisor.led_teams.values_list("pk", flat=True))
    candidates = (
        Interaction.objects.filter(
            agent__isnull=False, team__isnull=False, started_at__gte=start, external_id__startswith="demo-"
        )
        .filter(assignments__isnull=True)  # a goal's task is evaluated by the goals' loader
        .select_related("agent")
        .order_by("started_at", "pk")
    )
    by_agent: dict[int, list[Interaction]] = {}
    for interaction in candidates:
        if _card_for(interaction, cards) is not None:
            by_agent.setdefault(interaction.agent_id, []).append(interaction)
    planned, left = [], []
    for agent_id in sorted(by_agent):
        pool = by_agent[agent_id]
        old = [i for i in pool if i.started_at < now - timedelta(days=2)]  # evaluated a day or two later
        step = max(1.0, len(old) / per_agent)
        chosen = {old[int(k * step)].pk for k in range(min(per_agent, len(old)))}
        for k, interaction in enumerate(pool):
            if interaction.pk not in chosen:
                left.append(interaction)
                continue
            done = interaction.started_at + timedelta(hours=rng.uniform(3, 40))
            progress = progress_of(interaction, now)
            by = supervisor if interaction.team_id in supervised and k % 3 == 0 else evaluator
            card = _card_for(interaction, cards)
            planned.append(Planned(interaction, card, by, done, quality(interaction.agent.email, progress)))
    planned.sort(key=lambda p: p.completed_at)
    return planned, left


def _first_revision_at(evaluation: Evaluation, moment: datetime) -> None:
    Revision.objects.filter(evaluation=evaluation, number=1).update(created_at=moment, updated_at=moment)


def _backdate(evaluation: Evaluation, p: Planned, *, acknowledged: datetime | None, ack_days: int) -> None:
    """Move what the services stamped "now" back to when it happened."""
    started = p.completed_at - timedelta(minutes=25)
    fields = {"created_at": started, "updated_at": acknowledged or p.completed_at, "completed_at": p.completed_at}
    if evaluation.status == Status.AWAITING_ACK:
        fields["ack_due_at"] = p.completed_at + timedelta(days=ack_days)
    if acknowledged:
        fields["acknowledged_at"] = acknowledged
    Evaluation.objects.filter(pk=evaluation.pk).update(**fields)
    _first_revision_at(evaluation, p.completed_at)


def _dispute(evaluation: Evaluation, p: Planned, outcome: str, rng: random.Random, ack_days: int, now: datetime):
    """The agent disputes one answer; ``outcome`` is "open", "adjusted" or "reaffirmed"."""
    answers = evaluation.answers
    questions = compiled_for(evaluation.version.document).scorecard.questions()
    best = {q.key: max(q.options, key=lambda o: o.points).key for q in questions}
    key = next((k for k in answers if answers[k] not in (best.get(k), "na")), next(iter(answers)))
    services.evaluation_dispute(
        by=p.interaction.agent, evaluation=evaluation, items=[(key, "I believe I did this; please listen again.")]
    )
    raised = p.completed_at + timedelta(hours=rng.uniform(4, 30))
    Dispute.objects.filter(evaluation=evaluation).update(created_at=raised, updated_at=raised)
    if outcome == "open":
        Evaluation.objects.filter(pk=evaluation.pk).update(
            created_at=p.completed_at - timedelta(minutes=25), updated_at=raised, completed_at=p.completed_at
        )
        _first_revision_at(evaluation, p.completed_at)
        return
    response = (
        (DisputeResponse.ADJUST, "Agreed after listening again.", best[key])
        if outcome == "adjusted"
        else (DisputeResponse.REAFFIRM, "Listened again: the answer stands.", None)
    )
    evaluation = services.dispute_respond(by=p.by, evaluation=evaluation, responses={key: response})
    resolved = raised + timedelta(hours=rng.uniform(6, 48))
    Dispute.objects.filter(evaluation=evaluation).update(resolved_at=resolved, updated_at=resolved)
    Revision.objects.filter(evaluation=evaluation, number__gt=1).update(created_at=resolved, updated_at=resolved)
    acknowledged = None
    if resolved + timedelta(days=ack_days) < now:
        evaluation = services.evaluation_acknowledge(by=p.interaction.agent, evaluation=evaluation)
        acknowledged = resolved + timedelta(hours=rng.uniform(2, 48))
    fields = {
        "created_at": p.completed_at - timedelta(minutes=25),
        "completed_at": p.completed_at,
        "updated_at": acknowledged or resolved,
    }
    if acknowledged:
        fields["acknowledged_at"] = acknowledged
    else:
        fields["ack_due_at"] = resolved + timedelta(days=ack_days)
    Evaluation.objects.filter(pk=evaluation.pk).update(**fields)
    _first_revision_at(evaluation, p.completed_at)


def evaluate(
    p: Planned,
    rng: random.Random,
    ack_days: int,
    now: datetime,
    *,
    dispute: str | None = None,
    sweep: bool = False,
    assignment: Assignment | None = None,
) -> Evaluation:
    """Evaluate as planned through the services (for ``assignment``, a task), then move it back to when
    it happened: acknowledged when its acknowledgement time is past (``sweep``: by the automatic sweep),
    or disputed with ``dispute`` ("open", "adjusted", "reaffirmed")."""
    evaluation = services.evaluation_start(by=p.by, interaction=p.interaction, scorecard=p.card, assignment=assignment)
    services.evaluation_save(
        by=p.by, evaluation=evaluation, answers=_answers(p.card, p.level, rng), comment=rng.choice(COMMENTS)
    )
    evaluation = services.evaluation_submit(by=p.by, evaluation=Evaluation.objects.get(pk=evaluation.pk))
    if assignment is not None:
        Assignment.objects.filter(pk=assignment.pk).update(completed_at=p.completed_at, updated_at=p.completed_at)
    if dispute:
        _dispute(evaluation, p, dispute, rng, ack_days, now)
        return evaluation
    acknowledged = None
    if evaluation.status == Status.AWAITING_ACK and p.completed_at + timedelta(days=ack_days) < now:
        # past its acknowledgement time: the agent acknowledged it (or the sweep did, now and then)
        evaluation = services.evaluation_acknowledge(by=p.interaction.agent, evaluation=evaluation)
        acknowledged = p.completed_at + timedelta(hours=rng.uniform(2, 24 * ack_days - 1))
        acknowledged = min(acknowledged, now - timedelta(minutes=5))
    _backdate(evaluation, p, acknowledged=acknowledged, ack_days=ack_days)
    if acknowledged and sweep:
        Evaluation.objects.filter(pk=evaluation.pk).update(
            auto_acknowledged=True, acknowledged_at=p.completed_at + timedelta(days=ack_days)
        )
    return evaluation


def progress_of(interaction: Interaction, now: datetime) -> float:
    """Where in the demo's quarter the conversation happened: 0 = 90 days ago, 1 = now."""
    return (interaction.started_at - (now - timedelta(days=QUARTER_DAYS))) / timedelta(days=QUARTER_DAYS)


def backdate_notifications(now: datetime) -> None:
    """The bell tells of each evaluation when it happened; what is older than a week has been read."""
    events = {
        "evaluation.completed": lambda e, d: e.completed_at,
        "evaluation.disputed": lambda e, d: d.created_at,
        "evaluation.dispute_answered": lambda e, d: d.resolved_at,
    }
    evaluations = Evaluation.objects.exclude(completed_at__isnull=True).prefetch_related("disputes")
    for evaluation in evaluations:
        dispute = next(iter(evaluation.disputes.all()), None)
        for kind, when in events.items():
            moment = when(evaluation, dispute) if (dispute or kind == "evaluation.completed") else None
            if moment is None:
                continue
            read = moment + timedelta(hours=20) if moment < now - timedelta(days=7) else None
            Notification.objects.filter(kind=kind, url=f"/evaluations/{evaluation.uuid}/").update(
                created_at=moment, updated_at=moment, read_at=read
            )


# Disputes, newest evaluation first: recent ones are still open, older ones were answered.
DISPUTES = ("open", "open", "adjusted", "reaffirmed", "open", "adjusted", "reaffirmed", "adjusted", "reaffirmed")


@transaction.atomic
def load_demo_evaluations(per_agent: int = PER_AGENT) -> int:
    if Evaluation.objects.exists():
        return 0
    evaluator = User.objects.filter(email="evaluator@cxq.test").first()
    supervisor = User.objects.filter(email="supervisor@cxq.test").first()
    cards = demo_cards()
    if not (evaluator and supervisor and cards):
        return 0
    rng = random.Random(SEED)
    now = timezone.now()
    org = OrgSettings.get()
    ack_days, window = org.acknowledgement_days, org.dispute_window_days
    planned, left = _plan(cards, evaluator, supervisor, rng, now, per_agent)
    # Disputes on evaluations spread over the quarter, newest first: every other recent evaluation
    # while the open ones are placed (inside the dispute window), then every sixth.
    disputes: dict[int, str] = {}
    outcomes, gap = list(DISPUTES), 0
    for p in reversed(planned[:-2]):
        if not outcomes:
            break
        if outcomes[0] == "open" and now - p.completed_at > timedelta(days=window - 2):
            outcomes = [o for o in outcomes if o != "open"]  # too old to be disputed still
        gap += 1
        if gap >= (2 if outcomes[0] == "open" else 6):
            disputes[p.interaction.pk], gap = outcomes.pop(0), 0
    made = 0
    for i, p in enumerate(planned):
        evaluate(p, rng, ack_days, now, dispute=disputes.get(p.interaction.pk), sweep=i % 5 == 0)
        made += 1
    # A few drafts started today, and open tasks: some overdue (straight to the table: the service
    # refuses a due date in the past), the rest due this week.
    recent = [i for i in left if i.started_at > now - timedelta(days=14)][-9:]
    for interaction in recent[:2]:
        card = _card_for(interaction, cards)
        draft = services.evaluation_start(by=evaluator, interaction=interaction, scorecard=card)
        services.evaluation_save(by=evaluator, evaluation=draft, answers=_answers(card, 0.8, rng), comment="")
        made += 1
    for k, interaction in enumerate(recent[2:]):
        Assignment.objects.get_or_create(
            interaction=interaction,
            scorecard=_card_for(interaction, cards),
            assignee=evaluator,
            assigned_by=supervisor,
            defaults={"due_at": now + timedelta(days=(-3, -1, -1, 2, 3, 5, 6)[k % 7])},
        )
    backdate_notifications(now)
    analytics_rebuild()  # the timestamps moved outside the services: file every evaluation on its day
    return made
