from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.forms import apply_service_errors
from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import agents_in_scope, team_list
from cxq.interactions import comments, media, phrases, recordings, screens, selectors, services
from cxq.interactions.choices import Source
from cxq.interactions.datasets import parse_pasted_transcript
from cxq.interactions.filters import InteractionFilter
from cxq.interactions.forms import OfflineInteractionForm, PhraseSetForm
from cxq.interactions.models import PhraseSet, Recording, SavedFilter, ScreenTrack
from cxq.interactions.services import IngestError, interaction_upsert, parse_payload
from cxq.lib.inputs import filter_status

PAGE = 50
PRIMARY = ("channel", "agent", "team", "date_from", "date_to", "evaluated")
# What the table shows: metrics, metadata and the rest stay in the database (no JSON to decode per row)
LIST_COLUMNS = (
    "uuid",
    "started_at",
    "external_id",
    "channel",
    "direction",
    "agent__full_name",
    "team__name",
    "queue",
    "disposition",
    "duration_seconds",
    "topics",
    "language",
)


@perm_required("interactions.view")
def interaction_list(request):
    viewer = request.user
    agents = agents_in_scope(viewer=viewer)
    filterset = InteractionFilter(
        request.GET or None,
        agents=agents,
        teams=team_list(viewer=viewer),
        phrase_sets=PhraseSet.objects.order_by("name"),
    )
    form = filterset.form
    valid = filterset.is_valid()
    cursor = request.GET.get("cursor", "")
    listed = selectors.interaction_list(viewer=viewer, filters=filterset).only(*LIST_COLUMNS)
    page = selectors.page_at(listed, cursor, PAGE)
    query = request.GET.copy()
    query.pop("cursor", None)
    secondary = [form[name] for name in form.fields if name not in PRIMARY and name != "q"]
    saved = SavedFilter.objects.filter(owner=viewer)
    context = {
        "form": form,
        "primary_fields": [form[name] for name in PRIMARY],
        "secondary_fields": secondary,
        "secondary_used": any(request.GET.get(f.name) for f in secondary),
        "rows": page.rows,
        "next_cursor": page.next,
        "previous_cursor": page.previous,
        "filter_query": query.urlencode(),
        "paged": bool(cursor),
        "saved_filters": saved,
    }
    template = "interactions/list.html"
    if request.htmx and request.htmx.target == "interaction-table":
        template += "#interaction-table"
    return render(request, template, context, status=filter_status(request, form, valid))


def _timeline_length(interaction, utterances) -> float:
    """Seconds the timeline spans: the interaction's duration, or its last utterance if that is later."""
    return max([interaction.duration_seconds] + [u.end for u in utterances] + [1])


def _timeline(interaction, utterances, hits, threads) -> list[dict]:
    """Markers for the timeline above the transcript: indicator/topic hits and comments, placed by
    time as a percentage of the interaction's length."""
    length = _timeline_length(interaction, utterances)
    starts = {u.index: u.start for u in utterances}
    markers = [
        {
            "left": round(100 * h.start / length, 2),
            "kind": h.phrase_set.kind,
            "label": h.phrase_set.name,
            "target": f"u{h.utterance_index}",
            "at": h.start,
        }
        for h in hits
    ]
    for c in threads:
        at = c.timestamp if c.timestamp is not None else starts.get(c.utterance_index)
        if at is not None:
            markers.append(
                {
                    "left": round(100 * at / length, 2),
                    "kind": "comment",
                    "label": c.body[:60],
                    "target": f"comment-{c.uuid}",
                    "at": at,
                }
            )
    return sorted(markers, key=lambda m: m["at"])


