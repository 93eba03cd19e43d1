"""Pages of planning (规划实施), found by core/discovery.py."""

from importlib import import_module

from . import AREAS

app_name = "planning"

urlpatterns = [pattern for area in AREAS for pattern in import_module(f"yingji.planning.views.{area}").urlpatterns]
