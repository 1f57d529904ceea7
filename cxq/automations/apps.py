from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "cxq.automations"
    label = "automations"
    verbose_name = "Automations"
