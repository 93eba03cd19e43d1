from django.apps import AppConfig


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    label = "warnings"
    verbose_name = "预警发布"
