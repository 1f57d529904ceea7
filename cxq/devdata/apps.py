from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and benchmark data: the ``demo`` and ``seed-bench`` commands and the generators behind them.

    The top of the dependency graph: it may import every app; no app imports it."""

    name = "cxq.devdata"
    label = "devdata"
    verbose_name = "Demo and benchmark data"
