"""Models of the half-year report (半年报告) and the statistics pages for leadership."""

__all__: list[str] = []
