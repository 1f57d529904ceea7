from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.interactions import comments, media, phrases, recordings, screens, selectors, services
from cxq.interactions.choices import Source
from cxq.interactions.filters import InteractionFilter
from cxq.interactions.models import PhraseSet, SavedFilter
from cxq.interactions.schemas import InteractionIn
from cxq.lib.apischema import PublicIdOut, errors, uuid_of
from cxq.lib.gc import bulk_gc
from cxq.lib.inputs import MultilineText, Text
from cxq.lib.pagination import CursorPagination, url_with_cursor
from cxq.scorecards.api import ScorecardOut
from cxq.scorecards.selectors import scorecards_for

router = Router(tags=["interactions"])

MAX_BULK = 1000


class PersonRef(PublicIdOut):
    full_name: str
    email: str


class InteractionOut(PublicIdOut):
    external_id: str | None
    channel: str
    direction: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int
    agent: PersonRef | None
    team: str | None
    queue: str
    disposition: str
    language: str
    customer_ref: str
    csat: int | None
    nps: int | None
    resolved: bool | None
    topics: list[str]
    metadata: dict
    metrics: dict
    source: str
    enrichment_status: str
    utterance_count: int

    @staticmethod
    def resolve_team(obj):
        return obj.team.name if obj.team_id else None


class UtteranceOut(Schema):
    index: int
    speaker: str
    speaker_name: str
    start: float
    end: float
    text: str


class HitOut(Schema):
    phrase_set: str
    kind: str
    utterance_index: int
    start: float
    phrase: str
    matched_text: str

    @staticmethod
    def resolve_phrase_set(obj):
        return obj.phrase_set.name

    @staticmethod
    def resolve_kind(obj):
        return obj.phrase_set.kind


class InteractionDetailOut(InteractionOut):
    transcript: list[UtteranceOut]
    hits: list[HitOut]

    @staticmethod
    def resolve_transcript(obj):
        return obj.utterances

    @staticmethod
    def resolve_hits(obj):
        return selectors.interaction_hits(obj)


class PageOut(Schema):
    """A page of the list, newest first; ``next``/``previous`` are the addresses of the older/newer
    pages (null at either end), as on the other lists."""

    results: list[InteractionOut]
    next: str | None
    previous: str | None


class BulkIn(Schema):
    items: list[Any]


class BulkError(Schema):
    index: int
    errors: list[str]


class BulkOut(Schema):
    created: int
    updated: int
    errors: list[BulkError]


class PhraseSetOut(PublicIdOut):
    name: str
    kind: str
    side: str
    phrases: list[str]
    description: str
    is_active: bool


class PhraseSetIn(Schema):
    name: Text
    kind: Text = "indicator"
    side: Text = "any"
    phrases: list[Text]
    description: MultilineText = ""
    is_active: bool = True


class PhraseSetPatch(Schema):
    name: Text | None = None
    kind: Text | None = None
    side: Text | None = None
    phrases: list[Text] | None = None
    description: MultilineText | None = None
    is_active: bool | None = None


class RerunOut(Schema):
    queued: int


@router.post(
    "/interactions",
    response={200: InteractionDetailOut, 201: InteractionDetailOut, **errors(400, 403, 422)},
    summary="Ingest one interaction (upsert by external_id), enriched at once",
)
def interactions_ingest(request, payload: InteractionIn):
    require(request.user, "interactions.create")
    interaction, created = services.interaction_upsert(data=payload, source=Source.API, by=request.user)
    return Status(201 if created else 200, interaction)


@router.post(
    "/interactions/bulk",
    response={200: BulkOut, **errors(400, 403, 422)},
    summary="Ingest up to 1000 interactions; errors reported by index; enrichment in the background",
)
def interactions_bulk(request, payload: BulkIn):
    require(request.user, "interactions.create")
    if len(payload.items) > MAX_BULK:
        raise ValidationError({"items": f"Send at most {MAX_BULK} interactions per request."})
    with bulk_gc():  # up to 1000 transcripts of short-lived objects: see cxq.lib.gc
        report = services.interaction_bulk_upsert(payloads=payload.items, source=Source.API, by=request.user)
    return {"created": report.created, "updated": report.updated, "errors": report.errors}


