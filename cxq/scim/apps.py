from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "cxq.scim"
    label = "scim"
    verbose_name = "SCIM provisioning"
