from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "cxq.scorecards"
    label = "scorecards"
    verbose_name = "Scorecards"
