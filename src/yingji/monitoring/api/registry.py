"""Monitoring API: registry."""

ROUTES = []  # (prefix, viewset, basename)
