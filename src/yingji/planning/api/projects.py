"""API of key projects (重点项目) with sub-projects and funding plans by source and year."""

ROUTES: list = []
