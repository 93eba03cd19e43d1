"""Navigation of planning (规划实施)."""

from importlib import import_module

from . import AREAS

_items = [item for area in AREAS for item in import_module(f"yingji.planning.views.{area}").NAV_ITEMS]
NAV = [("规划实施", _items)] if _items else []