@perm_required("interactions.view")
def interaction_detail(request, uuid):
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    utterances = interaction.utterances
    hits = selectors.interaction_hits(interaction)
    hits_by_utterance = defaultdict(list)
    for hit in hits:
        hits_by_utterance[hit.utterance_index].append(hit)
    threads = list(comments.comment_list(viewer=request.user, interaction=interaction))
    recordings_list = list(interaction.recordings.order_by("created_at"))
    tracks = screens.screen_tracks_of(interaction)
    context = {
        "interaction": interaction,
        "timeline": _timeline(interaction, utterances, hits, threads),
        "utterances": [(u, hits_by_utterance.get(u.index, [])) for u in utterances],
        "hits": hits,
        "metrics": interaction.metrics or {},
        "other_agents": list(User.objects.filter(pk__in=interaction.other_agents.values("pk"))),
        "recordings": recordings_list,
        "playable": any(r.status == Recording.Status.READY for r in recordings_list),
        "screens": [t for t in tracks if t.status == ScreenTrack.Status.READY],
        # the screens play beside the first ready recording
        "screens_with": next((r.pk for r in recordings_list if r.status == Recording.Status.READY), None),
        "screens_purged": [t for t in tracks if t.status == ScreenTrack.Status.PURGED],
        "timeline_length": _timeline_length(interaction, utterances),
        "can_download": has_perm(request.user, "recordings.download"),
        "can_upload": has_perm(request.user, "interactions.create"),
        "threads": threads,
        "can_assign": has_perm(request.user, "evaluations.assign"),
        "can_private": comments.can_see_private(request.user),
        "mention_people": comments.mention_candidates(interaction=interaction, private=False),
        "can_calibrate": has_perm(request.user, "calibrations.manage"),
    }
    return render(request, "interactions/detail.html", context)


