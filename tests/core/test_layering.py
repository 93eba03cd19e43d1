"""Layers point down: no module imports a higher app (core ← resources ← incidents ← plans ← safety; web on top), not
even inside a function; the pure engines import no app at all. Higher apps plug in through core/discovery.py.
(Project modules — yingji.cli, settings, urls — are not apps.)"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "yingji"
ORDER = ["core", "resources", "incidents", "plans", "safety", "monitoring", "warnings", "planning", "web"]
PURE = ["standards", "routing"]


def imported_apps(path: Path) -> set[tuple[int, str]]:
    """(line, app) of every `yingji.<app>` a module imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            names = [".".join(base + ([node.module] if node.module else []))]
        for name in names:
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "yingji":
                found.add((node.lineno, parts[1]))
    return found


@pytest.mark.parametrize("app", ORDER + PURE)
def test_no_app_imports_a_higher_one(app):
    allowed = set() if app in PURE else set(PURE) | set(ORDER[:ORDER.index(app) + 1])
    upward = [f"{path.relative_to(PACKAGE)}:{line} imports yingji.{other}"
              for path in sorted((PACKAGE / app).rglob("*.py")) if "migrations" not in path.parts
              for line, other in sorted(imported_apps(path)) if other in ORDER + PURE and other not in allowed | {app}]
    assert not upward


def test_urls_mount_every_app_found_by_discovery():
    source = (PACKAGE / "urls.py").read_text(encoding="utf-8")
    assert not [app for app in ORDER if f"yingji.{app}.urls" in source or f'"yingji.{app}"' in source]
