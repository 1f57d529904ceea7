from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The project-level app: it wires the domain events once every app is loaded (cxq/wiring.py).

    The top of the dependency graph with cxq.devdata: it may import every app; no app imports it."""

    name = "cxq.core"
    label = "core"
    verbose_name = "CXQ"

    def ready(self) -> None:
        from cxq.wiring import wire

        wire()
