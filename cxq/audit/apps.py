from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cxq.audit"
    label = "audit"
    verbose_name = "Audit log"
