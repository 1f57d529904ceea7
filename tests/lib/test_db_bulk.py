"""cxq/lib/db.py: the bulk insert gives back each row's id in row order, with values adapted per column
type as the ORM would (PostgreSQL: one array per column; SQLite: multi-row VALUES)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from cxq.interactions.models import Interaction
from cxq.lib.db import insert_returning_ids


def test_ids_come_back_in_row_order_with_every_kind_of_value(db, personas):
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    columns = [f.attname for f in Interaction._meta.concrete_fields if not f.primary_key]
    rows = []
    for i in range(1203):  # more than two batches of 500
        row = Interaction(
            uuid=uuid4(),
            created_at=t0,
            updated_at=t0,
            external_id=f"bulk-{i}",
            channel="voice" if i % 2 else "chat",
            started_at=t0 + timedelta(seconds=i),
            agent_id=personas.agent_a1.pk if i % 3 else None,
            csat=1 + i % 5 if i % 4 else None,
            resolved=bool(i % 2) if i % 5 else None,
            metrics={"silence_count": i, "words": [i, "x"]} if i % 2 else {},
            topics=[f"t{i}"],
            transcript_text=f"text {i}",
        )
        rows.append(tuple(getattr(row, c) for c in columns))
    ids = insert_returning_ids(Interaction, columns, rows)
    assert len(ids) == len(set(ids)) == len(rows)
    stored = Interaction.objects.in_bulk(ids)
    for pk, row in zip(ids, rows, strict=True):
        assert tuple(getattr(stored[pk], c) for c in columns) == row
