"""Agreement statistics for calibration (docs/calibrations.md#statistics). Pure Python + numpy: no Django, no ORM.

The data is a reliability matrix: one row per observer (assessor), one column per unit (a question
within a session, or a session for one question across sessions), ``None`` where the observer gave
no value (N/A, unanswered, hidden: missing, as Krippendorff's method defines).

Krippendorff's alpha comes from the ``krippendorff`` package (Castro, 2017), not from our own code.
Where alpha is undefined we return ``None`` so the page says "not enough data":

1. fewer than two *pairable* values (values in units that at least two observers coded), or
2. no variation among the pairable values (expected disagreement is zero: 0/0).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import krippendorff
import numpy as np

Matrix = Sequence[Sequence[Hashable | None]]


def _pairable(matrix: Matrix) -> list:
    """Every value that sits in a unit coded by at least two observers."""
    if not matrix:
        return []
    values = []
    for unit in range(len(matrix[0])):
        column = [row[unit] for row in matrix if row[unit] is not None]
        if len(column) >= 2:
            values.extend(column)
    return values


def alpha(matrix: Matrix, level: Literal["interval", "nominal"]) -> float | None:
    """Krippendorff's alpha for ``level`` "interval" (numbers) or "nominal" (any hashable labels).

    Nominal labels are coded as integers first (the package wants numbers); only equality matters
    for nominal data, so the coding does not change the result."""
    if level not in ("interval", "nominal"):
        raise ValueError(f"Unknown level of measurement: {level!r}")
    pairable = _pairable(matrix)
    if len(pairable) < 2 or len(set(pairable)) < 2:
        return None
    if level == "nominal":
        codes: dict = {}
        data = [[np.nan if v is None else codes.setdefault(v, len(codes)) for v in row] for row in matrix]
    else:
        data = [[np.nan if v is None else float(cast(float, v)) for v in row] for row in matrix]
    try:
        value = krippendorff.alpha(reliability_data=np.array(data, dtype=float), level_of_measurement=level)
    except (ValueError, ZeroDivisionError):
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def percent_agreement(matrix: Matrix) -> float | None:
    """The share (0–100) of pairs of observers, within each unit, who gave the same value; pairs are
    pooled over all units. None when no unit has two values."""
    agree = pairs = 0
    if not matrix:
        return None
    for unit in range(len(matrix[0])):
        column = [row[unit] for row in matrix if row[unit] is not None]
        for i in range(len(column)):
            for j in range(i + 1, len(column)):
                pairs += 1
                agree += column[i] == column[j]
    return None if pairs == 0 else 100.0 * agree / pairs


def unit_agrees(values: Sequence[Hashable | None]) -> bool | None:
    """One unit: True when all given values are equal, False when they differ, None with fewer than two."""
    given = [v for v in values if v is not None]
    if len(given) < 2:
        return None
    return len(set(given)) == 1


def mean_absolute_deviation(values: Sequence[float | None], reference: Sequence[float | None]) -> float | None:
    """Mean of |value − reference| over the units where both are given; None when there are none."""
    diffs = [abs(v - r) for v, r in zip(values, reference, strict=True) if v is not None and r is not None]
    return None if not diffs else sum(diffs) / len(diffs)


def unit_means(matrix: Sequence[Sequence[float | None]]) -> list[float | None]:
    """Per unit, the mean of the given values (None when nobody gave one)."""
    if not matrix:
        return []
    means = []
    for unit in range(len(matrix[0])):
        column = [row[unit] for row in matrix if row[unit] is not None]
        means.append(sum(cast(list[float], column)) / len(column) if column else None)
    return means


@dataclass(frozen=True)
class Spread:
    count: int
    mean: float | None
    minimum: float | None
    maximum: float | None
    stdev: float | None  # population standard deviation: the assessors are the whole group compared


def spread(values: Sequence[float | None]) -> Spread:
    given = [float(v) for v in values if v is not None]
    if not given:
        return Spread(0, None, None, None, None)
    return Spread(
        count=len(given),
        mean=statistics.fmean(given),
        minimum=min(given),
        maximum=max(given),
        stdev=statistics.pstdev(given) if len(given) >= 2 else None,
    )


# One line per statistic, shown beside it wherever it appears (docs/calibrations.md#statistics).
EXPLANATIONS = {
    "completion": "Assessors who submitted, out of the assessors still in the session.",
    "average": "Mean score % of the submitted evaluations.",
    "range": "The lowest and the highest score % among the submitted evaluations.",
    "stdev": "How far the scores lie from their average, in percentage points (0 = identical scores).",
    "alpha_interval": (
        "Krippendorff's α on the points given per question: 1 = perfect agreement, 0 = no better than chance, "
        "below 0 = systematic disagreement."
    ),
    "alpha_nominal": "Krippendorff's α on the answers chosen (same or different only): 1 = perfect, 0 = chance.",
    "percent_agreement": "Of all pairs of assessors who answered a question, the share who chose the same answer.",
    "mad_benchmark": "Mean absolute deviation: the average gap, in points per question, from the benchmark's answers.",
    "pp": "pp = percentage points: the difference between two score percentages (82 % vs 80 % is +2 pp).",
    "mad_mean": "MAD from mean: the average gap, in points per question, from the mean of all assessors' answers.",
    "sessions": "Sessions in which at least two assessors answered the question: the units α is computed over.",
}
