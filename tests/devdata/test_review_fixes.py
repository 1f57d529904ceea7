"""Dev data helpers: one bench administrator for the seed and the benchmarks (docs/performance.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from cxq.accounts.models import User
from cxq.devdata.evaluations import BENCH_ADMIN_EMAIL, bench_admin

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_bench_admin_is_defined_once_in_devdata_and_used_by_the_benchmarks(db):
    for path in BENCH.glob("*.py"):
        tree = ast.parse(path.read_text())
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert "bench_admin" not in defined, path.name
    source = (BENCH / "bench_interactions.py").read_text()
    assert "from cxq.devdata.evaluations import bench_admin" in source
    admin = bench_admin()
    assert admin.email == BENCH_ADMIN_EMAIL and admin.role.key == "admin"
    assert bench_admin() == admin and User.objects.filter(email=BENCH_ADMIN_EMAIL).count() == 1
