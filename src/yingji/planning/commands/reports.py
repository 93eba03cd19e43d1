"""`yingji planning` commands of the half-year report (半年报告) and the statistics pages for leadership."""

COMMANDS: list = []
