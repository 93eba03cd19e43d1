"""Demo data of key projects (重点项目) with sub-projects and funding plans by source and year."""


def load(log):
    pass