@router.get(
    "/interactions",
    response={200: PageOut, **errors(400, 403, 422)},
    summary="Interactions in my scope, newest first (keyset cursor)",
)
def interactions_list(request, filters: Query[InteractionFilter.api_schema()], cursor: Text = "", page_size: int = 50):
    if cursor and selectors.decode_cursor(cursor) is None:
        raise ValidationError({"cursor": "This cursor is not valid; start again without it."})
    listed = selectors.interaction_list(viewer=request.user, filters=InteractionFilter.from_api(filters))
    page = selectors.page_at(listed, cursor, max(1, min(page_size, 200)))
    url = request.build_absolute_uri()
    return {
        "results": page.rows,
        "next": url_with_cursor(url, page.next),
        "previous": url_with_cursor(url, page.previous),
    }


@router.get("/interactions/{uuid}", response={200: InteractionDetailOut, **errors(403, 404, 422)})
def interactions_get(request, uuid: UUID):
    return selectors.interaction_get_for(viewer=request.user, uuid=uuid)


class InteractionScorecardsOut(Schema):
    applicable: list[ScorecardOut] = Field(description="Published scorecards that apply to it, by name")
    others: list[ScorecardOut] = Field(description="The other published scorecards, by name")


@router.get(
    "/interactions/{uuid}/scorecards",
    response={200: InteractionScorecardsOut, **errors(403, 404, 422)},
    summary="The published scorecards for evaluating an interaction, those that apply to it first",
)
def interactions_scorecards(request, uuid: UUID):
    require(request.user, "scorecards.view")
    item = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    applicable, others = scorecards_for(item)
    return {"applicable": applicable, "others": others}


@router.get("/phrase-sets", response={200: list[PhraseSetOut], **errors(403)}, summary="Indicators and topics")
def phrase_sets_list(request):
    require(request.user, "interactions.view")
    return list(PhraseSet.objects.order_by("kind", "name"))


@router.post(
    "/phrase-sets",
    response={201: PhraseSetOut, **errors(400, 403, 422)},
    summary="Create an indicator or topic (settings.edit)",
)
def phrase_sets_create(request, payload: PhraseSetIn):
    return Status(201, phrases.phrase_set_create(by=request.user, **payload.model_dump()))


@router.post(
    "/phrase-sets/rerun", response={200: RerunOut, **errors(403)}, summary="Re-run enrichment on every interaction"
)
def phrase_sets_rerun(request):
    return {"queued": phrases.enrichment_rerun(by=request.user)}


@router.patch(
    "/phrase-sets/{uuid}",
    response={200: PhraseSetOut, **errors(400, 403, 404, 422)},
    summary="Change an indicator or topic (settings.edit)",
)
def phrase_sets_update(request, uuid: UUID, payload: PhraseSetPatch):
    require(request.user, "interactions.view")
    phrase_set = phrases.phrase_set_get(uuid=uuid)
    return phrases.phrase_set_update(by=request.user, phrase_set=phrase_set, **payload.model_dump(exclude_unset=True))


@router.delete(
    "/phrase-sets/{uuid}",
    response={204: None, **errors(403, 404, 422)},
    summary="Delete an indicator or topic (settings.edit)",
)
def phrase_sets_delete(request, uuid: UUID):
    require(request.user, "interactions.view")
    phrases.phrase_set_delete(by=request.user, phrase_set=phrases.phrase_set_get(uuid=uuid))
    return Status(204, None)


class CommentOut(PublicIdOut):
    author: PersonRef
    body: str
    visibility: str
    utterance_index: int | None
    utterance_end_index: int | None
    timestamp: float | None
    parent: UUID | None
    mentions: list[PersonRef]
    created_at: datetime
    edited_at: datetime | None

    resolve_parent = uuid_of("parent")

    @staticmethod
    def resolve_mentions(obj):
        return list(obj.mentions.all())


