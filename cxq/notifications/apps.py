from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cxq.notifications"
    label = "notifications"
    verbose_name = "Notifications"
