"""Demo interactions (``cxq demo``): ~200 conversations of the six demo agents over the last 90 days,
ingested through ``interaction_bulk_upsert`` (so they are validated like any other) and enriched, plus
the demo indicators and topics. Idempotent: phrase sets are matched by name, interactions by their
``demo-…`` external ids."""

from __future__ import annotations

from django.db import transaction

from cxq.accounts.models import User
from cxq.devdata.demo.audio import speak_payloads
from cxq.devdata.generator import AgentSpec, payloads
from cxq.interactions.choices import Source
from cxq.interactions.models import Interaction, PhraseSet
from cxq.interactions.phrases import phrase_set_create
from cxq.interactions.services import Enrichment, interaction_bulk_upsert

DEMO_COUNT = 200
QUARTER_DAYS = 90  # the demo shows a quarter: docs/demo.md
DEMO_SEED = 2026
PREFIX = "demo"

BILLING = ("Billing", "Retention", "General", "Sales")
TECHNICAL = ("Technical support", "General", "Sales")
DEMO_AGENTS = (
    AgentSpec("agent@cxq.test", "Avery Agent", "AG-1001", BILLING),
    AgentSpec("jordan.lee@cxq.test", "Jordan Lee", "AG-1002", BILLING),
    AgentSpec("priya.shah@cxq.test", "Priya Shah", "AG-1003", BILLING),
    AgentSpec("diego.ramos@cxq.test", "Diego Ramos", "AG-2001", TECHNICAL),
    AgentSpec("mei.chen@cxq.test", "Mei Chen", "AG-2002", TECHNICAL),
    AgentSpec("tom.okafor@cxq.test", "Tom Okafor", "AG-2003", TECHNICAL),
)

# (name, kind, side, phrases, description) — phrases the generated conversations actually use.
PHRASE_SETS = (
    (
        "Greeting",
        "indicator",
        "agent",
        [
            "thank you for calling",
            "thanks for contacting",
            "you're chatting with",
            "you're through to",
            "thanks for calling",
            "how can I help",
            "how may I help",
            "gracias por llamar",
            "bedankt voor het bellen",
            "vielen Dank für Ihren Anruf",
        ],
        "The agent opened with the standard greeting.",
    ),
    (
        "Identity verified",
        "indicator",
        "agent",
        [
            "verify your identity",
            "date of birth",
            "confirm the postcode",
            "you're verified",
            "that's all verified",
            "fecha de nacimiento",
            "postcode en geboortedatum",
            "Postleitzahl",
        ],
        "The agent checked who they were talking to before discussing the account.",
    ),
    (
        "Empathy",
        "indicator",
        "agent",
        [
            "I'm sorry to hear",
            "I understand how frustrating",
            "I apologize for the inconvenience",
            "I'm sorry you've had to",
            "lamento mucho",
            "dat spijt me",
            "das tut mir leid",
        ],
        "The agent acknowledged the customer's feelings.",
    ),
    (
        "Recording disclosure",
        "indicator",
        "agent",
        [
            "this call is recorded",
            "recorded for quality and training",
            "esta llamada se graba",
            "dit gesprek wordt opgenomen",
            "wird zu Qualitäts- und Schulungszwecken aufgezeichnet",
        ],
        "Required on every voice call.",
    ),
    (
        "Hold etiquette",
        "indicator",
        "agent",
        [
            "may I place you on hold",
            "thank you for holding",
            "thanks for waiting",
            "gracias por esperar",
            "bedankt voor het wachten",
            "danke fürs Warten",
        ],
        "Asked before the hold and thanked the customer afterwards.",
    ),
    (
        "Escalation",
        "indicator",
        "any",
        [
            "speak to a manager",
            "escalate this",
            "escalating this",
            "supervisor",
        ],
        "The call was (or was asked to be) escalated.",
    ),
    (
        "Complaint language",
        "indicator",
        "customer",
        [
            "ridiculous",
            "unacceptable",
            "terrible service",
            "make a complaint",
            "fed up",
            "inaceptable",
            "onacceptabel",
            "inakzeptabel",
            "beschweren",
        ],
        "The customer complained or used strong words.",
    ),
    (
        "Billing",
        "topic",
        "any",
        [
            "bill",
            "invoice",
            "charged twice",
            "payment",
            "direct debit",
            "factura",
            "afgeschreven",
            "Rechnung",
        ],
        "",
    ),
    ("Refund", "topic", "any", ["refund", "money back", "reembolso", "teruggestort", "erstattet"], ""),
    (
        "Cancellation",
        "topic",
        "any",
        [
            "cancel my contract",
            "cancel my subscription",
            "cancellation",
            "another provider",
        ],
        "",
    ),
    ("Password reset", "topic", "any", ["password", "reset link", "account is locked", "can't log in"], ""),
    (
        "Outage",
        "topic",
        "any",
        [
            "outage",
            "no internet",
            "keeps dropping",
            "cutting out",
            "service is down",
            "se corta",
            "valt steeds weg",
            "bricht ständig ab",
        ],
        "",
    ),
    ("Upgrade", "topic", "any", ["upgrade", "faster plan", "special offer", "fibre plan"], ""),
)


def load_demo_phrase_sets() -> int:
    """Create the demo indicators and topics that do not exist yet (by an admin). Returns how many."""
    admin = User.objects.filter(role__key="admin", is_active=True).order_by("id").first()
    if admin is None:
        return 0
    existing = {name.lower() for name in PhraseSet.objects.values_list("name", flat=True)}
    created = 0
    for name, kind, side, phrases, description in PHRASE_SETS:
        if name.lower() in existing:
            continue
        phrase_set_create(by=admin, name=name, kind=kind, side=side, phrases=phrases, description=description)
        created += 1
    return created


@transaction.atomic
def load_demo_interactions(*, count: int = DEMO_COUNT) -> dict[str, int]:
    """Phrase sets first (so enrichment finds them), then the interactions, enriched inline.

    Skipped when demo interactions exist already. All or nothing. Returns what was created.
    """
    created = {"phrase_sets": load_demo_phrase_sets(), "interactions": 0}
    if Interaction.objects.filter(external_id__startswith=f"{PREFIX}-").exists():
        return created
    agents = [a for a in DEMO_AGENTS if User.objects.filter(email__iexact=a.email).exists()]
    if not agents:
        return created
    generated = list(payloads(count, agents, DEMO_SEED, days=QUARTER_DAYS, prefix=PREFIX))
    speak_payloads(generated)  # the recorded calls' transcripts follow their synthesised speech
    report = interaction_bulk_upsert(
        payloads=generated,
        source=Source.DEMO,
        enrichment=Enrichment.INLINE,  # the demo shows indicators straight away
    )
    if report.errors:  # the generator's job is to produce valid interactions: a bug, not bad data
        raise RuntimeError(f"demo interactions failed validation: {report.errors[:3]}")
    created["interactions"] = report.created
    return created
