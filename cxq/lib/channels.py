"""The channels an interaction comes through (docs/interactions.md#the-interaction). Kept here, below every app,
because interactions store them and scorecards name the channels they apply to (docs/scoring.md#applicability)."""

from django.db import models


class Channel(models.TextChoices):
    VOICE = "voice", "Voice"
    VIDEO = "video", "Video"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    SOCIAL = "social", "Social"
    OFFLINE = "offline", "Offline"
