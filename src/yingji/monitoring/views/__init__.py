"""Monitoring pages: registry.py (sensors, gateways, rules, per-enterprise and per-region pages) and alarms.py."""
