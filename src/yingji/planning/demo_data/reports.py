"""Demo data of the half-year report (半年报告) and the statistics pages for leadership."""


def load(log):
    pass
