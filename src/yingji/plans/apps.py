from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "yingji.plans"
    label = "plans"
    verbose_name = "应急预案"
