from cxq.lib.outbox import OutboxStatus

EmailStatus = OutboxStatus  # an outbound mail's status is the outbox's: pending → sending → sent / failed
