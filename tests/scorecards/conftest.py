from __future__ import annotations

import copy

import pytest

from cxq.scorecards import services

DOC = {
    "name": "Support QA",
    "scoring_mode": "percentage",
    "pass_mark": 80,
    "sections": [
        {
            "key": "opening",
            "title": "Opening",
            "weight": 20,
            "questions": [
                {
                    "key": "greet",
                    "text": "Greeted by name?",
                    "type": "yes_no",
                    "required": True,
                    "default": "yes",
                    "options": [
                        {"key": "yes", "label": "Yes", "points": 5},
                        {"key": "no", "label": "No", "points": 0},
                    ],
                },
                {
                    "key": "tone",
                    "text": "Tone",
                    "type": "rating_scale",
                    "scale": {"min": 1, "max": 5},
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "compliance",
            "title": "Compliance",
            "weight": 10,
            "questions": [
                {
                    "key": "disclosure",
                    "text": "Read the disclosure",
                    "type": "yes_no",
                    "options": [
                        {"key": "yes", "points": 2},
                        {"key": "no", "points": 0, "auto_fail": "evaluation"},
                    ],
                },
            ],
        },
    ],
}


@pytest.fixture
def doc():
    return copy.deepcopy(DOC)


@pytest.fixture
def draft(personas, doc):
    return services.scorecard_create(by=personas.supervisor_a, document=doc)


@pytest.fixture
def published(personas, draft):
    return services.scorecard_publish(by=personas.supervisor_a, scorecard=draft)
