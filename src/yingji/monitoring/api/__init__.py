"""Monitoring API: registry.py (sensors, gateways, rules, rejections) and alarms.py (alarms and their history)."""

from . import alarms, registry

ROUTES = [*registry.ROUTES, *alarms.ROUTES]  # (prefix, viewset, basename)
