from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.db import models

from cxq.interactions.choices import Channel, Direction, EnrichmentStatus, PhraseKind, Side, Source, Speaker
from cxq.lib.models import PublicIdModel


class Utterance(NamedTuple):
    """One turn of a transcript (docs/interactions.md#the-interaction-page), in order; times are seconds from the
    interaction start."""

    index: int
    speaker: str  # choices.Speaker value
    start: float
    end: float
    text: str
    speaker_name: str

    def get_speaker_display(self) -> str:
        return Speaker(self.speaker).label


class Interaction(PublicIdModel):
    """A call, chat, email or offline conversation (docs/interactions.md#the-interaction).

    ``transcript`` holds the utterances in order, each as ``[speaker, start, end, text, speaker_name]``
    (one JSON array per interaction: ingest writes one value instead of one row per utterance,
    docs/performance.md#ingest-throughput;
    read them as :attr:`utterances`). ``transcript_text`` is the searchable text of all utterances, kept
    in step by the ingest service."""

    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    # agent and team are indexed by the composite (…, started_at) indexes in Meta; a second single-column
    # index would only cost every insert (docs/performance.md#ingest-throughput)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interactions",
        db_index=False,
    )
    other_agents = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    queue = models.CharField(max_length=120, blank=True)
    disposition = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=16, blank=True)
    customer_ref = models.CharField(max_length=200, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved = models.BooleanField(null=True, blank=True)
    topics = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    transcript = models.JSONField(null=True, blank=True, editable=False)
    # enrichment's hits, each [phrase set id, utterance index, start, phrase, word position, word count,
    # score] (the matched words are cut out of the utterance when shown: selectors.interaction_hits)
    hits = models.JSONField(null=True, blank=True, editable=False)
    transcript_text = models.TextField(blank=True)
    utterance_count = models.PositiveIntegerField(default=0)
    enrichment_status = models.CharField(
        max_length=10, choices=EnrichmentStatus.choices, default=EnrichmentStatus.PENDING
    )
    enriched_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # the list, newest first (keyset on started_at, id). On PostgreSQL it also carries the columns a
            # goal's condition usually names, so a goal's draw over a recent window reads the index, not
            # the wide rows (docs/goals.md#speed; SQLite has no INCLUDE and ignores it)
            models.Index(
                fields=["-started_at", "-id"],
                include=[
                    "agent",
                    "team",
                    "channel",
                    "direction",
                    "duration_seconds",
                    "queue",
                    "disposition",
                    "language",
                    "csat",
                    "nps",
                    "resolved",
                ],
                name="interaction_started_idx",
            ),
            # an agent's interactions (agents' own list, agent filter)
            models.Index(fields=["agent", "-started_at"], name="interaction_agent_idx"),
            # team scope for supervisors and managers
            models.Index(fields=["team", "-started_at"], name="interaction_team_idx"),
            models.Index(fields=["channel", "-started_at"], name="interaction_channel_idx"),
            models.Index(fields=["queue", "-started_at"], name="interaction_queue_idx"),
            models.Index(fields=["disposition", "-started_at"], name="interaction_disposition_idx"),
            # the enrichment sweep
            models.Index(
                fields=["enrichment_status"],
                condition=models.Q(enrichment_status="pending"),
                name="interaction_enrich_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5),
                name="interaction_csat_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="interaction_nps_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.external_id or self.uuid}"

    @property
    def utterances(self) -> list[Utterance]:
        """The transcript, in order (empty when there is none)."""
        return [Utterance(i, *line) for i, line in enumerate(self.transcript or ())]


class PhraseSet(PublicIdModel):
    """An indicator or a topic (docs/enrichment.md): named phrases matched in transcripts, by speaker side."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=PhraseKind.choices, default=PhraseKind.INDICATOR)
    side = models.CharField(max_length=10, choices=Side.choices, default=Side.ANY)
    phrases = models.JSONField(default=list)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class PhraseMention(models.Model):
    """That a phrase set was found in an interaction, and how many times: what the "mentioned / not
    mentioned" filters read (by the set first). Where each hit is — utterance, moment, words — is in
    :attr:`Interaction.hits`; one row per set found instead of one per hit keeps bulk ingest light."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="mentions")
    # indexed by mention_unique (phrase_set, interaction)
    phrase_set = models.ForeignKey(PhraseSet, on_delete=models.CASCADE, related_name="mentions", db_index=False)
    hits = models.PositiveIntegerField(default=1)
    # who said it: "agent", "customer" or "both" (the "mentioned by" conditions, docs/conditions.md#indicators)
    said_by = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        ordering = ["interaction", "phrase_set"]
        constraints = [models.UniqueConstraint(fields=["phrase_set", "interaction"], name="mention_unique")]

    def __str__(self) -> str:
        return f"{self.phrase_set_id} in {self.interaction_id} ({self.hits}×)"


class WebhookReceipt(models.Model):
    """Inbound webhook deliveries already processed, so a replay of a signed delivery is harmless.

    A delivery is what the signature covers, the timestamp and the body: ``delivery_key`` is the
    SHA-256 of that signed message. The sender's request id is not signed (anyone holding one signed
    delivery could resend it under a new id), so it is kept for tracing only, cut to its column."""

    delivery_key = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=100)
    interaction = models.ForeignKey(Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event} {self.request_id or self.delivery_key}"


