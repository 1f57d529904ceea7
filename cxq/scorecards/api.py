from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.permissions import has_perm, require
from cxq.lib.apischema import PublicIdOut, errors
from cxq.lib.channels import Channel
from cxq.lib.inputs import JsonObject, MultilineText, Text
from cxq.lib.jsonlimit import TooDeep, check_depth
from cxq.lib.pagination import CursorPagination
from cxq.scorecards import selectors, services
from cxq.scorecards.csvio import document_to_csv
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.imports import document_from_text
from cxq.scorecards.models import Scorecard, ScorecardVersion
from cxq.scoring import AnswerError, normalize_answers, score
from cxq.scoring.diff import classify_change, diff_documents
from cxq.scoring.engine import missing_required

router = Router(tags=["scorecards"])


class VersionOut(PublicIdOut):
    number: int
    change_note: str
    created_at: datetime
    updated_at: datetime
    created_by: str | None

    @staticmethod
    def resolve_created_by(obj):
        return str(obj.created_by) if obj.created_by else None


class VersionDocumentOut(VersionOut):
    document: dict


class ScorecardOut(PublicIdOut):
    name: str
    description: str
    status: str
    scoring_mode: str
    bands: list[dict] = Field(description="Score bands of the current version (docs/scoring.md#score-bands)")
    channels: list[Channel] = Field(description="Channels it applies to; empty = every channel")
    teams: list[UUID] = Field(description="Teams it applies to; empty = every team")
    current_version: VersionOut | None
    published_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_teams(obj):
        return [t.uuid for t in obj.teams.all()]


class ScorecardDetailOut(ScorecardOut):
    document: dict
    indicator_links: dict = Field(
        description="Questions answered from indicators: question key → {indicator, side, mentioned, absent}"
    )

    @staticmethod
    def resolve_document(obj):
        return obj.current_version.document

    @staticmethod
    def resolve_indicator_links(obj):
        return obj.current_version.indicator_links


class ApplicabilityIn(Schema):
    channels: list[Channel] | None = Field(None, description="Channels it applies to; [] = every channel")
    teams: list[UUID] | None = Field(None, description="Teams it applies to (ids); [] = every team")


class DocumentIn(ApplicabilityIn):
    document: JsonObject
    change_note: MultilineText = ""
    indicator_links: JsonObject | None = Field(
        None,
        description="Question key → {indicator (id), side (any/agent/customer), mentioned, absent (option keys)}; "
        "omitted: the current links that still fit are kept",
    )


def _applicability(payload: ApplicabilityIn) -> dict:
    return {
        "channels": None if payload.channels is None else [c.value for c in payload.channels],
        "teams": None if payload.teams is None else [str(t) for t in payload.teams],
    }


class SaveOut(Schema):
    outcome: str
    scorecard: ScorecardDetailOut


class DuplicateIn(Schema):
    name: Text = ""


class ChangeOut(Schema):
    path: str
    field: str
    kind: str
    old: Any = None
    new: Any = None
    cosmetic: bool
    description: str


class DiffOut(Schema):
    from_version: int
    to_version: int
    classification: str
    changes: list[ChangeOut]


class ImportIn(Schema):
    format: Literal["json", "csv"]
    content: MultilineText | JsonObject
    update: UUID | None = None
    change_note: MultilineText = ""
    dry_run: bool = False


class ImportOut(Schema):
    applied: bool
    outcome: str
    scorecard: ScorecardDetailOut | None = None
    document: dict
    changes: list[ChangeOut]


class PreviewIn(Schema):
    version: UUID | None = None
    scorecard: UUID | None = None
    document: JsonObject | None = None
    answers: JsonObject = {}


def _change_out(c) -> dict:
    return {
        "path": c.path,
        "field": c.field,
        "kind": c.kind,
        "old": c.old,
        "new": c.new,
        "cosmetic": c.cosmetic,
        "description": c.describe(),
    }


@router.get(
    "/scorecards", response={200: list[ScorecardOut], **errors(403, 422)}, summary="Scorecards (scorecards.view)"
)
@paginate(CursorPagination, ordering=("id",))
def scorecards_list(request, status: Text = "", search: Text = ""):
    return selectors.scorecard_list(viewer=request.user, status=status, search=search)


