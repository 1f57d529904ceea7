from __future__ import annotations

import json
import uuid as uuid_module

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.forms import apply_service_errors
from cxq.accounts.models import Team
from cxq.lib import jsonlimit
from cxq.lib.channels import Channel
from cxq.lib.widgets import pick_results
from cxq.scorecards import selectors, services
from cxq.scorecards.api import preview_payload
from cxq.scorecards.choices import ChangeKind, ScorecardStatus
from cxq.scorecards.csvio import document_to_csv, template_csv
from cxq.scorecards.forms import ImportConfirmForm, ImportForm, ScorecardFilterForm
from cxq.scorecards.imports import document_from_upload
from cxq.scorecards.links import indicators
from cxq.scorecards.models import ScorecardVersion
from cxq.scoring import BAND_COLOURS, ScorecardError, band_for, parse_document
from cxq.scoring.diff import classify_change, diff_documents

BLANK_DOCUMENT = {
    "name": "",
    "description": "",
    "scoring_mode": "percentage",
    "pass_mark": 80,
    "sections": [],
}


def _errors_json(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [m for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return {"__all__": exc.messages}


def _json_body(request) -> dict:
    try:
        data = jsonlimit.loads(request.body or b"{}")
    except json.JSONDecodeError:
        raise ValidationError({"__all__": "The request body is not valid JSON."})
    except jsonlimit.TooDeep as exc:
        raise ValidationError({"__all__": f"The request body is {exc}."})
    if not isinstance(data, dict):
        raise ValidationError({"__all__": "The request body must be a JSON object."})
    return data


@perm_required("scorecards.view")
def scorecard_list(request):
    form = ScorecardFilterForm(request.GET or None, initial={"status": "active"})
    data = form.cleaned_data if form.is_valid() else {"status": "active", "q": ""}
    scorecards = selectors.scorecard_list(viewer=request.user, status=data.get("status", ""), search=data.get("q", ""))
    return render(request, "scorecards/list.html", {"form": form, "scorecards": scorecards})


@perm_required("scorecards.view")
def scorecard_detail(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    doc = scorecard.current_version.document
    context = {
        "scorecard": scorecard,
        "doc": doc,
        "versions": selectors.version_list(scorecard=scorecard),
        "question_count": sum(len(s["questions"]) for s in doc["sections"]),
        "problems": services.publish_problems(parse_document(doc)),
    }
    return render(request, "scorecards/detail.html", context)


# --- Builder ------------------------------------------------------------------------------------


@perm_required("scorecards.edit")
def scorecard_new(request):
    if request.method == "POST":
        try:
            data = _json_body(request)
            scorecard = services.scorecard_create(
                by=request.user,
                document=data.get("document"),
                channels=data.get("channels"),
                teams=data.get("teams"),
                indicator_links=data.get("indicator_links"),
            )
        except ValidationError as exc:
            return JsonResponse({"errors": _errors_json(exc)}, status=400)
        messages.success(request, f"Draft “{scorecard.name}” created.")
        return JsonResponse({"redirect": reverse("scorecards:detail", args=[scorecard.uuid])})
    context = {
        **_builder_context(None),
        "document": BLANK_DOCUMENT,
        "creating": True,
        "links": {},
        "indicators": _indicator_choices(),
    }
    return render(request, "scorecards/builder.html", context)


def _indicator_choices() -> list[dict]:
    """The indicators a question can be answered from, for the builder's pick-list."""
    return [
        {"id": k, "name": name, "side": side} for k, (name, side) in sorted(indicators().items(), key=lambda i: i[1])
    ]


@perm_required("scorecards.edit")
def scorecard_edit(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    if request.method == "POST":
        try:
            data = _json_body(request)
            scorecard, outcome = services.scorecard_update(
                by=request.user,
                scorecard=scorecard,
                document=data.get("document"),
                change_note=str(data.get("change_note") or ""),
                channels=data.get("channels"),
                teams=data.get("teams"),
                indicator_links=data.get("indicator_links"),
            )
        except ValidationError as exc:
            return JsonResponse({"errors": _errors_json(exc)}, status=400)
        version = scorecard.current_version.number
        text = {
            ChangeKind.NEW_VERSION: f"Saved as version {version}: earlier evaluations keep their version.",
            ChangeKind.COSMETIC: f"Wording updated in version {version} (no effect on scores).",
            ChangeKind.SAVED: "Draft saved.",
            ChangeKind.LINKS: f"Answers from indicators updated in version {version} (no effect on scores).",
            ChangeKind.UNCHANGED: "Nothing changed.",
        }[outcome]
        messages.success(request, text)
        return JsonResponse({"redirect": reverse("scorecards:detail", args=[scorecard.uuid]), "outcome": outcome})
    if scorecard.status == ScorecardStatus.ARCHIVED:
        messages.error(request, "This scorecard is archived; restore it before editing.")
        return redirect("scorecards:detail", uuid=scorecard.uuid)
    context = {
        **_builder_context(scorecard),
        "document": scorecard.current_version.document,
        "scorecard": scorecard,
        "links": scorecard.current_version.indicator_links,
        "indicators": _indicator_choices(),
    }
    return render(request, "scorecards/builder.html", context)


def _builder_context(scorecard) -> dict:
    """The builder's choices for score bands and applicability (docs/scoring.md#applicability)."""
    return {
        "applicability": {
            "channels": list(scorecard.channels) if scorecard else [],
            "teams": [str(t.uuid) for t in scorecard.teams.all()] if scorecard else [],
        },
        "channel_choices": Channel.choices,
        "team_choices": Team.objects.order_by("name").only("uuid", "name"),
        "band_colours": BAND_COLOURS,
    }


@require_POST
@perm_required("scorecards.edit")
def scorecard_validate(request):
    """Validation as you type: the first problem in the document, with its key path."""
    try:
        data = _json_body(request)
        doc = parse_document(data.get("document"))
    except ScorecardError as exc:
        return JsonResponse({"ok": False, "error": {"path": exc.path, "message": exc.message}, "problems": []})
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": {"path": "", "message": " ".join(exc.messages)}, "problems": []})
    return JsonResponse({"ok": True, "error": None, "problems": services.publish_problems(doc)})


@require_POST
@perm_required("scorecards.edit")
def builder_preview(request):
    """The live preview in the builder: the evaluation form for the unsaved document."""
    try:
        doc = parse_document(_json_body(request).get("document")).to_document()
    except (ScorecardError, ValidationError) as exc:
        return render(request, "scorecards/_preview_invalid.html", {"error": str(exc)})
    return _render_form(request, doc, version=None)


def form_context(doc: dict, result: dict, bands: list | None = None) -> dict:
    """What the evaluation form's score panel needs: each section's title beside its result, and the band the
    score falls in (``bands``: the scorecard's current ones; by default the document's, docs/scoring.md#score-bands)."""
    bands = doc.get("bands", []) if bands is None else bands
    value = result.get("earned") if doc.get("scoring_mode") == "points" else result.get("score_percent")
    return {
        "doc": doc,
        "result": result,
        "band": band_for(bands, value),
        "panel": list(zip(doc["sections"], result["sections"], strict=True)),
        "titles": {q["key"]: q["text"] for s in doc["sections"] for q in s["questions"]},
    }


def _default_answers(doc: dict) -> dict:
    return {q["key"]: q["default"] for s in doc["sections"] for q in s["questions"] if q["default"] is not None}


def _render_form(request, doc: dict, version: ScorecardVersion | None, status: int = 200):
    answers = _default_answers(doc)
    context = {
        **form_context(doc, preview_payload(doc, answers)),
        "version": version,
        "answers": {k: str(v) for k, v in answers.items()},
        "document_json": json.dumps(doc) if version is None else "",
    }
    return render(request, "scorecards/_form.html", context, status=status)


@perm_required("scorecards.view")
def scorecard_preview(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    number = request.GET.get("version", "")
    version = (
        selectors.version_get(scorecard=scorecard, number=int(number))
        if number.isascii() and number.isdigit()
        else scorecard.current_version
    )
    doc = version.document
    answers = _default_answers(doc)
    context = {
        **form_context(doc, preview_payload(doc, answers)),
        "scorecard": scorecard,
        "version": version,
        "answers": {k: str(v) for k, v in answers.items()},
    }
    return render(request, "scorecards/preview.html", context)


@require_POST
@perm_required("scorecards.view")
def preview_score(request):
    """The running total: answers posted by the form → score panel (and which questions hide)."""
    version_id = request.POST.get("version", "")
    if version_id:
        try:
            uuid_module.UUID(version_id)
        except ValueError:
            return HttpResponse("version: not a valid id.", status=400)
        version = ScorecardVersion.objects.filter(uuid=version_id).first()
        if version is None:
            return HttpResponse("Unknown scorecard version.", status=400)
        doc = version.document
    else:
        try:
            doc = parse_document(json.loads(request.POST.get("document", ""))).to_document()
        except (ValueError, ScorecardError) as exc:
            return HttpResponse(f"Invalid scorecard: {exc}", status=400)
    answers = {k[3:]: v for k, v in request.POST.items() if k.startswith("qa_") and v != ""}
    try:
        result = preview_payload(doc, answers)
    except ValidationError as exc:
        detail = "; ".join(
            f"{field}: {' '.join(m for e in errs for m in e.messages)}" for field, errs in exc.error_dict.items()
        )
        return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
    return render(request, "scorecards/_form.html#score-panel", form_context(doc, result))


# --- Lifecycle ----------------------------------------------------------------------------------


def _lifecycle(service, success: str):
    @require_POST
    @perm_required("scorecards.edit")
    def view(request, uuid):
        scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
        try:
            service(by=request.user, scorecard=scorecard)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, success.format(name=scorecard.name))
        return redirect("scorecards:detail", uuid=scorecard.uuid)

    return view


scorecard_publish = _lifecycle(services.scorecard_publish, "“{name}” is published and can be used to evaluate.")
scorecard_archive = _lifecycle(services.scorecard_archive, "“{name}” is archived; its evaluations stay as they are.")
scorecard_restore = _lifecycle(services.scorecard_restore, "“{name}” is published again.")


@require_POST
@perm_required("scorecards.edit")
def scorecard_duplicate(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    copy = services.scorecard_duplicate(by=request.user, scorecard=scorecard)
    messages.success(request, f"Draft “{copy.name}” created from “{scorecard.name}”.")
    return redirect("scorecards:detail", uuid=copy.uuid)


@require_POST
@perm_required("scorecards.edit")
def scorecard_delete(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    try:
        services.scorecard_delete(by=request.user, scorecard=scorecard)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scorecards:detail", uuid=scorecard.uuid)
    messages.success(request, f"Draft “{scorecard.name}” deleted.")
    return redirect("scorecards:list")


# --- Versions -----------------------------------------------------------------------------------


@perm_required("scorecards.view")
def scorecard_versions(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    versions = list(selectors.version_list(scorecard=scorecard))
    numbers = [v.number for v in versions]
    a = request.GET.get("a", "")
    b = request.GET.get("b", "")
    diff = None
    if a.isascii() and a.isdigit() and b.isascii() and b.isdigit():
        va = selectors.version_get(scorecard=scorecard, number=int(a))
        vb = selectors.version_get(scorecard=scorecard, number=int(b))
        diff = {
            "a": va,
            "b": vb,
            "changes": diff_documents(va.document, vb.document),
            "classification": classify_change(va.document, vb.document),
        }
    context = {
        "scorecard": scorecard,
        "versions": versions,
        "numbers": numbers,
        "diff": diff,
        "a": a or (numbers[1] if len(numbers) > 1 else ""),
        "b": b or (numbers[0] if numbers else ""),
    }
    return render(request, "scorecards/versions.html", context)


# --- Import / export ----------------------------------------------------------------------------


@perm_required("scorecards.view")
def scorecard_export(request, uuid):
    scorecard = selectors.scorecard_get_for(viewer=request.user, uuid=uuid)
    number = request.GET.get("version", "")
    version = (
        selectors.version_get(scorecard=scorecard, number=int(number))
        if number.isascii() and number.isdigit()
        else scorecard.current_version
    )
    fmt = request.GET.get("format", "json")
    slug = f"scorecard-{scorecard.name.lower().replace(' ', '-')[:40]}-v{version.number}"
    if fmt == "csv":
        response = HttpResponse(document_to_csv(version.document), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
        return response
    if fmt != "json":
        return HttpResponse("format must be json or csv", status=400)
    response = HttpResponse(
        json.dumps(version.document, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}.json"'
    return response


@perm_required("scorecards.view")
def scorecard_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cxq-scorecard-template.csv"'
    return response


@perm_required("scorecards.edit")
def scorecard_import(request):
    """Upload → preview of what will change → confirm. Nothing is written before the confirm."""
    editable = selectors.scorecard_list(viewer=request.user, status="active")
    form = ImportForm(request.POST or None, request.FILES or None, scorecards=editable)
    if request.method == "POST" and "confirm" in request.POST:
        return _import_confirm(request, editable)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = document_from_upload(upload.name, upload.read())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            target = editable.filter(uuid=form.cleaned_data["update"]).first() if form.cleaned_data["update"] else None
            confirm = ImportConfirmForm(
                initial={"document": json.dumps(document), "update": str(target.uuid) if target else ""}
            )
            return render(request, "scorecards/import_preview.html", _import_preview_context(document, target, confirm))
    return render(request, "scorecards/import.html", {"form": form})


def _import_preview_context(document: dict, target, confirm) -> dict:
    base = target.current_version.document if target else None
    return {
        "document": document,
        "target": target,
        "form": confirm,
        "changes": diff_documents(base, document) if base else [],
        "classification": classify_change(base, document) if base else "new",
        "question_count": sum(len(s["questions"]) for s in document["sections"]),
    }


def _import_confirm(request, editable):
    confirm = ImportConfirmForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, "The import form was incomplete; upload the file again.")
        return redirect("scorecards:import")
    data = confirm.cleaned_data
    target = editable.filter(uuid=data["update"]).first() if data["update"] else None
    try:
        document = jsonlimit.loads(data["document"])
    except ValueError:  # not JSON, or nested too deeply (a RecursionError from json.loads was a 500)
        messages.error(request, "The import form was damaged; upload the file again.")
        return redirect("scorecards:import")
    try:
        if target is None:
            scorecard = services.scorecard_create(
                by=request.user, document=document, change_note=data["change_note"] or "Imported"
            )
            messages.success(request, f"Imported “{scorecard.name}” as a draft.")
        else:
            scorecard, outcome = services.scorecard_update(
                by=request.user, scorecard=target, document=document, change_note=data["change_note"]
            )
            messages.success(request, f"Imported into “{scorecard.name}”: {outcome.label.lower()}.")
    except ValidationError as exc:
        apply_service_errors(confirm, exc)
        return render(
            request,
            "scorecards/import_preview.html",
            _import_preview_context(document, target, confirm),
            status=400,
        )
    return redirect("scorecards:detail", uuid=scorecard.uuid)


@perm_required("interactions.view")
def scorecard_pick(request):
    """The scorecard picker's JSON (docs/interactions.md#pickers): scorecards ever published, by name."""
    return JsonResponse(pick_results(selectors.pickable_scorecards(), request.GET.get("q", ""), label="name"))
