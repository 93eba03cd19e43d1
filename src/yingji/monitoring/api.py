"""Monitoring API: sensors, gateways, rules, alarms (serializers and viewsets)."""

ROUTES = []  # (prefix, viewset, basename)
