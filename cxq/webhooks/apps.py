from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "cxq.webhooks"
    label = "webhooks"
    verbose_name = "Outbound webhooks"
