"""Statistics of the customer-outcome link (docs/analytics.md#customer-outcome-link). Pure Python: no Django.

Inputs are **count tables**, never raw rows: an outcome distribution is ``{outcome value: how many}``
and a pairing is ``[(predictor value, outcome value, how many), ...]``. The selector reads them with one
GROUP BY, so the work here is proportional to the number of distinct values (a 1–5 rating against a
0–10 score is at most 55 cells), whatever the number of evaluations.

Why not numpy or scipy: scipy is not a dependency, and numpy has no Student-t quantile, which is the one
non-trivial function needed; the rest is a few sums over small tables. The t quantile is computed from
the regularized incomplete beta function (continued fraction, ``math.lgamma``) and checked in
tests/analytics/test_outcome_stats.py against published table values.

1. ``welch``: difference of two means with the Welch–Satterthwaite 95 % confidence interval.
2. ``spearman``: rank correlation with tied values given their mid-rank, and a 95 % interval from
   Fisher's z with the Bonett–Wright standard error sqrt((1 + ρ²/2) / (n − 3)).
3. ``strength``: the bound of an interval nearest zero (0 when the interval covers 0) — what the report
   sorts by. A difference is put on the correlation scale first (the point-biserial correlation
   d·sqrt(p·q)/σ), so yes/no, choice and rating questions sort together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
# The documented minimum sample sizes (docs/analytics.md#customer-outcome-link): below them a figure is
# "not enough data" rather than a wide interval nobody should read.
MIN_GROUP = 10  # interactions on each side of a difference
MIN_PAIRS = 20  # interactions in a correlation

Distribution = Mapping[float, int]


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    variance: float  # sample variance (n − 1); 0.0 when n < 2


@dataclass(frozen=True)
class Difference:
    """Mean of group A minus mean of group B, with its 95 % interval, and the same on the correlation scale."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: float
    low: float
    high: float
    df: float
    r: float
    r_low: float
    r_high: float


@dataclass(frozen=True)
class Correlation:
    n: int
    rho: float
    low: float
    high: float


def summary(dist: Distribution) -> Summary:
    n = sum(dist.values())
    if n == 0:
        return Summary(0, math.nan, 0.0)
    mean = sum(v * c for v, c in dist.items()) / n
    if n < 2:
        return Summary(n, mean, 0.0)
    variance = sum(c * (v - mean) ** 2 for v, c in dist.items()) / (n - 1)
    return Summary(n, mean, variance)


# --- Student's t ----------------------------------------------------------------------------------------


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz), for x < (a+1)/(a+b+2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom (any real df > 0)."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value with P(T ≤ t) = p, 0.5 ≤ p < 1, by bisection on ``t_cdf`` (monotone)."""
    if not 0.5 <= p < 1.0 or df <= 0:
        raise ValueError("t_quantile needs 0.5 <= p < 1 and df > 0")
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


# --- The two figures -------------------------------------------------------------------------------------


def welch(a: Distribution, b: Distribution, *, min_group: int = MIN_GROUP) -> Difference | None:
    """Mean of ``a`` − mean of ``b`` with Welch's 95 % interval; None below ``min_group`` on either side
    or when neither group varies (no interval can be formed)."""
    sa, sb = summary(a), summary(b)
    if sa.n < max(min_group, 2) or sb.n < max(min_group, 2):
        return None
    va, vb = sa.variance / sa.n, sb.variance / sb.n
    se = math.sqrt(va + vb)
    if se == 0.0:
        return None
    df = (va + vb) ** 2 / (va * va / (sa.n - 1) + vb * vb / (sb.n - 1))
    half = t_quantile(0.5 + CONFIDENCE / 2.0, df) * se
    diff = sa.mean - sb.mean
    # the point-biserial scale: r = d · sqrt(p q) / σ, σ the spread of both groups together
    total = summary({**_merged(a, b)})
    sigma = math.sqrt(total.variance * (total.n - 1) / total.n)
    p = sa.n / total.n
    scale = math.sqrt(p * (1.0 - p)) / sigma if sigma > 0 else 0.0
    return Difference(
        n_a=sa.n,
        n_b=sb.n,
        mean_a=sa.mean,
        mean_b=sb.mean,
        difference=diff,
        low=diff - half,
        high=diff + half,
        df=df,
        r=_clip(diff * scale),
        r_low=_clip((diff - half) * scale),
        r_high=_clip((diff + half) * scale),
    )


def _clip(r: float) -> float:
    """A converted bound can pass ±1 (the interval is in mean units); a correlation cannot."""
    return max(-1.0, min(1.0, r))


def _merged(a: Distribution, b: Distribution) -> dict[float, int]:
    out: dict[float, int] = dict(a)
    for value, count in b.items():
        out[value] = out.get(value, 0) + count
    return out


def _midranks(counts: Mapping[float, int]) -> dict[float, float]:
    """Each distinct value's rank, ties sharing the mean of the ranks they span (1-based)."""
    ranks: dict[float, float] = {}
    below = 0
    for value in sorted(counts):
        c = counts[value]
        ranks[value] = below + (c + 1) / 2.0
        below += c
    return ranks


def spearman(cells: Iterable[tuple[float, float, int]], *, min_pairs: int = MIN_PAIRS) -> Correlation | None:
    """Spearman's ρ of a weighted table of (x, y, count) with mid-ranks for ties, and its 95 % interval;
    None below ``min_pairs`` or when either side has a single value (ρ is undefined)."""
    table = [(x, y, c) for x, y, c in cells if c > 0]
    n = sum(c for _, _, c in table)
    if n < max(min_pairs, 4):
        return None
    xs: dict[float, int] = {}
    ys: dict[float, int] = {}
    for x, y, c in table:
        xs[x] = xs.get(x, 0) + c
        ys[y] = ys.get(y, 0) + c
    if len(xs) < 2 or len(ys) < 2:
        return None
    rx, ry = _midranks(xs), _midranks(ys)
    mean = (n + 1) / 2.0  # the mean rank, ties or not
    sxy = sum(c * (rx[x] - mean) * (ry[y] - mean) for x, y, c in table)
    sxx = sum(c * (r - mean) ** 2 for r, c in ((rx[x], c) for x, c in xs.items()))
    syy = sum(c * (r - mean) ** 2 for r, c in ((ry[y], c) for y, c in ys.items()))
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if abs(rho) == 1.0:
        return Correlation(n=n, rho=rho, low=rho, high=rho)
    z = math.atanh(rho)
    half = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2.0) * math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    return Correlation(n=n, rho=rho, low=math.tanh(z - half), high=math.tanh(z + half))


def strength(low: float, high: float) -> float:
    """How far an interval stays from zero: its bound nearest zero, 0 when it covers zero."""
    if low <= 0.0 <= high:
        return 0.0
    return min(abs(low), abs(high))
