from importlib import import_module

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "yingji.planning"
    label = "planning"
    verbose_name = "规划实施"

    def ready(self):
        from . import AREAS

        # Each area grants its roles and registers its sheets in services.<area>.ready().
        for area in AREAS:
            ready = getattr(import_module(f"{self.name}.services.{area}"), "ready", None)
            if ready is not None:
                ready()
