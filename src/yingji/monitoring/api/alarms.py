"""Monitoring API: alarms."""

ROUTES = []  # (prefix, viewset, basename)