@perm_required("interactions.create")
def interaction_new(request):
    """Add an offline interaction (docs/interactions.md#offline-form): agent, channel, when, duration, notes,
    transcript, audio."""
    agents = agents_in_scope(viewer=request.user)
    form = OfflineInteractionForm(request.POST or None, request.FILES or None, agents=agents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agent = form.agents[data["agent"]]
        payload = {
            "channel": data["channel"],
            "direction": data["direction"],
            "started_at": data["started_at"].isoformat(),
            "duration_seconds": int(data["duration_minutes"] * 60),
            "agent": {"email": agent.email},
            "queue": data["queue"],
            "disposition": data["disposition"],
            "notes": data["notes"],
            "transcript": parse_pasted_transcript(data["transcript_file"] or data["transcript_text"]),
        }
        try:
            with transaction.atomic():
                interaction, _ = interaction_upsert(data=parse_payload(payload), source=Source.OFFLINE, by=request.user)
                if data.get("recording"):
                    recordings.recording_attach(interaction=interaction, upload=data["recording"], by=request.user)
        except IngestError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Interaction added.")
            return redirect("interactions:detail", uuid=interaction.uuid)
    return render(request, "interactions/new.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@perm_required("interactions.create")
def recording_upload(request, uuid):
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a recording file to upload.")
    else:
        try:
            recordings.recording_attach(interaction=interaction, upload=upload, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Recording added.")
    return redirect("interactions:detail", uuid=interaction.uuid)


@perm_required("interactions.view")
def recording_media(request, uuid, recording):
    """The recording's bytes, with range requests, for whoever may see the interaction; as a
    download (``?download=1``) only with recordings.download (the API's rule too: media.py). Whoever may
    see an evaluation of the interaction may play it (``recording_interaction_get_for``)."""
    interaction = selectors.recording_interaction_get_for(viewer=request.user, uuid=uuid)
    return media.recording_response(
        request, interaction=interaction, recording=recording, download=request.GET.get("download") == "1"
    )


@perm_required("interactions.view")
def screen_media(request, uuid, track):
    """A screen track's bytes, with range requests, for whoever may see the interaction."""
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    item = get_object_or_404(ScreenTrack, uuid=track, interaction=interaction)
    return media.screen_response(request, track=item)


@perm_required("recordings.download")
def recordings_combined(request, uuid):
    """Audio and screens in one file (docs/screen-recordings.md#combined-download)."""
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    try:
        return media.combined_response(interaction=interaction, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("interactions:detail", uuid=interaction.uuid)


# --- Indicators and topics (admin) ------------------------------------------------------------------


@perm_required("settings.edit")
def phrase_set_list(request):
    sets = PhraseSet.objects.order_by("kind", "name")
    from django.db.models import Count

    sets = sets.annotate(found_in=Count("mentions"))  # one mention per interaction it was found in
    return render(request, "interactions/phrase_sets.html", {"sets": sets})


def _phrase_set_form(request, phrase_set=None):
    initial = {}
    if phrase_set is not None:
        initial = {
            "name": phrase_set.name,
            "kind": phrase_set.kind,
            "side": phrase_set.side,
            "phrases": "\n".join(phrase_set.phrases),
            "description": phrase_set.description,
            "is_active": phrase_set.is_active,
        }
    form = PhraseSetForm(request.POST or None, initial=initial or {"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            if phrase_set is None:
                phrase_set = phrases.phrase_set_create(by=request.user, **form.cleaned_data)
            else:
                phrases.phrase_set_update(by=request.user, phrase_set=phrase_set, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"“{phrase_set.name}” saved. Re-run enrichment to apply it to past "
                "interactions; new ones use it at once.",
            )
            return redirect("interactions:phrase_sets")
    return render(request, "interactions/phrase_set_form.html", {"form": form, "phrase_set": phrase_set})


@perm_required("settings.edit")
def phrase_set_new(request):
    return _phrase_set_form(request)


@perm_required("settings.edit")
def phrase_set_edit(request, uuid):
    return _phrase_set_form(request, phrases.phrase_set_get(uuid=uuid))


@require_POST
@perm_required("settings.edit")
def phrase_set_delete(request, uuid):
    phrase_set = phrases.phrase_set_get(uuid=uuid)
    phrases.phrase_set_delete(by=request.user, phrase_set=phrase_set)
    messages.success(request, f"“{phrase_set.name}” deleted.")
    return redirect("interactions:phrase_sets")


@require_POST
@perm_required("settings.edit")
def enrichment_rerun(request):
    count = phrases.enrichment_rerun(by=request.user)
    messages.success(request, f"Re-enriching {count} interactions in the background; the list updates as they finish.")
    return redirect("interactions:phrase_sets")


@require_POST
@perm_required("interactions.view")
def comment_create(request, uuid):
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    post = request.POST

    def number(name, cast=int):
        value = post.get(name, "").strip()
        try:
            return cast(value) if value else None
        except ValueError:
            raise ValidationError({name: "Not a number."}) from None

    try:
        parent = comments.comment_get_for(viewer=request.user, uuid=post["parent"]) if post.get("parent") else None
        people = list(User.objects.filter(uuid__in=[u for u in post.getlist("mentions") if u]))
        comment = comments.comment_create(
            by=request.user,
            interaction=interaction,
            body=post.get("body", ""),
            visibility=post.get("visibility", "public"),
            utterance_index=number("utterance_index"),
            timestamp=number("timestamp", float),
            parent=parent,
            mentions=people,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{interaction_url(interaction)}#comments")
    messages.success(request, "Comment added.")
    return redirect(f"{interaction_url(interaction)}#comment-{comment.uuid}")


@require_POST
@perm_required("interactions.view")
def comment_edit(request, uuid):
    comment = comments.comment_get_for(viewer=request.user, uuid=uuid)
    try:
        comments.comment_update(by=request.user, comment=comment, body=request.POST.get("body", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{interaction_url(comment.interaction)}#comment-{comment.uuid}")


@require_POST
@perm_required("interactions.view")
def comment_delete(request, uuid):
    comment = comments.comment_get_for(viewer=request.user, uuid=uuid)
    comments.comment_delete(by=request.user, comment=comment)
    messages.success(request, "Comment deleted.")
    return redirect(f"{interaction_url(comment.interaction)}#comments")


def interaction_url(interaction) -> str:
    from django.urls import reverse

    return reverse("interactions:detail", args=[interaction.uuid])


@require_POST
@perm_required("interactions.view")
def saved_filter_create(request):
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    query.pop("cursor", None)
    try:
        saved = services.saved_filter_save(by=request.user, name=request.POST.get("name", ""), query=query.urlencode())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Filter “{saved.name}” saved.")
    return redirect(f"{reverse('interactions:list')}?{query.urlencode()}")


@require_POST
@perm_required("interactions.view")
def saved_filter_rename(request, uuid):
    saved = get_object_or_404(SavedFilter, uuid=uuid, owner=request.user)
    old_name = saved.name
    try:
        services.saved_filter_rename(by=request.user, saved=saved, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Filter “{old_name}” renamed “{saved.name}”.")
    return redirect(f"{reverse('interactions:list')}?{saved.query}")


@require_POST
@perm_required("interactions.view")
def saved_filter_delete(request, uuid):
    saved = get_object_or_404(SavedFilter, uuid=uuid, owner=request.user)
    services.saved_filter_delete(by=request.user, saved=saved)
    messages.success(request, f"Filter “{saved.name}” deleted.")
    return redirect("interactions:list")
