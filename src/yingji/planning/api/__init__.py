"""Planning API: one module per area, each with ROUTES = [(prefix, viewset, basename)]."""
