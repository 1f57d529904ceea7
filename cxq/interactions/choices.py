from django.db import models

from cxq.lib import channels

# Channels are named in cxq.lib so that scorecards (a lower app) can say which channels they apply to.
Channel = channels.Channel


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    INTERNAL = "internal", "Internal"


class Speaker(models.TextChoices):
    AGENT = "agent", "Agent"
    CUSTOMER = "customer", "Customer"
    SYSTEM = "system", "System"


class Source(models.TextChoices):
    API = "api", "API"
    WEBHOOK = "webhook", "Webhook"
    IMPORT = "import", "File import"
    OFFLINE = "offline", "Added by hand"
    DEMO = "demo", "Demo"
    BENCH = "bench", "Benchmark data"


class EnrichmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PhraseKind(models.TextChoices):
    INDICATOR = "indicator", "Indicator"
    TOPIC = "topic", "Topic"


class Side(models.TextChoices):
    AGENT = "agent", "Agent"
    CUSTOMER = "customer", "Customer"
    ANY = "any", "Agent or customer"
