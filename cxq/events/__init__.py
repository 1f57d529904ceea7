"""Domain events: one name for every fact the product records, and one way to react to it.

Services publish one event per write (``publish``); the reactions are registered in one place,
``cxq/wiring.py``. See docs/architecture.md, "Domain events".
"""

from cxq.events.bus import AuditTrail, DomainEvent, Phase, publish, subscribe, subscribers
from cxq.events.names import Name

__all__ = ["AuditTrail", "DomainEvent", "Name", "Phase", "publish", "subscribe", "subscribers"]