@router.post(
    "/scorecards",
    response={201: ScorecardDetailOut, **errors(400, 403, 422)},
    summary="Create a draft from a scorecard document",
)
def scorecards_create(request, payload: DocumentIn):
    return Status(
        201,
        services.scorecard_create(
            by=request.user,
            document=payload.document,
            change_note=payload.change_note,
            indicator_links=payload.indicator_links,
            **_applicability(payload),
        ),
    )


# Declared before the /scorecards/{uuid} routes so 'import' is not read as an id.
@router.post(
    "/scorecards/import",
    response={200: ImportOut, 201: ImportOut, **errors(400, 403, 404, 422)},
    summary="Import JSON or CSV: a new draft, or an update of an existing scorecard",
)
def scorecards_import(request, payload: ImportIn):
    require(request.user, "scorecards.edit")
    content = payload.content
    if payload.format == "json" and isinstance(content, dict):
        try:
            check_depth(content)
        except TooDeep as exc:
            raise ValidationError({"content": f"The document is {exc}."})
        document = services.parse_or_invalid(content).to_document()
    elif isinstance(content, str):
        document = document_from_text(payload.format, content)
    else:
        raise ValidationError({"content": "CSV content must be text."})
    target: Scorecard | None = None
    if payload.update:
        target = selectors.scorecard_get_for(viewer=request.user, uuid=payload.update)
    base = target.current_version.document if target else None
    changes = [_change_out(c) for c in diff_documents(base, document)] if base else []
    if payload.dry_run:
        outcome = classify_change(base, document) if base else "new"
        return Status(
            200,
            {
                "applied": False,
                "outcome": outcome,
                "scorecard": target,
                "document": document,
                "changes": changes,
            },
        )
    if target is None:
        created = services.scorecard_create(
            by=request.user, document=document, change_note=payload.change_note or "Imported"
        )
        return Status(
            201,
            {
                "applied": True,
                "outcome": "created",
                "scorecard": created,
                "document": document,
                "changes": [],
            },
        )
    scorecard, outcome = services.scorecard_update(
        by=request.user, scorecard=target, document=document, change_note=payload.change_note
    )
    return {
        "applied": True,
        "outcome": str(outcome),
        "scorecard": scorecard,
        "document": document,
        "changes": changes,
    }


@router.get("/scorecards/{uuid}", response={200: ScorecardDetailOut, **errors(403, 404, 422)})
def scorecards_get(request, uuid: UUID):
    return selectors.scorecard_get_for(viewer=request.user, uuid=uuid)


@router.put(
    "/scorecards/{uuid}",
    response={200: SaveOut, **errors(400, 403, 404, 422)},
    summary="Save a new document (cosmetic in place or new version)",
)
def scorecards_update(request, uuid: UUID, payload: DocumentIn):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    scorecard, outcome = services.scorecard_update(
        by=request.user,
        scorecard=scorecard,
        document=payload.document,
        change_note=payload.change_note,
        **_applicability(payload),
        indicator_links=payload.indicator_links,
    )
    return {"outcome": str(outcome), "scorecard": scorecard}


@router.put(
    "/scorecards/{uuid}/applicability",
    response={200: ScorecardDetailOut, **errors(400, 403, 404, 422)},
    summary="Set the channels and teams a scorecard applies to (scorecards.edit)",
)
def scorecards_applicability(request, uuid: UUID, payload: ApplicabilityIn):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    return services.scorecard_set_applicability(by=request.user, scorecard=scorecard, **_applicability(payload))


@router.delete("/scorecards/{uuid}", response={204: None, **errors(400, 403, 404, 422)}, summary="Delete a draft")
def scorecards_delete(request, uuid: UUID):
    services.scorecard_delete(by=request.user, scorecard=selectors.scorecard_get_for(viewer=request.user, uuid=uuid))
    return Status(204, None)


@router.post("/scorecards/{uuid}/publish", response={200: ScorecardDetailOut, **errors(400, 403, 404, 422)})
def scorecards_publish(request, uuid: UUID):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    return services.scorecard_publish(by=request.user, scorecard=scorecard)


@router.post("/scorecards/{uuid}/archive", response={200: ScorecardDetailOut, **errors(400, 403, 404, 422)})
def scorecards_archive(request, uuid: UUID):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    return services.scorecard_archive(by=request.user, scorecard=scorecard)


