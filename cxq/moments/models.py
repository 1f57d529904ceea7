from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.lib.models import PublicIdModel, TimeStampedModel


class Moment(PublicIdModel):
    """A range of an interaction (docs/moments.md): its clip cut to a media file of its own, the transcript
    lines said in it, a title, a note and tags."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being cut"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be cut"
        NO_MEDIA = "no_media", "No recording: transcript only"

    interaction = models.ForeignKey("interactions.Interaction", on_delete=models.CASCADE, related_name="moments")
    recording = models.ForeignKey(
        "interactions.Recording", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    tags_index = models.CharField(max_length=1000, blank=True, editable=False)  # "|billing|refund|"
    start_seconds = models.FloatField()
    end_seconds = models.FloatField()
    # the utterances overlapping the range, as the interaction keeps them: [speaker, start, end, text, name]
    excerpt = models.JSONField(default=list, blank=True, editable=False)
    excerpt_text = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    clip = models.FileField(upload_to="moments/%Y/%m/", blank=True)
    clip_content_type = models.CharField(max_length=100, blank=True)
    clip_size = models.PositiveBigIntegerField(default=0)
    clip_start = models.FloatField(null=True, blank=True)  # where the clip really starts (a packet boundary)
    clip_duration = models.FloatField(null=True, blank=True)
    clip_method = models.CharField(max_length=10, blank=True)  # "copy" or "encode"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["interaction", "start_seconds"], name="moment_interaction_idx"),
            # the library, newest first: its keyset pages walk this index (docs/moments.md#the-library)
            models.Index(fields=["created_at", "id"], name="moment_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration(self) -> float:
        return self.end_seconds - self.start_seconds

    @property
    def excerpt_lines(self) -> list[dict]:
        return [
            {"speaker": s, "start": a, "end": b, "text": t, "speaker_name": n} for s, a, b, t, n in self.excerpt or ()
        ]


class MomentShare(models.Model):
    """A moment shared inside the organisation with one person or one team (docs/moments.md#sharing)."""

    moment = models.ForeignKey(Moment, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["moment", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, team__isnull=True) | models.Q(user__isnull=True, team__isnull=False)
                ),
                name="moment_share_user_or_team",
            ),
            models.UniqueConstraint(fields=["moment", "user"], name="moment_share_user_once"),
            models.UniqueConstraint(fields=["moment", "team"], name="moment_share_team_once"),
        ]

    def __str__(self) -> str:
        return f"{self.moment_id} → {self.user_id or self.team_id}"


class ShareLink(PublicIdModel):
    """An external link to a moment (docs/moments.md#external-links): only the SHA-256 of its token is kept;
    the password, if any, as a Django password hash."""

    moment = models.ForeignKey(Moment, on_delete=models.CASCADE, related_name="links")
    digest = models.CharField(max_length=64, unique=True)
    password = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Link to {self.moment_id}"

    @property
    def has_password(self) -> bool:
        return bool(self.password)


class ShareLinkView(models.Model):
    """One opening of an external link (after its password, if any): the view log."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="views")
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.link_id} at {self.at}"


class SharePolicy(TimeStampedModel):
    """The external sharing policy of one role (docs/moments.md#the-sharing-policy). Whether the role may
    share externally at all is its permission ``moments.share_external``; a role without a row has the
    defaults."""

    role = models.OneToOneField("accounts.Role", on_delete=models.CASCADE, related_name="moment_policy")
    password_required = models.BooleanField(default=False)
    max_expiry_days = models.PositiveSmallIntegerField(default=30)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_expiry_days__gte=1, max_expiry_days__lte=365), name="moment_policy_days_range"
            )
        ]

    def __str__(self) -> str:
        return f"Sharing policy of {self.role_id}"
