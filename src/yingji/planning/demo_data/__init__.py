"""Demo data of planning: one module per area, each with load(log)."""