@router.post("/scorecards/{uuid}/restore", response={200: ScorecardDetailOut, **errors(400, 403, 404, 422)})
def scorecards_restore(request, uuid: UUID):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    return services.scorecard_restore(by=request.user, scorecard=scorecard)


@router.post("/scorecards/{uuid}/duplicate", response={201: ScorecardDetailOut, **errors(400, 403, 404, 422)})
def scorecards_duplicate(request, uuid: UUID, payload: DuplicateIn):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    return Status(201, services.scorecard_duplicate(by=request.user, scorecard=scorecard, name=payload.name))


@router.get("/scorecards/{uuid}/versions", response={200: list[VersionOut], **errors(403, 404, 422)})
def scorecards_versions(request, uuid: UUID):
    return list(selectors.version_list(scorecard=selectors.scorecard_get_for(viewer=request.user, uuid=uuid)))


@router.get("/scorecards/{uuid}/versions/{number}", response={200: VersionDocumentOut, **errors(403, 404, 422)})
def scorecards_version(request, uuid: UUID, number: int):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    return selectors.version_get(scorecard=scorecard, number=number)


@router.get(
    "/scorecards/{uuid}/diff",
    response={200: DiffOut, **errors(403, 404, 422)},
    summary="What changed between two versions",
)
def scorecards_diff(request, uuid: UUID, from_version: int, to_version: int):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    a = selectors.version_get(scorecard=scorecard, number=from_version)
    b = selectors.version_get(scorecard=scorecard, number=to_version)
    return {
        "from_version": a.number,
        "to_version": b.number,
        "classification": classify_change(a.document, b.document),
        "changes": [_change_out(c) for c in diff_documents(a.document, b.document)],
    }


@router.get(
    "/scorecards/{uuid}/export",
    summary="The scorecard as its JSON document or CSV",
    response={200: dict, **errors(403, 404, 422)},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def scorecards_export(request, uuid: UUID, format: Literal["json", "csv"] = "json", version: int | None = None):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    v = selectors.version_get(scorecard=scorecard, number=version) if version else scorecard.current_version
    if format == "csv":
        response = HttpResponse(document_to_csv(v.document), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="scorecard-{scorecard.uuid}-v{v.number}.csv"'
        return response
    return v.document


class PreviewQuestionOut(Schema):
    key: str
    answer: str | None
    visible: bool
    applicable: bool
    earned: float
    possible: float
    auto_fail: str


class PreviewOut(Schema):
    score_percent: float | None
    earned: float | None
    possible: float | None
    passed: bool
    auto_failed: bool
    sections: list[dict]
    hidden: list[str]
    missing_required: list[str]
    questions: list[PreviewQuestionOut]


def preview_payload(document: dict, raw_answers: dict) -> dict:
    """The running total for a document and raw answers (shared by the API and the web preview)."""
    compiled = compiled_for(document)
    try:
        answers = normalize_answers(compiled, raw_answers)
    except AnswerError as exc:
        raise ValidationError({f"answers.{exc.key}" if exc.key else "answers": exc.message})
    result = score(compiled, answers)
    return {
        **result.as_json(),
        "hidden": sorted(result.hidden),
        "missing_required": missing_required(compiled, answers),
        "questions": [
            {
                "key": q.key,
                "answer": q.answer,
                "visible": q.visible,
                "applicable": q.applicable,
                "earned": float(q.earned),
                "possible": float(q.possible),
                "auto_fail": q.auto_fail,
            }
            for q in result.questions
        ],
    }


@router.post(
    "/scoring/preview",
    response={200: PreviewOut, **errors(400, 403, 404, 422)},
    tags=["scoring"],
    summary="Score answers against a scorecard version (running total)",
)
def scoring_preview(request, payload: PreviewIn):
    user = request.user
    if not (has_perm(user, "scorecards.view") or has_perm(user, "evaluations.create")):
        require(user, "scorecards.view")
    if payload.version:
        version = ScorecardVersion.objects.filter(uuid=payload.version).first()
        if version is None:
            raise ValidationError({"version": "No scorecard version has this id."})
        document = version.document
    elif payload.scorecard:
        document = selectors.scorecard_get_for(viewer=user, uuid=payload.scorecard).current_version.document
    elif payload.document is not None:
        document = services.parse_or_invalid(payload.document).to_document()
    else:
        raise ValidationError({"version": "Give a version, a scorecard or a document to score against."})
    return preview_payload(document, payload.answers)
