"""Pages of the half-year report (半年报告) and the statistics pages for leadership."""

urlpatterns: list = []

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = []
