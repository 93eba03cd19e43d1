"""Pages of disaster-loss reports (灾情报告): township entry, county review and aggregation, 初报/续报/核报 deadlines."""

urlpatterns: list = []

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = []
