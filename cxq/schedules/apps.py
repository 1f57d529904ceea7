from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "cxq.schedules"
    label = "schedules"
    verbose_name = "Schedules"
