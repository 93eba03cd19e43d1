from importlib import import_module

from . import AREAS

routes = [route for area in AREAS for route in import_module(f"yingji.planning.api.{area}").ROUTES]
