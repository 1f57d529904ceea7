from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "cxq.events"
    label = "events"
    verbose_name = "Domain events"

    def ready(self) -> None:
        from cxq.wiring import wire

        wire()
