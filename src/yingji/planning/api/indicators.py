"""API of plan indicators (指标) with targets, yearly denominators and computed actuals."""

ROUTES: list = []
