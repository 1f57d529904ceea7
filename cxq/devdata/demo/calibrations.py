"""Demo calibration sessions (idempotent): one closed with three submitted assessors (the admin as
benchmark), one open where only the evaluator has submitted — so the session view, the blind view and
the agreement page all have content."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from cxq.accounts.models import User
from cxq.calibrations import services
from cxq.calibrations.models import Session
from cxq.evaluations import services as evaluations
from cxq.interactions.models import Interaction
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import Scorecard


def _answers(card: Scorecard, rng: random.Random, base: dict | None = None) -> dict:
    """A plausible set of answers; with ``base``, mostly the same answers with a few changed."""
    answers = {}
    for q in compiled_for(card.current_version.document).scorecard.questions():
        keys = [o.key for o in sorted(q.options, key=lambda o: o.points)]
        if base is not None and q.key in base and rng.random() < 0.7:
            answers[q.key] = base[q.key]
        else:
            answers[q.key] = rng.choices(keys, [1 + 3 * i for i in range(len(keys))])[0]
    return answers


def _score(session: Session, user: User, answers: dict, comment: str = "") -> None:
    evaluation = services.assessor_start(by=user, session=session)
    evaluation = evaluations.evaluation_save(by=user, evaluation=evaluation, answers=answers, comment=comment)
    evaluations.evaluation_submit(by=user, evaluation=evaluation)


def load_demo_calibrations() -> int:
    if Session.objects.exists():
        return 0
    people = {u.email: u for u in User.objects.filter(email__endswith="@cxq.test")}
    admin, supervisor, evaluator = (people.get(f"{k}@cxq.test") for k in ("admin", "supervisor", "evaluator"))
    card = Scorecard.objects.filter(name="Voice customer service", status="published").first()
    if not (admin and supervisor and evaluator and card):
        return 0
    calls = list(
        Interaction.objects.filter(team__leads=supervisor, agent__isnull=False, channel="voice").order_by(
            "-started_at"
        )[:2]
    )
    if len(calls) < 2:
        return 0
    rng = random.Random(7)
    assessors = [supervisor, evaluator, admin]
    closed = services.session_create(
        by=supervisor,
        name="Billing calls — October calibration",
        scorecard=card,
        interaction=calls[1],
        assessors=assessors,
        benchmark=admin,
        due_at=timezone.now() + timedelta(days=1),
    )
    base = _answers(card, rng)
    _score(closed, admin, base, "Reference scoring.")
    _score(closed, supervisor, _answers(card, rng, base), "Strong close, hold etiquette could improve.")
    _score(closed, evaluator, _answers(card, rng, base))
    services.session_close(by=supervisor, session=closed)
    open_session = services.session_create(
        by=supervisor,
        name="Billing calls — November calibration",
        scorecard=card,
        interaction=calls[0],
        assessors=assessors,
        benchmark=admin,
        due_at=timezone.now() + timedelta(days=5),
    )
    _score(open_session, evaluator, _answers(card, rng))
    return 2
