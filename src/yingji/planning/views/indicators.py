"""Pages of plan indicators (指标) with targets, yearly denominators and computed actuals."""

urlpatterns: list = []

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = []
