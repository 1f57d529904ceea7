"""The pure statistics module against published worked examples (Krippendorff 2011, "Computing
Krippendorff's Alpha-Reliability", sections A and C)."""

from __future__ import annotations

import pytest

from cxq.calibrations import stats

# Section C: four observers, twelve units, values 1–5, missing data ("." in the paper).
FOUR_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Section A: two observers, ten units, binary data, no missing values.
TWO_OBSERVERS = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]


def test_nominal_alpha_of_the_four_observer_example_is_the_published_0_743():
    assert stats.alpha(FOUR_OBSERVERS, "nominal") == pytest.approx(0.743, abs=5e-4)


def test_interval_alpha_of_the_four_observer_example_is_the_published_0_849():
    assert stats.alpha(FOUR_OBSERVERS, "interval") == pytest.approx(0.849, abs=5e-4)


def test_nominal_alpha_of_the_binary_two_observer_example_is_the_published_0_095():
    assert stats.alpha(TWO_OBSERVERS, "nominal") == pytest.approx(0.095, abs=5e-4)


def test_nominal_alpha_does_not_depend_on_how_labels_are_spelled():
    labels = [[{1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}.get(v) for v in row] for row in FOUR_OBSERVERS]
    assert stats.alpha(labels, "nominal") == pytest.approx(stats.alpha(FOUR_OBSERVERS, "nominal"))


@pytest.mark.parametrize(
    "matrix",
    [
        [],
        [[1, 2, 3]],  # one observer: nothing pairable
        [[1, None], [None, 2]],  # no unit coded twice
        [[3, 3], [3, 3]],  # no variation at all
        [[4, 2], [4, None]],  # variation only outside the pairable values
    ],
    ids=["empty", "one-observer", "no-pairs", "no-variation", "no-pairable-variation"],
)
def test_alpha_is_none_when_undefined(matrix):
    assert stats.alpha(matrix, "interval") is None
    assert stats.alpha(matrix, "nominal") is None


def test_perfect_agreement_with_variation_is_one():
    assert stats.alpha([[1, 2, 3], [1, 2, 3]], "interval") == pytest.approx(1.0)


def test_unknown_level_is_refused():
    with pytest.raises(ValueError):
        stats.alpha(FOUR_OBSERVERS, "ordinal-ish")


def test_percent_agreement_pools_pairs_over_units():
    # unit 1: one pair, agrees; unit 2: three pairs, one agrees (a=a); unit 3: a single value, no pair
    matrix = [["y", "a", None], ["y", "a", "x"], [None, "b", None]]
    assert stats.percent_agreement(matrix) == pytest.approx(100 * 2 / 4)
    assert stats.percent_agreement([[1, None], [None, 2]]) is None


def test_unit_agrees_needs_two_values():
    assert stats.unit_agrees(["a", "a", None]) is True
    assert stats.unit_agrees(["a", "b"]) is False
    assert stats.unit_agrees(["a", None]) is None


def test_mean_absolute_deviation_skips_missing_pairs():
    assert stats.mean_absolute_deviation([1, 4, None, 2], [2, 2, 5, None]) == pytest.approx(1.5)
    assert stats.mean_absolute_deviation([None], [1]) is None


def test_unit_means_and_spread():
    assert stats.unit_means([[1, None], [3, None]]) == [2, None]
    s = stats.spread([80, 90, None, 100])
    assert (s.count, s.mean, s.minimum, s.maximum) == (3, 90, 80, 100)
    assert s.stdev == pytest.approx(8.1650, abs=1e-4)  # population standard deviation
    assert stats.spread([70]).stdev is None
    assert stats.spread([]).mean is None
