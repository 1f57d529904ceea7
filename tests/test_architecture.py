"""The app dependency graph holds (pyproject.toml [tool.importlinter], docs/architecture.md "Layers"):
a new import from a lower app into a higher one, or Django inside a pure engine, fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_wiring_is_the_only_module_that_imports_both_producers_and_their_consumers():
    """Producers never import the apps that react to their events."""
    forbidden = {
        "cxq/evaluations": ("cxq.analytics", "cxq.notifications", "cxq.audit"),
        "cxq/accounts": ("cxq.analytics", "cxq.notifications", "cxq.audit"),
        "cxq/calibrations": ("cxq.analytics", "cxq.notifications", "cxq.audit"),
        "cxq/interactions": ("cxq.analytics", "cxq.notifications", "cxq.audit"),
        "cxq/scorecards": ("cxq.analytics", "cxq.notifications", "cxq.audit"),
    }
    found = []
    for folder, consumers in forbidden.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            found += [f"{path.relative_to(ROOT)} imports {c}" for c in consumers if f"from {c}" in text]
    # the settings page's time-zone message (listed in the import contracts' ignore_imports too)
    assert found == ["cxq/accounts/views.py imports cxq.analytics"]
