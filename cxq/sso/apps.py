from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "cxq.sso"
    label = "sso"
    verbose_name = "Single sign-on"
