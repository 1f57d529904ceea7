from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "cxq.coaching"
    label = "coaching"
    verbose_name = "Coaching"
