"""Benchmark evaluations for ``cxq seed-bench --evaluations N`` (docs/performance.md#lists-and-reports-at-scale): raw
inserts on top of the
bench interactions, scored by the real engine, so the evaluations table can be measured at scale."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta

from django.db import connection, transaction

from cxq.accounts.models import Role, Team, User
from cxq.accounts.services import roles_ensure_builtin, user_create
from cxq.analytics.services import analytics_rebuild
from cxq.devdata.demo.scorecards import VOICE
from cxq.evaluations.models import Evaluation
from cxq.lib.db import insert_rows
from cxq.scorecards import services as sc
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import Scorecard
from cxq.scoring import round_half_up, score

STATUSES = (("acknowledged", 70), ("awaiting_ack", 15), ("completed", 10), ("disputed", 5))
COLUMNS = (
    "uuid",
    "created_at",
    "updated_at",
    "interaction_id",
    "agent_id",
    "agent_name",
    "evaluator_id",
    "team_id",
    "scorecard_id",
    "version_id",
    "source",
    "status",
    "answers",
    "question_comments",
    "evidence",
    "comment",
    "score_percent",
    "earned",
    "possible",
    "passed",
    "auto_failed",
    "revision",
    "lock_version",
    "completed_at",
    "ack_due_at",
    "acknowledged_at",
    "auto_acknowledged",
    "void_reason",
)


BENCH_SCORECARD = "Bench voice scorecard (24 questions)"


def bench_document() -> dict:
    """The demo voice scorecard grown to 24 questions, so 250,000 evaluations make ≈ 6,000,000 answers
    (docs/performance.md#lists-and-reports-at-scale's size): every question asked again as a follow-up, and the
    soft-skills pair a third time."""
    sections = []
    for section in VOICE["sections"]:
        questions = [dict(q) for q in section["questions"]]
        rounds = ["2", "3"] if section["key"] == "soft_skills" else ["2"]
        for suffix in rounds:
            questions += [
                {**q, "key": f"{q['key']}_{suffix}", "text": f"{q['text']} (follow-up {suffix})"}
                for q in section["questions"]
            ]
        sections.append({**section, "questions": questions})
    return {**VOICE, "name": BENCH_SCORECARD, "sections": sections}


def _bench_scorecard(author: User) -> Scorecard:
    card = Scorecard.objects.filter(name=BENCH_SCORECARD).first()
    if card is None:
        card = sc.scorecard_create(by=author, document=bench_document())
        card = sc.scorecard_publish(by=author, scorecard=card)
    return card


BENCH_ADMIN_EMAIL = "bench.admin@bench.cxq.test"


def bench_admin() -> User:
    """The bench's administrator (made on first use): a bench database (``cxq seed-bench``) has no
    administrator of its own; it authors the bench scorecard and is the admin the benchmarks in bench/ use."""
    user = User.objects.filter(email=BENCH_ADMIN_EMAIL).first()
    if user is None:
        roles_ensure_builtin()
        user = user_create(
            by=None, email=BENCH_ADMIN_EMAIL, full_name="Bench Admin", role=Role.objects.get(key="admin")
        )
    return user


def _evaluators(teams: list[Team]) -> list[User]:
    role = Role.objects.get(key="evaluator")
    people = []
    for i in range(5):
        email = f"bench.evaluator{i + 1}@cxq.test"
        user = User.objects.filter(email=email).first() or user_create(
            by=None, email=email, full_name=f"Bench Evaluator {i + 1}", role=role
        )
        user.led_teams.add(*teams)
        people.append(user)
    return people


def seed_evaluations(count: int, *, seed: int = 1, batch: int = 5000, progress=None) -> int:
    """Insert ``count`` completed evaluations of random bench interactions. Returns how many."""
    rng = random.Random(seed)
    admin = bench_admin()
    teams = list(Team.objects.filter(name__startswith="Bench team"))
    evaluators = _evaluators(teams)
    card = _bench_scorecard(admin)
    version = card.current_version
    compiled = compiled_for(version.document)
    questions = compiled.scorecard.questions()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, i.agent_id, u.full_name, i.team_id, i.started_at FROM interactions_interaction i "
            "JOIN accounts_user u ON u.id = i.agent_id "
            "WHERE i.external_id LIKE 'bench-%%' ORDER BY i.id LIMIT %s",
            [count],
        )
        pool = cursor.fetchall()
    if not pool:
        return 0
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    made = 0
    while made < count:
        rows = []
        for _ in range(min(batch, count - made)):
            interaction_id, agent_id, agent_name, team_id, started = pool[(made + len(rows)) % len(pool)]
            if isinstance(started, str):
                from django.utils.dateparse import parse_datetime

                started = parse_datetime(started)
            answers = {}
            for q in questions:
                choice = rng.random()
                if q.allow_na and choice < 0.08:
                    answers[q.key] = "na"
                else:
                    # better answers are more common (weight by points rank); an answer that fails the
                    # section or the evaluation is rare (2 %), as on a real floor
                    options = sorted(q.options, key=lambda o: o.points)
                    safe = [o for o in options if o.auto_fail == "none"] or options
                    failing = [o for o in options if o.auto_fail != "none"]
                    if failing and rng.random() < 0.02:
                        answers[q.key] = rng.choice(failing).key
                    else:
                        answers[q.key] = rng.choices([o.key for o in safe], [1 + i for i in range(len(safe))])[0]
            result = score(compiled, answers)
            created = started + timedelta(hours=rng.randint(1, 96))
            status = rng.choice(statuses)
            pct = round_half_up(result.score_percent) if result.score_percent is not None else None
            rows.append(
                (
                    str(uuid.uuid4()),
                    created,
                    created,
                    interaction_id,
                    agent_id,
                    agent_name,
                    rng.choice(evaluators).pk,
                    team_id,
                    card.pk,
                    version.pk,
                    "manual",
                    status,
                    json.dumps(answers),
                    "{}",
                    "{}",
                    "",
                    pct,
                    round_half_up(result.earned),
                    round_half_up(result.possible),
                    result.passed,
                    result.auto_failed,
                    1,
                    2,
                    created,
                    created + timedelta(days=7) if status == "awaiting_ack" else None,
                    created + timedelta(days=1) if status == "acknowledged" else None,
                    False,
                    "",
                )
            )
        with transaction.atomic():
            insert_rows(Evaluation, COLUMNS, rows)
        made += len(rows)
        if progress:
            progress(len(rows))
    with connection.cursor() as cursor:  # fresh planner statistics: SQLite without them sorts the whole table
        cursor.execute(f"ANALYZE {Evaluation._meta.db_table}")
    analytics_rebuild()  # raw inserts bypass the services: give the new evaluations their analytics facts
    return made
