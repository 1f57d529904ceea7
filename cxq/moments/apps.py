from django.apps import AppConfig


class MomentsConfig(AppConfig):
    name = "cxq.moments"
    label = "moments"
    verbose_name = "Moments"
