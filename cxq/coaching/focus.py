"""What a session is made from and what it may focus on (docs/coaching.md#focus): the page's side of
choosing agents, evaluations, questions, moments and notes. Reads only; the service validates."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import BadRequest
from django.http import Http404
from django.utils import timezone

from cxq.accounts.models import User
from cxq.coaching.choices import FocusKind, Origin
from cxq.coaching.models import CoachingSession
from cxq.coaching.services import FocusInput, SessionInput
from cxq.evaluations.choices import COUNTED_STATUSES
from cxq.evaluations.models import Dispute, Evaluation
from cxq.evaluations.selectors import evaluation_scope
from cxq.interactions.models import Interaction
from cxq.interactions.selectors import interaction_scope
from cxq.scorecards.engine import compiled_for

RECENT_EVALUATIONS = 5


def _uuid(raw) -> UUID | None:
    try:
        return UUID(str(raw))
    except (TypeError, ValueError):
        return None


def _seconds(raw) -> int | None:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


@dataclass
class Moment:
    interaction: Interaction
    at_seconds: int
    note: str = ""


@dataclass
class Source:
    """Where a new session comes from: the coaching page (optionally for one agent), an evaluation, a
    dispute's outcome or a moment (an interaction and a second, docs/coaching.md#made-from)."""

    origin: str = Origin.PAGE
    evaluation: Evaluation | None = None
    dispute: Dispute | None = None
    moment: Moment | None = None
    agents: list[User] = field(default_factory=list)
    session: CoachingSession | None = None

    def moments(self) -> list[Moment]:
        """The moments the form carries along (hidden): the source's, or those the session focuses on."""
        if self.session is not None:
            return [
                Moment(i.interaction, i.at_seconds or 0, i.note)
                for i in self.session.focus.select_related("interaction")
                if i.kind == FocusKind.MOMENT and i.interaction is not None
            ]
        return [self.moment] if self.moment else []

    @classmethod
    def from_request(cls, request) -> Source:
        viewer, q = request.user, request.GET
        source = cls()
        if q.get("evaluation"):
            source.evaluation = _evaluation(viewer, q.get("evaluation"))
            source.origin = Origin.EVALUATION
            source.agents = [source.evaluation.agent]
            if q.get("dispute"):
                source.dispute = Dispute.objects.filter(
                    evaluation=source.evaluation, uuid=_uuid(q.get("dispute"))
                ).first()
                if source.dispute is None:
                    raise Http404("No dispute of this evaluation has this id.")
                source.origin = Origin.DISPUTE
        elif q.get("interaction"):
            interaction = interaction_scope(viewer=viewer).filter(uuid=_uuid(q.get("interaction"))).first()
            at = _seconds(q.get("at", "0"))
            if at is None:
                raise BadRequest("at: the moment's time is a whole number of seconds, 0 or more.")
            if interaction is None:
                raise Http404("No interaction you may see has this id.")
            note = (q.get("note") or "").strip()[:500]
            if q.get("moment"):
                note = f"Moment {str(q.get('moment'))[:64]}" + (f": {note}" if note else "")
            source.moment = Moment(interaction, at, note)
            source.origin = Origin.MOMENT
            source.agents = [interaction.agent] if interaction.agent_id else []
        elif q.get("agent"):
            from cxq.coaching.selectors import possible_agents

            agent = possible_agents(viewer).filter(uuid=_uuid(q.get("agent"))).first()
            source.agents = [agent] if agent else []
        return source

    @classmethod
    def of_session(cls, session: CoachingSession) -> Source:
        return cls(
            origin=session.origin,
            evaluation=session.evaluation,
            dispute=session.dispute,
            agents=[a.agent for a in session.attendees.all()],
            session=session,
        )

    def initial(self, viewer) -> dict:
        initial = {"coach": str(viewer.uuid), "agents": [str(a.uuid) for a in self.agents]}
        if self.evaluation is not None:
            what = "dispute outcome" if self.dispute else "evaluation"
            initial["title"] = (
                f"{self.evaluation.scorecard.name}: {what} of {self.evaluation.interaction.started_at:%Y-%m-%d}"
            )
        elif self.moment is not None:
            initial["title"] = "A moment to work on"
        return initial

    def agents_for(self, form) -> list[User]:
        """The agents whose evaluations and weak questions the form offers: those ticked, else the source's."""
        ticked = form.data.getlist("agents") if form.is_bound else []
        people = [form.people[k] for k in ticked if k in form.people]
        return people or self.agents

    def chosen(self, request) -> dict:
        """The focus ticked (a refused form keeps it), else what the source or the session already has."""
        if request.method == "POST":
            return {
                "evaluations": set(request.POST.getlist("focus_evaluation")),
                "questions": set(request.POST.getlist("focus_question")),
                "weak": set(request.POST.getlist("focus_weak")),
            }
        if self.session is not None:
            items = list(self.session.focus.filter(withdrawn_at__isnull=True).select_related("evaluation"))
            return {
                "evaluations": {str(i.evaluation.uuid) for i in items if i.kind == FocusKind.EVALUATION},
                "questions": {f"{i.evaluation.uuid}:{i.question_key}" for i in items if i.kind == FocusKind.QUESTION},
                "weak": set(),
            }
        keys = set()
        if self.dispute is not None:
            keys = {f"{self.evaluation.uuid}:{i.question_key}" for i in self.dispute.items.all()}
        return {
            "evaluations": {str(self.evaluation.uuid)} if self.evaluation else set(),
            "questions": keys,
            "weak": set(),
        }


