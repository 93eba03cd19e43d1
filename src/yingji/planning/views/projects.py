"""Pages of key projects (重点项目) with sub-projects and funding plans by source and year."""

urlpatterns: list = []

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = []
