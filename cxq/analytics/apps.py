from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "cxq.analytics"
    label = "analytics"
