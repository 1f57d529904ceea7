"""Background work of moments: cutting a clip (docs/moments.md#clips); idempotent."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def cut_moment(moment_id: int) -> None:
    from cxq.moments.services import moment_cut

    moment_cut(moment_id=moment_id)
