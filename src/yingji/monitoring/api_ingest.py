"""HTTP ingest of readings for gateways (POST /api/monitoring/readings/ with a gateway token)."""

ROUTES = []  # (prefix, viewset, basename)
