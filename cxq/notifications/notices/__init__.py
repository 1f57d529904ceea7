"""What people are told when something happens: outbox subscribers to the domain events, one module per
producing app, wired in cxq/wiring.py. They live here, in the consumer, so that the apps whose services
publish the events never import the notifications app (docs/architecture.md, "Domain events").

A notification's ``kind`` is the event's name when it reports that event; a notice derived from part
of an event (invited to a calibration, a role changed, added to a team) has a kind of its own.
"""
