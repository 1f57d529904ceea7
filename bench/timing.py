"""Timing shared by the benchmarks: median and 95th percentile of repeated calls, in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def load_average() -> str:
    """The machine's load average (1, 5, 15 min), as `uptime` shows it: benchmarks on a shared machine
    are read beside it."""
    import os

    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def scoring_rate(evaluations: int = 20_000) -> float:
    """bench/bench_scoring.py's score() rate (evaluations/s, 50 questions, percentage mode), measured now:
    a yardstick of how fast this machine runs Python at the moment of the run."""
    import random

    from bench_scoring import fifty_question_scorecard, random_answers

    from cxq.scoring import compile_scorecard, normalize_answers, parse_document, score

    card = parse_document(fifty_question_scorecard())
    compiled = compile_scorecard(card)
    rng = random.Random(1)
    answers = [normalize_answers(compiled, random_answers(card, rng)) for _ in range(500)]
    start = time.perf_counter()
    for i in range(evaluations):
        score(compiled, answers[i % 500])
    return evaluations / (time.perf_counter() - start)


def machine_line() -> str:
    return f"{load_average()}; bench_scoring score() {scoring_rate():,.0f} evaluations/s"
