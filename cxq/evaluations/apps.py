from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "cxq.evaluations"
    label = "evaluations"
    verbose_name = "Evaluations"
