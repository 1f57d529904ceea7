"""Three realistic demo scorecards (idempotent: matched by name), created and published through
the services, so they carry versions and audit events like any other."""

from __future__ import annotations

from cxq.accounts.models import Team, User
from cxq.scorecards import services
from cxq.scorecards.models import Scorecard


def _yn(key, text, yes=1, no=0, *, no_fail="none", required=True, default=None, description="", **extra):
    q = {
        "key": key,
        "text": text,
        "description": description,
        "type": "yes_no",
        "required": required,
        "options": [
            {"key": "yes", "label": "Yes", "points": yes},
            {"key": "no", "label": "No", "points": no, "auto_fail": no_fail},
        ],
        **extra,
    }
    if default:
        q["default"] = default
    return q


def _rating(key, text, *, low="Poor", high="Excellent", required=True, allow_na=False, description="", **extra):
    return {
        "key": key,
        "text": text,
        "description": description,
        "type": "rating_scale",
        "scale": {"min": 1, "max": 5},
        "required": required,
        "allow_na": allow_na,
        "options": [
            {"key": "1", "label": f"1 – {low}", "points": 0},
            {"key": "2", "label": "2", "points": 1},
            {"key": "3", "label": "3", "points": 2},
            {"key": "4", "label": "4", "points": 3},
            {"key": "5", "label": f"5 – {high}", "points": 4},
        ],
        **extra,
    }


VOICE = {
    "name": "Voice customer service",
    "description": "Inbound service calls: how the agent opens, understands, resolves and stays compliant.",
    "scoring_mode": "percentage",
    "pass_mark": 80,
    "sections": [
        {
            "key": "opening",
            "title": "Opening",
            "weight": 15,
            "questions": [
                _yn("greeting", "Used the standard greeting and gave their name", 2, default="yes"),
                _yn(
                    "verify",
                    "Verified the caller before discussing the account",
                    3,
                    description="Full name plus two of: date of birth, postcode, last payment amount.",
                ),
            ],
        },
        {
            "key": "discovery",
            "title": "Discovery",
            "weight": 25,
            "questions": [
                _rating("understanding", "Understood the reason for the call", low="Missed it", high="Fully"),
                {
                    "key": "probing",
                    "text": "Asked clarifying questions",
                    "type": "single_choice",
                    "required": True,
                    "options": [
                        {"key": "none", "label": "None", "points": 0},
                        {"key": "some", "label": "Some", "points": 2},
                        {"key": "thorough", "label": "Thorough", "points": 4},
                    ],
                },
            ],
        },
        {
            "key": "resolution",
            "title": "Resolution",
            "weight": 35,
            "questions": [
                {
                    "key": "resolved",
                    "text": "Resolved the issue correctly",
                    "type": "single_choice",
                    "required": True,
                    "options": [
                        {"key": "fully", "label": "Fully", "points": 6},
                        {"key": "partly", "label": "Partly", "points": 3},
                        {"key": "not", "label": "Not resolved", "points": 0},
                    ],
                },
                _yn("next_steps", "Explained next steps and timelines", 3, allow_na=True),
                _yn("hold", "Asked permission before placing on hold", 1, allow_na=True, required=False),
            ],
        },
        {
            "key": "soft_skills",
            "title": "Soft skills",
            "weight": 25,
            "questions": [
                _rating("empathy", "Showed empathy", default=3),
                _rating("tone", "Tone and pace", default=3),
            ],
        },
        {
            "key": "compliance",
            "title": "Compliance",
            "weight": 10,
            "description": "Any miss here fails the call or the section.",
            "questions": [
                _yn("disclosure", "Read the call-recording disclosure", 2, no_fail="evaluation"),
                _yn("privacy", "Did not disclose account data before verification", 2, no_fail="section"),
            ],
        },
    ],
}

