"""The ``cxq`` command: Django's management commands under one name (README.md#the-cxq-command).

``cxq serve``, ``cxq worker``, ``cxq demo``, ``cxq createadmin`` and every other management command
(``cxq migrate``, ``cxq shell``…) work from any directory.
"""

from __future__ import annotations

import os
import sys

# Spec'd command names that Django cannot use as module names ('-' is not allowed in one).
ALIASES = {"seed-bench": "seed_bench"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "cxq"
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
