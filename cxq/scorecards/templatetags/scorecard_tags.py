from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ answers|get_item:q.key }}``: look a key up in a dict."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


@register.filter
def points(value):
    """Points as people write them: 5, 2.5 (not 5.0)."""
    if value is None:
        return "—"
    number = float(value)
    return f"{number:g}" if number != int(number) else str(int(number))


@register.inclusion_tag("scorecards/_band.html")
def band_badge(evaluation) -> dict:
    """The score band of a completed evaluation (docs/scoring.md#score-bands): a coloured badge, or nothing.
    Read from the scorecard's current bands, whatever version the evaluation pinned."""
    if evaluation is None or getattr(evaluation, "status", "") == "draft":
        return {"band": None}
    scorecard = evaluation.scorecard
    return {"band": scorecard.band(score_percent=evaluation.score_percent, earned=evaluation.earned)}


@register.inclusion_tag("scorecards/_band.html")
def band_of(scorecard, score_percent, earned=None) -> dict:
    """The band a score (an average, in a report) falls in on a scorecard, or nothing."""
    if scorecard is None:
        return {"band": None}
    return {"band": scorecard.band(score_percent=score_percent, earned=earned)}
