"""The outcome-link statistics (cxq/analytics/outcome_stats.py) against hand-computed and table values.

Reference values: Student-t quantiles from printed tables (and, for non-integer degrees of freedom,
an independent implementation's output noted beside them); the Welch example is worked by hand in the
docstring of ``test_welch_matches_the_hand_computed_example``."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from cxq.analytics import outcome_stats as st


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        (0.975, 1, 12.7062047),
        (0.975, 2.5, 3.5746548),
        (0.975, 6.6419, 2.3907158),
        (0.975, 10, 2.2281389),
        (0.975, 30, 2.0422725),
        (0.975, 1000, 1.9623391),
        (0.995, 4, 4.6040949),
        (0.975, math.inf, 1.9599640),
    ],
)
def test_t_quantiles_match_the_tables(p, df, expected):
    assert st.t_quantile(p, df) == pytest.approx(expected, abs=1e-6)


def test_t_cdf_is_symmetric_and_matches_a_known_value():
    assert st.t_cdf(1.5, 7.3) == pytest.approx(0.9122185, abs=1e-6)
    assert st.t_cdf(-1.5, 7.3) == pytest.approx(1 - 0.9122185, abs=1e-6)
    assert st.t_cdf(0.0, 3) == pytest.approx(0.5)


def test_welch_matches_the_hand_computed_example():
    """A = 5,5,4,4,3: mean 4.2, variance 2.8/4 = 0.7. B = 3,2,2,1: mean 2, variance 2/3.
    SE² = 0.7/5 + (2/3)/4 = 0.306667, SE = 0.553775; df = SE⁴ / (0.14²/4 + 0.166667²/3) = 6.6419;
    t(0.975, 6.6419) = 2.390716, so the interval is 2.2 ± 1.323918 = [0.876082, 3.523918]."""
    d = st.welch({5: 2, 4: 2, 3: 1}, {3: 1, 2: 2, 1: 1}, min_group=2)
    assert (d.n_a, d.n_b) == (5, 4)
    assert d.mean_a == pytest.approx(4.2) and d.mean_b == pytest.approx(2.0)
    assert d.difference == pytest.approx(2.2)
    assert d.df == pytest.approx(6.641904, abs=1e-5)
    assert d.low == pytest.approx(0.876082, abs=1e-5) and d.high == pytest.approx(3.523918, abs=1e-5)
    # correlation scale: σ of all nine values (population) and p = 5/9
    values = [5, 5, 4, 4, 3, 3, 2, 2, 1]
    mean = sum(values) / 9
    sigma = math.sqrt(sum((v - mean) ** 2 for v in values) / 9)
    assert d.r == pytest.approx(2.2 * math.sqrt(5 / 9 * 4 / 9) / sigma)
    assert d.r_low < d.r < d.r_high


def test_welch_needs_the_minimum_on_both_sides_and_some_spread():
    assert st.welch({5: 9, 4: 1}, {3: 30, 1: 30}) is not None
    assert st.welch({5: 8, 4: 1}, {3: 30, 1: 30}) is None  # 9 < MIN_GROUP
    assert st.welch({5: 20}, {5: 20}) is None  # no spread: no interval


def test_spearman_with_ties_matches_the_reference():
    x = [1, 2, 2, 3, 4, 4, 5, 5, 5, 1, 3, 2]
    y = [2, 1, 3, 3, 5, 4, 4, 5, 3, 1, 2, 2]
    cells = Counter(zip(x, y, strict=True))
    c = st.spearman([(a, b, n) for (a, b), n in cells.items()], min_pairs=4)
    assert c.n == 12
    assert c.rho == pytest.approx(0.7945454545, abs=1e-9)
    half = 1.959964 * math.sqrt((1 + c.rho**2 / 2) / 9)
    assert c.low == pytest.approx(math.tanh(math.atanh(c.rho) - half), abs=1e-6)
    assert c.high == pytest.approx(math.tanh(math.atanh(c.rho) + half), abs=1e-6)


def test_spearman_is_undefined_without_variation_or_enough_pairs():
    assert st.spearman([(1, 1, 10), (1, 2, 15)]) is None  # x never varies
    assert st.spearman([(1, 1, 5), (2, 2, 5)]) is None  # 10 < MIN_PAIRS
    perfect = st.spearman([(1, 1, 10), (2, 2, 10), (3, 3, 10)])
    assert perfect.rho == pytest.approx(1.0) and perfect.low == perfect.high == perfect.rho


def test_strength_is_the_bound_nearest_zero():
    assert st.strength(-0.2, 0.4) == 0.0
    assert st.strength(0.1, 0.5) == pytest.approx(0.1)
    assert st.strength(-0.6, -0.3) == pytest.approx(0.3)


def test_welch_intervals_cover_the_true_difference_about_95_percent_of_the_time():
    """Simulation with a fixed seed: 400 pairs of CSAT-like samples from one population."""
    rng = random.Random(7)
    weights = [0.05, 0.1, 0.2, 0.35, 0.3]
    covered = 0
    for _ in range(400):
        a = Counter(rng.choices([1, 2, 3, 4, 5], weights, k=40))
        b = Counter(rng.choices([1, 2, 3, 4, 5], weights, k=25))
        d = st.welch(a, b)
        covered += d.low <= 0 <= d.high
    assert 0.92 <= covered / 400 <= 0.98
