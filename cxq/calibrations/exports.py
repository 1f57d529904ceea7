"""The CSV of a session's side-by-side answers (one row per question, columns per assessor)."""

from __future__ import annotations

from collections.abc import Iterator

from cxq.calibrations.selectors import Report


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def report_csv_rows(report: Report) -> tuple[list[str], Iterator[list]]:
    people = report.submitted
    header = ["section", "question_key", "question", "agreement", "mean_points", "benchmark_points"]
    for r in people:
        name = r.seat.user.full_name + (" (benchmark)" if r.is_benchmark else "")
        header += [f"{name}: answer", f"{name}: points", f"{name}: comment"]

    def rows():
        for q in report.questions:
            agreement = {True: "agree", False: "disagree", None: ""}[q.agrees]
            row = [q.section, q.key, q.text, agreement, _num(q.mean_points), _num(q.benchmark_points)]
            for cell in q.cells:
                row += [cell.label, _num(cell.points), cell.comment]
            yield row
        bench = report.benchmark.score if report.benchmark else None
        total = ["", "score", "Score (%), earned points, overall comment", "", _num(report.spread.mean), _num(bench)]
        for r in people:
            total += [_num(r.score), _num(r.earned), r.comment]
        yield total

    return header, rows()