class ThreadOut(CommentOut):
    replies: list[CommentOut]

    @staticmethod
    def resolve_replies(obj):
        return list(obj.replies.all())


class CommentIn(Schema):
    body: MultilineText
    visibility: Text = "public"
    utterance_index: int | None = None
    utterance_end_index: int | None = None
    timestamp: float | None = None
    parent: UUID | None = None
    mentions: list[UUID] = []


class CommentPatch(Schema):
    body: MultilineText


@router.get(
    "/interactions/{uuid}/comments",
    response={200: list[ThreadOut], **errors(403, 404, 422)},
    summary="Comments I may read",
)
def comments_list(request, uuid: UUID):
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    return list(comments.comment_list(viewer=request.user, interaction=interaction))


@router.post(
    "/interactions/{uuid}/comments",
    response={201: CommentOut, **errors(400, 403, 404, 422)},
    summary="Comment (with @mentions)",
)
def comments_create(request, uuid: UUID, payload: CommentIn):
    interaction = selectors.interaction_get_for(viewer=request.user, uuid=uuid)
    parent = comments.comment_get_for(viewer=request.user, uuid=payload.parent) if payload.parent else None
    people = list(User.objects.filter(uuid__in=payload.mentions))
    if len(people) != len(set(payload.mentions)):
        raise ValidationError({"mentions": "Unknown user id in mentions."})
    comment = comments.comment_create(
        by=request.user,
        interaction=interaction,
        body=payload.body,
        visibility=payload.visibility,
        utterance_index=payload.utterance_index,
        utterance_end_index=payload.utterance_end_index,
        timestamp=payload.timestamp,
        parent=parent,
        mentions=people,
    )
    return Status(201, comment)


@router.patch("/comments/{uuid}", response={200: CommentOut, **errors(400, 403, 404, 422)}, summary="Edit my comment")
def comments_update(request, uuid: UUID, payload: CommentPatch):
    comment = comments.comment_get_for(viewer=request.user, uuid=uuid)
    return comments.comment_update(by=request.user, comment=comment, body=payload.body)


@router.delete("/comments/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete my comment")
def comments_delete(request, uuid: UUID):
    comments.comment_delete(by=request.user, comment=comments.comment_get_for(viewer=request.user, uuid=uuid))
    return Status(204, None)


# --- Saved filters (docs/api.md#saved-filters) ---------------------------------------------------------


class SavedFilterIn(Schema):
    name: Text
    query: Text = Field(
        max_length=2000, description="The interactions list's query string, e.g. channel=voice&q=refund"
    )


class SavedFilterOut(PublicIdOut):
    name: str
    query: str
    url: str

    @staticmethod
    def resolve_url(obj):
        return f"/interactions/?{obj.query}"


# --- Recordings and screen recordings (docs/interactions.md#recordings, docs/screen-recordings.md) ----------


class RecordingOut(PublicIdOut):
    status: str = Field(description="pending (being fetched), ready, failed or purged (deleted by retention)")
    content_type: str
    size: int
    download_url: str
    error: str
    attempts: int
    created_at: datetime
    purged_at: datetime | None


class ScreenTrackIn(Schema):
    monitor: int = Field(ge=1, le=4, description="Which monitor, 1 to 4")
    offset_seconds: float = Field(
        allow_inf_nan=False,
        description="Where the screen's time 0 falls in the audio, in seconds (negative: it started earlier)",
    )
    size: int = Field(ge=1, description="The file's size in bytes")
    sha256: Text = Field(description="The file's SHA-256, 64 hexadecimal digits")


class ScreenTrackOut(PublicIdOut):
    interaction: UUID
    monitor: int
    offset_seconds: float
    status: str = Field(description="uploading, ready or purged (deleted by retention)")
    size: int
    sha256: str
    received: list[list[int]] = Field(description="Byte ranges on the server, [first, last] inclusive")
    received_bytes: int
    content_type: str
    duration_seconds: float | None
    width: int | None
    height: int | None
    created_at: datetime
    purged_at: datetime | None

    resolve_interaction = uuid_of("interaction")

    @staticmethod
    def resolve_received(obj):
        return [[lo, hi - 1] for lo, hi in obj.received]


