from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yingji.web"
    label = "web"
    verbose_name = "界面"
