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
    assert found == []


def test_templates_ask_the_permission_filter_not_the_role_codes():
    """``user|can:"code"`` (has_perm) is the one check; a template never reads the role's codes itself."""
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "cxq").rglob("*.html") if "permission_codes" in path.read_text()
    ]
    assert offenders == []


def test_the_permission_filter_refuses_an_unknown_code(personas):
    from django.template import Context, Template

    from cxq.accounts.permissions import UnknownPermission

    page = Template('{% if user|can:"teams.manage" %}manage{% else %}read{% endif %}')
    assert page.render(Context({"user": personas.admin})) == "manage"
    assert page.render(Context({"user": personas.agent_a1})) == "read"
    import pytest

    with pytest.raises(UnknownPermission):
        Template('{% if user|can:"teams.mange" %}x{% endif %}').render(Context({"user": personas.admin}))


def _anchors(doc: Path) -> set[str]:
    import re

    return {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in doc.read_text().splitlines()
        if line.startswith("#")
    }


def test_code_points_only_at_docs_that_exist_in_the_repository():
    """Comments cite docs/… pages (and their sections), never documents outside the repository."""
    import re

    broken, outside = [], []
    for path in [*(ROOT / "cxq").rglob("*.py"), *(ROOT / "cxq").rglob("*.html"), *(ROOT / "tests").rglob("*.py")]:
        text = path.read_text()
        where = str(path.relative_to(ROOT))
        for doc, anchor in re.findall(r"(docs/[\w-]+\.md)(?:#([\w-]+))?", text):
            target = ROOT / doc
            if not target.exists() or (anchor and anchor not in _anchors(target)):
                broken.append(f"{where}: {doc}#{anchor}")
        if "migrations" in path.parts:  # applied history stays as it was written
            continue
        if re.search(r"\.\./shared/(SPEC|STYLE)|\bSPEC §|\b(EV|CA|AN|SC|IN|PL|AC|PF|IG)-\d+\b", text):
            outside.append(where)
    assert broken == []
    assert outside == []
