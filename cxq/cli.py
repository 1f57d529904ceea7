"""The ``cxq`` command: Django's management commands under one name (PL-10).

``cxq serve``, ``cxq worker``, ``cxq demo``, ``cxq createadmin`` and every other management command
(``cxq migrate``, ``cxq shell``…) work from any directory.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "cxq"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