CHAT = {
    "name": "Chat support",
    "description": "Chat conversations, scored in points: 40 points available, 30 to pass.",
    "scoring_mode": "points",
    "pass_mark": 30,
    "sections": [
        {
            "key": "greeting",
            "title": "Greeting",
            "questions": [
                _yn("response_time", "First reply within 60 seconds", 4),
                _yn("personal", "Addressed the customer by name", 2, default="yes"),
            ],
        },
        {
            "key": "accuracy",
            "title": "Accuracy",
            "questions": [
                {
                    "key": "answer",
                    "text": "Answer was correct and complete",
                    "type": "single_choice",
                    "required": True,
                    "options": [
                        {"key": "complete", "label": "Correct and complete", "points": 12},
                        {"key": "incomplete", "label": "Correct but incomplete", "points": 6},
                        {"key": "wrong", "label": "Incorrect", "points": 0, "auto_fail": "evaluation"},
                    ],
                },
                _yn("kb_link", "Linked the right help-centre article", 4, allow_na=True),
            ],
        },
        {
            "key": "writing",
            "title": "Writing",
            "questions": [
                _rating("clarity", "Clear, plain writing", required=True),
                _yn("spelling", "No spelling or grammar errors", 4),
            ],
        },
        {
            "key": "closing",
            "title": "Closing",
            "questions": [
                _yn("anything_else", "Asked if anything else was needed", 4),
                _yn("survey", "Invited the customer to the satisfaction survey", 6, required=False),
            ],
        },
    ],
}

SALES = {
    "name": "Sales call (short)",
    "description": "Outbound sales calls. Follow-up questions appear only when they apply.",
    "scoring_mode": "percentage",
    "pass_mark": 70,
    "sections": [
        {
            "key": "pitch",
            "title": "Pitch",
            "weight": 40,
            "questions": [
                _yn("needs", "Identified the customer's needs before pitching", 4),
                _yn(
                    "objection",
                    "Did the customer raise an objection?",
                    0,
                    0,
                    required=True,
                    description="Not scored: decides whether the next question applies.",
                ),
                _rating(
                    "objection_handling",
                    "Handled the objection",
                    required=True,
                    show_if={"question": "objection", "answers": ["yes"]},
                ),
            ],
        },
        {
            "key": "close",
            "title": "Close",
            "weight": 60,
            "questions": [
                _yn("asked", "Asked for the sale", 4),
                _yn("sold", "Customer bought", 2, 0, required=True),
                _yn(
                    "follow_up",
                    "Booked a follow-up",
                    3,
                    required=True,
                    show_if={"question": "sold", "answers": ["no"]},
                ),
                _yn("misleading", "Made no misleading claims", 2, no_fail="evaluation"),
            ],
        },
    ],
}

# Score bands (docs/scoring.md#score-bands): on the percentage in percentage mode, on points in points mode.
_PERCENT_BANDS = [
    {"key": "needs_improvement", "label": "Needs improvement", "from": 0, "colour": "red"},
    {"key": "meets", "label": "Meets", "from": 70, "colour": "yellow"},
    {"key": "exceeds", "label": "Exceeds", "from": 90, "colour": "green"},
]
VOICE["bands"] = _PERCENT_BANDS
SALES["bands"] = _PERCENT_BANDS
CHAT["bands"] = [
    {"key": "needs_improvement", "label": "Needs improvement", "from": 0, "colour": "red"},
    {"key": "meets", "label": "Meets", "from": 30, "colour": "yellow"},
    {"key": "exceeds", "label": "Exceeds", "from": 36, "colour": "green"},
]

DEMO_SCORECARDS = (VOICE, CHAT, SALES)
# Where each applies (docs/scoring.md#applicability): channels, and team names (empty = every team), so that
# "Evaluate" picks the right one for every demo interaction.
DEMO_APPLIES = {
    VOICE["name"]: (["voice"], ["Billing Support", "Technical Support"]),
    CHAT["name"]: (["chat", "email", "sms", "social"], []),
    SALES["name"]: (["voice"], ["Outbound Sales"]),
}


def load_demo_scorecards() -> int:
    """Create and publish the demo scorecards that do not exist yet. Returns how many were made."""
    author = User.objects.filter(role__key="supervisor", is_active=True).order_by("id").first() or (
        User.objects.filter(role__key="admin", is_active=True).order_by("id").first()
    )
    if author is None:
        return 0
    created = 0
    for document in DEMO_SCORECARDS:
        if Scorecard.objects.filter(name=document["name"]).exists():
            continue
        channels, team_names = DEMO_APPLIES[document["name"]]
        teams = [str(t.uuid) for t in Team.objects.filter(name__in=team_names)]
        scorecard = services.scorecard_create(
            by=author, document=document, change_note="Demo scorecard", channels=channels, teams=teams
        )
        services.scorecard_publish(by=author, scorecard=scorecard)
        created += 1
    return created
