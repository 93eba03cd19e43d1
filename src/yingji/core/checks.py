"""Start-up check: every routed endpoint that serves records scopes them by construction.

`manage.py check` and every command that runs the checks (runserver, migrate) refuse to go on (Error
yingji.E00x), and tests/core/test_checks.py fails, when an API viewset or a list/detail page is routed that
- E001: serves a model that declares no scoping (no `region_field`, see core.models.RegionScoped);
- E002: is an API viewset serving a scoped model without the scoped viewset base (core.api_base);
- E003: is a list/detail page serving a model that declares no scoping;
- E004: is a list/detail page serving a scoped model without ScopedMixin (core.generic);
- E005: is marked public without saying why;
- E006: is a scoped API viewset whose own get_queryset() does not start from super().get_queryset() (the
  scoped queryset), so it could hand out records of every region.
A model or endpoint whose records belong to no region (the supply catalogue, the roles, road layers) says so
with `scoping_public = "<reason>"` on the model or on the view.
"""

import inspect

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.list import MultipleObjectMixin


def routed_views(urlconf=None):
    """(route, view class) of every URL pattern, following includes (the API router's routes too)."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
                if view_class is not None:
                    found.append((prefix + str(pattern.pattern), view_class))

    walk(get_resolver(urlconf).url_patterns, "/")
    return found


def served_model(view_class):
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None and hasattr(queryset, "model"):
        return queryset.model
    return getattr(view_class, "model", None)


def _public(view_class, model, route):
    """(is public, error) from `scoping_public` on the view or the model."""
    for owner in (view_class, model):
        if owner is None or not hasattr(owner, "scoping_public"):
            continue
        reason = owner.scoping_public
        if not isinstance(reason, str) or not reason.strip():
            return True, checks.Error(
                f"{route}: {owner.__name__}.scoping_public must say why the records belong to no region.",
                hint='scoping_public = "<中文原因>"', obj=owner, id="yingji.E005")
        return True, None
    return False, None


def _own_get_queryset(view_class, base):
    """The first class between `view_class` and `base` whose get_queryset() ignores super(), if any."""
    for klass in view_class.__mro__:
        if klass is base:
            return None
        method = klass.__dict__.get("get_queryset")
        if method is None:
            continue
        try:
            source = inspect.getsource(method)
        except (OSError, TypeError):  # no source to read (built at run time): trust the base
            return None
        return None if "super().get_queryset()" in source else klass
    return None


def _is_viewset(view_class) -> bool:
    from rest_framework.viewsets import ViewSetMixin

    return issubclass(view_class, ViewSetMixin)


def _is_list_or_detail(view_class) -> bool:
    return issubclass(view_class, (MultipleObjectMixin, SingleObjectMixin))


def check_view(route, view_class):
    from .api_base import ScopedViewSetMixin
    from .generic import ScopedMixin

    model = served_model(view_class)
    public, error = _public(view_class, model, route)
    if public:
        return [error] if error else []
    name = view_class.__name__
    if _is_viewset(view_class):
        if model is None or not hasattr(model, "region_field"):
            what = f"model {model.__name__}" if model else "records (no queryset)"
            return [checks.Error(
                f"{route}: API viewset {name} serves {what} that declare no region scoping.",
                hint="Base the model on core.models.RegionScoped (region_field), or mark it scoping_public.",
                obj=view_class, id="yingji.E001")]
        if not issubclass(view_class, ScopedViewSetMixin):
            return [checks.Error(
                f"{route}: API viewset {name} serves region-scoped {model.__name__} without scoping it.",
                hint="Base it on core.api_base.ServiceViewSet, ScopedReadOnlyViewSet or ScopedLedgerViewSet.",
                obj=view_class, id="yingji.E002")]
        owner = _own_get_queryset(view_class, ScopedViewSetMixin)
        if owner is not None:
            return [checks.Error(
                f"{route}: {owner.__name__}.get_queryset() does not start from super().get_queryset(), "
                "the queryset the viewset base scoped to the user's region.",
                hint="Build on super().get_queryset() (or override scope_queryset for another scoping rule).",
                obj=view_class, id="yingji.E006")]
        return []
    if not _is_list_or_detail(view_class):
        return []
    if model is None or not hasattr(model, "region_field"):
        what = f"model {model.__name__}" if model else "records of no declared model"
        return [checks.Error(
            f"{route}: page {name} lists or shows {what} that declare no region scoping.",
            hint="Set `model` to a region-scoped model (core.models.RegionScoped), or mark it scoping_public.",
            obj=view_class, id="yingji.E003")]
    if not issubclass(view_class, ScopedMixin):
        return [checks.Error(
            f"{route}: page {name} lists or shows region-scoped {model.__name__} without ScopedMixin.",
            hint="Base it on core.generic.ScopedMixin (ObjectListView, or ScopedMixin + DetailView).",
            obj=view_class, id="yingji.E004")]
    return []


@checks.register("yingji")
def check_scoping(app_configs=None, urlconf=None, **kwargs):
    errors, seen = [], set()
    for route, view_class in routed_views(urlconf):
        if view_class in seen:  # a router routes a viewset several times (list, detail, actions)
            continue
        seen.add(view_class)
        errors.extend(check_view(route, view_class))
    return errors
