"""`yingji planning` commands of disaster-loss reports (灾情报告): township entry, county review and aggregation, 初报/续报/核报 deadlines."""

COMMANDS: list = []
