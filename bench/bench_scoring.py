"""docs/performance.md#scoring-throughput: evaluations scored per second for a 50-question scorecard with random
answers.

Run by hand: .venv/bin/python bench/bench_scoring.py [--evaluations 200000]
Pure engine: no Django, no database. One process, one core.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from cxq.scoring import compile_scorecard, normalize_answers, parse_document, score


def fifty_question_scorecard(mode: str = "percentage") -> dict:
    rng = random.Random(7)
    sections = []
    n = 0
    for s in range(5):
        questions = []
        for _ in range(10):
            n += 1
            kind = ("yes_no", "single_choice", "rating_scale")[n % 3]
            q = {"key": f"q{n}", "text": f"Question {n}", "type": kind, "allow_na": n % 4 == 0}
            if kind == "rating_scale":
                q["scale"] = {"min": 1, "max": 5}
            elif kind == "yes_no":
                q["options"] = [
                    {"key": "yes", "points": rng.choice([2, 5, 10])},
                    {"key": "no", "points": 0, "auto_fail": "section" if n % 17 == 0 else "none"},
                ]
            else:
                q["options"] = [{"key": f"o{i}", "points": p} for i, p in enumerate([0, 1.5, 3, 4])]
            if n % 10 == 5:
                q["show_if"] = {"question": f"q{n - 1}", "answers": [q_first_option(questions[-1])]}
            questions.append(q)
        sections.append({"key": f"s{s}", "title": f"Section {s}", "weight": rng.randint(1, 40), "questions": questions})
    return {"name": "Bench", "scoring_mode": mode, "pass_mark": 70, "sections": sections}


def q_first_option(q: dict) -> str:
    return "1" if q["type"] == "rating_scale" else q["options"][0]["key"]


def random_answers(card, rng: random.Random) -> dict:
    answers = {}
    for q in card.questions():
        choices = [o.key for o in q.options] + (["na"] if q.allow_na else []) + [None]
        value = rng.choice(choices)
        if value is not None:
            answers[q.key] = int(value) if q.type == "rating_scale" and value != "na" else value
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=200_000)
    args = parser.parse_args()
    for mode in ("percentage", "points"):
        card = parse_document(fifty_question_scorecard(mode))
        compiled = compile_scorecard(card)
        rng = random.Random(1)
        raw = [random_answers(card, rng) for _ in range(2000)]
        normalized = [normalize_answers(compiled, a) for a in raw]
        rounds = []
        for _ in range(5):
            start = time.perf_counter()
            for i in range(args.evaluations // 5):
                score(compiled, normalized[i % 2000])
            rounds.append((args.evaluations // 5) / (time.perf_counter() - start))
        start = time.perf_counter()
        for i in range(20_000):
            score(compiled, normalize_answers(compiled, raw[i % 2000])).as_json()
        full = 20_000 / (time.perf_counter() - start)
        print(
            f"{mode:>10}: score() {statistics.median(rounds):,.0f} evaluations/s (median of 5); "
            f"validate + score + JSON {full:,.0f}/s"
        )


if __name__ == "__main__":
    main()
