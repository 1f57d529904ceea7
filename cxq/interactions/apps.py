from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "cxq.interactions"
    label = "interactions"
    verbose_name = "Interactions"
