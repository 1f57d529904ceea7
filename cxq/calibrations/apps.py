from django.apps import AppConfig


class CalibrationsConfig(AppConfig):
    name = "cxq.calibrations"
    label = "calibrations"
    verbose_name = "Calibrations"
