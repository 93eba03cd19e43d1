"""Planning (规划实施): disaster-loss statistics, plan indicators, plan tasks, key projects and the half-year report.

The app is split by area; every room (models, services, api, views, commands, demo_data) has one module per area,
and the app's conventional modules (api_urls, urls, nav, cli, demo) join them in the order of AREAS."""

AREAS = ("losses", "indicators", "tasks", "projects", "reports")
