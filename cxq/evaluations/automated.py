"""Automated evaluations (docs/evaluations.md#automated-evaluations): the system answers the questions a
scorecard links to indicators, from the interaction's enrichment hits, and keeps per answer the evidence
it rests on. The other questions stay unanswered; the score comes from the one scoring engine.

A person may take an automated evaluation over (``automated_evaluation_adopt``): it becomes their own
manual draft with the system's answers and evidence, which they complete and submit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.enrichment import original_span
from cxq.evaluations import policies
from cxq.evaluations.choices import COUNTED_STATUSES, Source, Status
from cxq.evaluations.models import Evaluation, Revision
from cxq.evaluations.services import _await_ack, _store, score_answers
from cxq.evaluations.sources import source_policy
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.choices import EnrichmentStatus
from cxq.interactions.models import Interaction, PhraseSet
from cxq.scorecards.choices import ScorecardStatus
from cxq.scorecards.models import Scorecard

# The evaluator of every automated evaluation: a person-less account that cannot log in.
SYSTEM_EMAIL = "automated-evaluations@cxq.invalid"
SYSTEM_NAME = "Automated evaluation"
MAX_EVIDENCE_TEXT = 2000


def system_evaluator() -> User:
    user = User.objects.filter(email=SYSTEM_EMAIL).first()
    if user is None:
        user = User.objects.create_user(SYSTEM_EMAIL, full_name=SYSTEM_NAME, is_active=False)
    return user


def linked_scorecards() -> QuerySet[Scorecard]:
    """Published scorecards whose current version answers at least one question from an indicator."""
    return (
        Scorecard.objects.filter(status=ScorecardStatus.PUBLISHED)
        .exclude(current_version__indicator_links={})
        .select_related("current_version")
        .order_by("name")
    )


def answer_from_indicators(links: dict, interaction: Interaction) -> tuple[dict, dict]:
    """The answers the links give for this interaction and, per answer, its evidence.

    For each linked question, in the order of the transcript: the first hit of the linked indicator in
    an utterance of the linked side is the evidence, and the question takes the "mentioned" answer;
    with no such hit it takes the "absent" one. A link whose answer for the case is empty leaves the
    question unanswered, and so does a link to an indicator deleted or switched off since (its hits are
    no longer found, so its absence proves nothing)."""
    sets = {str(s.uuid): s for s in PhraseSet.objects.filter(uuid__in=[link["indicator"] for link in links.values()])}
    utterances = interaction.utterances
    hits: dict[int, list[list]] = {}
    for row in interaction.hits or []:
        hits.setdefault(row[0], []).append(row)
    answers: dict = {}
    evidence: dict = {}
    for key, link in links.items():
        phrase_set = sets.get(link["indicator"])
        if phrase_set is None or not phrase_set.is_active:
            continue
        found = None
        for row in hits.get(phrase_set.pk, []):
            index = row[1]
            if index >= len(utterances):
                continue
            utterance = utterances[index]
            if link["side"] in ("any", utterance.speaker):
                found = (row, utterance)
                break
        answer = link["mentioned"] if found else link["absent"]
        if answer is None:
            continue
        item = {
            "indicator": phrase_set.name,
            "indicator_id": link["indicator"],
            "side": link["side"],
            "answer": answer,
            "mentioned": found is not None,
        }
        if found:
            (_, index, start, phrase, position, length, score), utterance = found
            item.update(
                utterance=index,
                start=start,
                speaker=utterance.speaker,
                text=utterance.text[:MAX_EVIDENCE_TEXT],
                phrase=phrase,
                matched=original_span(utterance.text, position, length),
                score=score,
            )
        answers[key] = answer
        evidence[key] = item
    return answers, evidence


def run_refusal(user: User, interaction: Interaction) -> str | None:
    """Why the person may not ask for an automated evaluation of this interaction: those who may assign
    evaluation work on it may, unless they handled it (they would choose when their own call is judged)."""
    refusal = policies.assign_refusal(user, interaction)
    if refusal is None and policies.handled(user, interaction):
        return "You handled this interaction: someone else asks for its evaluation."
    return refusal


@transaction.atomic
def automated_evaluation_run(
    *, by: User | None, interaction: Interaction, scorecard: Scorecard, agent: User | None = None
) -> Evaluation:
    """Answer the scorecard's linked questions for this interaction and complete the evaluation.

    ``by`` is the person who asked (``None``: an automation rule). The evaluation is completed at once
    (revision 1, "Answered from indicators"), then follows its source's policy like any other: the agent
    is told and acknowledges or disputes it."""
    if by is not None:
        refusal = run_refusal(by, interaction)
        if refusal:
            raise PermissionDenied(refusal)
    scorecard = Scorecard.objects.select_related("current_version").get(pk=scorecard.pk)
    if not scorecard.is_usable:
        raise ValidationError({"scorecard": "Only published scorecards can be used to evaluate."})
    version = scorecard.current_version
    if not version.indicator_links:
        raise ValidationError(
            {"scorecard": "No question of this scorecard is answered from an indicator: link some in the builder."}
        )
    if interaction.enrichment_status != EnrichmentStatus.DONE:
        raise ValidationError({"interaction": "This interaction is not enriched yet; try again in a moment."})
    agent = agent or interaction.agent
    if agent is None:
        raise ValidationError({"agent": "This interaction has no agent; choose the agent to evaluate."})
    if agent.pk not in policies.handler_ids(interaction):
        raise ValidationError({"agent": f"{agent} did not handle this interaction."})
    evaluation = Evaluation(
        interaction=interaction,
        agent=agent,
        agent_name=agent.full_name,
        evaluator=system_evaluator(),
        team=interaction.team,
        scorecard=scorecard,
        version=version,
        source=Source.AUTOMATED,
        status=Status.DRAFT,
    )
    answers, evidence = answer_from_indicators(version.indicator_links, interaction)
    clean, result = score_answers(evaluation, answers)
    evaluation.answers = clean
    evaluation.evidence = evidence
    _store(evaluation, result)
    now = timezone.now()
    evaluation.revision = 1
    evaluation.completed_at = now
    _await_ack(evaluation, now)
    evaluation.save()
    Revision.objects.create(
        evaluation=evaluation,
        number=1,
        answers=clean,
        result=result.as_json(),
        created_by=by,
        reason="Answered from indicators",
    )
    score_text = str(evaluation.score_percent)
    publish(
        Name.EVALUATION_COMPLETED,
        subject=evaluation,
        actor=by,
        data={"score": score_text, "passed": evaluation.passed, "automated": True, "answered": sorted(clean)},
        audit=AuditTrail(after={"score_percent": score_text, "passed": evaluation.passed, "source": "automated"}),
    )
    return evaluation


def adopt_refusal(user: User, evaluation: Evaluation) -> str | None:
    """Why the person may not take this automated evaluation over, or None when they may."""
    if not source_policy(evaluation.source).adoptable:
        return "Only an automated evaluation can be taken over."
    if evaluation.status not in COUNTED_STATUSES or evaluation.status == Status.DISPUTED:
        return "Answer the open dispute first." if evaluation.status == Status.DISPUTED else "It is not completed."
    return policies.evaluate_refusal(user, evaluation.interaction)


def may_adopt(user: User, evaluation: Evaluation) -> bool:
    return adopt_refusal(user, evaluation) is None


@transaction.atomic
def automated_evaluation_adopt(*, by: User, evaluation: Evaluation) -> Evaluation:
    """A person takes an automated evaluation over: it becomes their manual draft, keeping the system's
    answers and evidence; submitting it completes it as theirs (a new revision). Until then it is a draft
    and counts nowhere."""
    require(by, "evaluations.create")
    evaluation = Evaluation.objects.select_for_update().select_related("interaction").get(pk=evaluation.pk)
    refusal = policies.evaluate_refusal(by, evaluation.interaction)
    if refusal:
        raise PermissionDenied(refusal)
    refusal = adopt_refusal(by, evaluation)
    if refusal:
        raise ValidationError({"status": refusal})
    before = {"source": evaluation.source, "status": evaluation.status, "evaluator": str(evaluation.evaluator)}
    evaluation.source = Source.MANUAL
    evaluation.evaluator = by
    evaluation.status = Status.DRAFT
    evaluation.completed_at = None
    evaluation.ack_due_at = None
    evaluation.acknowledged_at = None
    evaluation.auto_acknowledged = False
    evaluation.lock_version = F("lock_version") + 1
    evaluation.save()
    evaluation.refresh_from_db()
    publish(
        Name.EVALUATION_ADOPTED,
        subject=evaluation,
        actor=by,
        data={"from": "automated"},
        audit=AuditTrail(before=before, after={"source": "manual", "status": "draft", "evaluator": str(by)}),
    )
    return evaluation
