"""Durations as people read them: a clock under an hour or a day, days and hours beyond."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from cxq.lib.durations import clock, duration


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0:00"),
        (3.9, "0:03"),
        (59, "0:59"),
        (60, "1:00"),
        (204, "3:24"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
        (86_399, "23:59:59"),
        (-5, "0:00"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_clock(seconds, expected):
    assert clock(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(185, "3:05"), (7_322, "2:02:02"), (86_400, "1 d"), (185_430, "2 d 3 h"), (90_000, "1 d 1 h"), (None, "")],
)
def test_duration(seconds, expected):
    assert duration(seconds) == expected


def test_every_template_has_the_filters():
    rendered = Template("{{ a|clock }} / {{ b|duration }}").render(Context({"a": 204.4, "b": 185_430}))
    assert rendered == "3:24 / 2 d 3 h"
