from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "cxq.goals"
    label = "goals"
    verbose_name = "Evaluation goals"
