"""Apps contribute pieces by convention (cli.py, demo.py, nav.py, dashboard.py, maplayers.py): one finder."""

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
