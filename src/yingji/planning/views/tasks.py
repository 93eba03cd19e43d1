"""Pages of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项)."""

urlpatterns: list = []

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = []
