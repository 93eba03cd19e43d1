"""Demo data of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项)."""


def load(log):
    pass