_MEDIA_CONTENT = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ("audio/*", "video/*")}
_MEDIA_RESPONSES = {
    "responses": {
        200: {"description": "The whole file", "content": _MEDIA_CONTENT},
        206: {
            "description": "The byte range asked for with Range: bytes=first-last (Content-Range says which)",
            "content": _MEDIA_CONTENT,
        },
        416: {"description": "The range is outside the file (Content-Range: bytes */size)"},
    }
}


def _interaction(request, uuid: UUID, permission: str):
    """The interaction a recording or screen-track operation acts on: the caller's permission first
    (403), then the interaction within their scope (404 outside it, docs/permission-matrix.md)."""
    require(request.user, permission)
    return selectors.interaction_get_for(viewer=request.user, uuid=uuid)


def _screen_track(request, uuid: UUID, permission: str):
    """A screen track, checked as ``_interaction`` checks its interaction."""
    require(request.user, permission)
    return screens.screen_track_get_for(viewer=request.user, uuid=uuid)


def _upload_from_body(request):
    """A recording sent as multipart (``file``) or as the raw body with its media type; the raw body
    is streamed to a temporary file, never read into memory."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "Send the recording in the multipart field 'file'."})
        return upload
    length = request.headers.get("Content-Length", "")
    if not length.isdigit() or int(length) == 0:
        raise ValidationError({"file": "Send the recording as the request body (with its Content-Type)."})
    if int(length) > recordings.max_bytes():
        raise ValidationError({"file": f"The file is larger than {settings.CXQ_MAX_UPLOAD_MB} MB."})
    name = request.headers.get("X-Filename") or "recording"
    upload = TemporaryUploadedFile(name, request.content_type, int(length), None)
    while chunk := request.read(1024 * 1024):
        upload.write(chunk)
    upload.seek(0)
    return upload


@router.post(
    "/interactions/{uuid}/recordings",
    response={201: RecordingOut, **errors(400, 403, 404, 422)},
    summary="Upload a recording: multipart (field 'file') or the raw body with its Content-Type",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
                "audio/mpeg": {"schema": {"type": "string", "format": "binary"}},
                "audio/wav": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def recordings_upload(request, uuid: UUID):
    interaction = _interaction(request, uuid, "interactions.create")
    upload = _upload_from_body(request)
    try:
        return Status(201, recordings.recording_attach(interaction=interaction, upload=upload, by=request.user))
    finally:
        upload.close()  # a temporary file moved into storage is gone already: close() knows


@router.get(
    "/interactions/{uuid}/recordings",
    response={200: list[RecordingOut], **errors(403, 404, 422)},
    summary="The interaction's recordings (ready, being fetched, failed, deleted by retention)",
)
def recordings_list(request, uuid: UUID):
    return list(_interaction(request, uuid, "interactions.view").recordings.order_by("created_at"))


@router.get(
    "/interactions/{uuid}/recordings/{recording}/media",
    response={**errors(403, 404, 422)},
    summary="Stream a recording (HTTP range requests); download=true as a file needs recordings.download",
    openapi_extra=_MEDIA_RESPONSES,
)
def recordings_media(request, uuid: UUID, recording: UUID, download: bool = False):
    interaction = _interaction(request, uuid, "interactions.view")
    return media.recording_response(request, interaction=interaction, recording=recording, download=download)


@router.get(
    "/interactions/{uuid}/recordings/combined",
    response={**errors(400, 403, 404, 422)},
    summary="Audio and every screen track in one file (Matroska, or a zip with a manifest); recordings.download",
    openapi_extra={
        "responses": {
            200: {
                "description": "The combined file, as an attachment",
                "content": {
                    "video/x-matroska": {"schema": {"type": "string", "format": "binary"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def recordings_combined(request, uuid: UUID):
    interaction = _interaction(request, uuid, "interactions.view")
    return media.combined_response(interaction=interaction, by=request.user)


@router.post(
    "/interactions/{uuid}/screen-tracks",
    response={200: ScreenTrackOut, 201: ScreenTrackOut, **errors(400, 403, 404, 422)},
    summary="Start a resumable screen-recording upload for one monitor (201; 200 resumes the same unfinished one)",
)
def screen_tracks_create(request, uuid: UUID, payload: ScreenTrackIn):
    interaction = _interaction(request, uuid, "interactions.create")
    track, created = screens.screen_track_create(interaction=interaction, by=request.user, **payload.model_dump())
    return Status(201 if created else 200, track)


@router.get(
    "/interactions/{uuid}/screen-tracks",
    response={200: list[ScreenTrackOut], **errors(403, 404, 422)},
    summary="The interaction's screen tracks, by monitor",
)
def screen_tracks_list(request, uuid: UUID):
    return screens.screen_tracks_of(_interaction(request, uuid, "interactions.view"))


@router.get(
    "/screen-tracks/{uuid}",
    response={200: ScreenTrackOut, **errors(403, 404, 422)},
    summary="A screen track: its status and the byte ranges received (to resume an upload)",
)
def screen_tracks_get(request, uuid: UUID):
    return _screen_track(request, uuid, "interactions.view")


@router.put(
    "/screen-tracks/{uuid}/content",
    response={200: ScreenTrackOut, **errors(400, 403, 404, 422)},
    summary="Send one chunk: the raw body, its place in Content-Range: bytes first-last/total",
    openapi_extra={
        "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
def screen_tracks_chunk(request, uuid: UUID):
    return screens.screen_track_write_chunk(
        track=_screen_track(request, uuid, "interactions.create"),
        content_range=request.headers.get("Content-Range"),
        stream=request,
        by=request.user,
    )


@router.post(
    "/screen-tracks/{uuid}/finalize",
    response={200: ScreenTrackOut, **errors(400, 403, 404, 422)},
    summary="Finish an upload: every byte received, the SHA-256 matches, the file is a video",
)
def screen_tracks_finalize(request, uuid: UUID):
    return screens.screen_track_finalize(track=_screen_track(request, uuid, "interactions.create"), by=request.user)


@router.get(
    "/screen-tracks/{uuid}/media",
    response={**errors(403, 404, 422)},
    summary="Stream a screen track (HTTP range requests)",
    openapi_extra=_MEDIA_RESPONSES,
)
def screen_tracks_media(request, uuid: UUID):
    return media.screen_response(request, track=_screen_track(request, uuid, "interactions.view"))


@router.get(
    "/saved-filters",
    response={200: list[SavedFilterOut], **errors(403, 422)},
    summary="My saved filters of the interactions list",
)
@paginate(CursorPagination, ordering=("id",))
def saved_filters_list(request):
    require(request.user, "interactions.view")
    return SavedFilter.objects.filter(owner=request.user)


@router.post(
    "/saved-filters",
    response={201: SavedFilterOut, **errors(400, 403, 422)},
    summary="Save a filter of the interactions list (a name I already use is replaced)",
)
def saved_filters_create(request, payload: SavedFilterIn):
    return Status(201, services.saved_filter_save(by=request.user, name=payload.name, query=payload.query))


class SavedFilterRename(Schema):
    name: Text


def _saved_filter(request, uuid: UUID) -> SavedFilter:
    """One of the caller's own saved filters (anyone else's is a 404, as if it did not exist)."""
    require(request.user, "interactions.view")
    return get_object_or_404(SavedFilter, uuid=uuid, owner=request.user)


@router.patch(
    "/saved-filters/{uuid}",
    response={200: SavedFilterOut, **errors(400, 403, 404, 422)},
    summary="Rename one of my saved filters (a name I already use for another is refused)",
)
def saved_filters_rename(request, uuid: UUID, payload: SavedFilterRename):
    return services.saved_filter_rename(by=request.user, saved=_saved_filter(request, uuid), name=payload.name)


@router.delete(
    "/saved-filters/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete one of my saved filters"
)
def saved_filters_delete(request, uuid: UUID):
    services.saved_filter_delete(by=request.user, saved=_saved_filter(request, uuid))
    return Status(204, None)
