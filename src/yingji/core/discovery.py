"""Apps contribute pieces by convention, found here so that a lower app never imports a higher one:

- urls.py (pages) and api_urls.py (`routes`: (prefix, viewset, basename)) — mounted by yingji/urls.py;
- nav.py (NAV), dashboard.py, maplayers.py (LAYERS, and PLACES for the place search) — the web app's menu,
  home page and one-map;
- notifications.py (SOURCES) — what the header bell polls for (core/notifications.py);
- panels.py (INCIDENT_PANELS: [(context function(incident, user) → dict, template)]) — sections of the
  incident page and the command board;
- cli.py (command groups) and demo.py (demo data).
"""

from importlib import import_module


def app_modules(submodule: str, names=None):
    """Yield `<app>.<submodule>` of every yingji app that has one, in INSTALLED_APPS order (or in the order of
    `names`). An app without the module is skipped; an import error inside an existing module is raised."""
    if names is None:
        from django.apps import apps

        names = [config.name for config in apps.get_app_configs()]
    for name in names:
        if not name.startswith("yingji."):
            continue
        try:
            module = import_module(f"{name}.{submodule}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.{submodule}":
                raise
            continue
        yield module