class Recording(PublicIdModel):
    """An audio (or video) recording of an interaction (docs/interactions.md#recordings), uploaded or fetched from a URL
    (docs/interactions.md#recordings)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be fetched"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        PURGED = "purged", "Deleted by retention policy"

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="recordings")
    file = models.FileField(upload_to="recordings/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    download_url = models.URLField(max_length=2000, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # a pending fetch: when the worker should (re)try it; the sweep picks up those past due
    # (docs/interactions.md#fetch-by-url)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)  # when retention deleted the file

    class Meta:
        ordering = ["interaction", "created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="recording_fetch_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Recording of {self.interaction_id} ({self.status})"


class ScreenTrack(PublicIdModel):
    """One monitor's screen recording of a voice interaction (docs/screen-recordings.md): uploaded in
    chunks (``received`` lists the byte ranges on disk, so a client can resume), checked against its
    SHA-256 when finalised, played in step with the audio shifted by ``offset_seconds`` (the screen's
    time 0 is that many seconds into the audio; negative: it started before the audio)."""

    MAX_PER_INTERACTION = 4

    class Status(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        READY = "ready", "Ready"
        PURGED = "purged", "Deleted by retention policy"

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="screen_tracks")
    monitor = models.PositiveSmallIntegerField()
    offset_seconds = models.FloatField(default=0)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADING)
    received = models.JSONField(default=list, blank=True)  # [[start, end), …] merged, sorted
    file = models.FileField(upload_to="screens/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["interaction", "monitor"]
        constraints = [
            models.UniqueConstraint(fields=["interaction", "monitor"], name="screen_track_monitor_unique"),
            models.CheckConstraint(condition=models.Q(monitor__gte=1, monitor__lte=4), name="screen_track_monitor_1_4"),
        ]

    def __str__(self) -> str:
        return f"Screen {self.monitor} of {self.interaction_id} ({self.status})"

    @property
    def received_bytes(self) -> int:
        return sum(end - start for start, end in self.received)


class Comment(PublicIdModel):
    """A comment on an interaction (docs/interactions.md#comments): on a transcript range or a moment, public (the agent
    sees
    it) or private (staff with comments.private only); replies are one level deep."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public (the agent sees it)"
        PRIVATE = "private", "Private (staff only)"

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField()
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    utterance_index = models.PositiveIntegerField(null=True, blank=True)
    utterance_end_index = models.PositiveIntegerField(null=True, blank=True)
    timestamp = models.FloatField(null=True, blank=True, help_text="Seconds into the recording")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["interaction", "created_at", "id"]
        indexes = [
            # the comments of one interaction, oldest first
            models.Index(fields=["interaction", "created_at"], name="comment_interaction_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.interaction_id}: {self.body[:40]}"


class SavedFilter(PublicIdModel):
    """A named interaction-list filter a user keeps (docs/interactions.md#list-filters-and-search): the list's query
    string."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_name_unique")]

    def __str__(self) -> str:
        return self.name