def _evaluation(viewer, raw) -> Evaluation:
    ev = (
        evaluation_scope(viewer=viewer)
        .select_related("agent", "scorecard", "version", "interaction")
        .filter(uuid=_uuid(raw))
        .first()
    )
    if ev is None:
        raise Http404("No evaluation you may see has this id.")
    return ev


@dataclass
class Candidate:
    evaluation: Evaluation
    questions: list[tuple[str, str, str]]  # (key, text, the answer's label): answers that lost points


def lost_points(evaluation: Evaluation) -> list[tuple[str, str, str]]:
    out = []
    for section in compiled_for(evaluation.version.document).scorecard.sections:
        for q in section.questions:
            chosen = evaluation.answers.get(q.key)
            options = {o.key: o for o in q.options}
            if chosen in options and q.options and options[chosen].points < max(o.points for o in q.options):
                out.append((q.key, q.text or q.key, getattr(options[chosen], "label", chosen)))
    return out


def candidates(viewer, agents: list[User], source: Source) -> list[Candidate]:
    """The evaluations offered as focus: the source's, then each agent's latest counted ones."""
    seen: dict[int, Evaluation] = {}
    if source.evaluation is not None:
        seen[source.evaluation.pk] = source.evaluation
    if source.session is not None:
        live = source.session.focus.filter(withdrawn_at__isnull=True)
        for item in live.select_related("evaluation__version", "evaluation__scorecard"):
            if item.evaluation is not None:
                seen.setdefault(item.evaluation_id, item.evaluation)
    if agents:
        recent = (
            evaluation_scope(viewer=viewer)
            .filter(agent__in=agents, status__in=COUNTED_STATUSES)
            .select_related("agent", "scorecard", "version", "interaction")
            .order_by("-completed_at", "-id")[: RECENT_EVALUATIONS * len(agents)]
        )
        for ev in recent:
            seen.setdefault(ev.pk, ev)
    return [Candidate(ev, lost_points(ev)) for ev in seen.values()]


def session_input(request, form) -> SessionInput:
    """The form's values and the ticked focus as the service's input (ids resolved in the viewer's scope;
    the service refuses what does not belong)."""
    d = form.cleaned_data
    viewer = request.user
    items: list[FocusInput] = []
    evaluations = {}

    def ev(raw):
        key = str(raw)
        if key not in evaluations:
            found = evaluation_scope(viewer=viewer).select_related("version").filter(uuid=_uuid(raw)).first()
            evaluations[key] = found
        return evaluations[key]

    for raw in request.POST.getlist("focus_evaluation"):
        items.append(FocusInput(kind=FocusKind.EVALUATION, evaluation=ev(raw)))
    for raw in request.POST.getlist("focus_question"):
        uuid, _, key = raw.partition(":")
        items.append(FocusInput(kind=FocusKind.QUESTION, evaluation=ev(uuid), question_key=key))
    moments = zip(
        request.POST.getlist("moment_interaction"),
        request.POST.getlist("moment_at"),
        request.POST.getlist("moment_note"),
        strict=False,
    )
    for raw, at, note in moments:
        interaction = interaction_scope(viewer=viewer).filter(uuid=_uuid(raw)).first()
        items.append(FocusInput(kind=FocusKind.MOMENT, interaction=interaction, at_seconds=_seconds(at), note=note))
    for text in request.POST.getlist("focus_weak"):
        items.append(FocusInput(kind=FocusKind.NOTE, note=f"Often missed: {text}"))
    for line in (d.get("notes") or "").splitlines():
        if line.strip():
            items.append(FocusInput(kind=FocusKind.NOTE, note=line.strip()))
    return SessionInput(
        title=d["title"],
        agents=[form.people[k] for k in d["agents"]],
        coach=form.coaches[d["coach"]],
        kind=d["kind"],
        starts_at=d.get("starts_at"),
        duration_minutes=d["duration_minutes"],
        meeting_url=d.get("meeting_url") or "",
        location=d.get("location") or "",
        due_at=d.get("due_at"),
        material=d.get("material") or "",
        material_url=d.get("material_url") or "",
        focus=items,
    )


def initial_of(session: CoachingSession) -> dict:
    local = timezone.localtime
    notes = [i.note for i in session.focus.all() if i.kind == FocusKind.NOTE]
    return {
        "title": session.title,
        "agents": [str(a.agent.uuid) for a in session.attendees.all()],
        "coach": str(session.coach.uuid),
        "kind": session.kind,
        "starts_at": local(session.starts_at).strftime("%Y-%m-%dT%H:%M") if session.starts_at else None,
        "duration_minutes": session.duration_minutes,
        "meeting_url": session.meeting_url,
        "location": session.location,
        "due_at": local(session.due_at).strftime("%Y-%m-%dT%H:%M") if session.due_at else None,
        "material": session.material,
        "material_url": session.material_url,
        "notes": "\n".join(notes),
    }
