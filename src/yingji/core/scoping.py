"""Region data scoping: the one place that decides which records a user may see.

Every scoped model names the foreign key that leads to its region in `region_field`
("" for Region itself). A user sees records whose region is their home region or lies
below it; a superuser sees everything; a user with no region sees nothing. Lists,
details, API, exports and searches all start from `scope(queryset, user)`, so a record
outside the user's region is simply not there (a guessed id is a 404, not a 403).
"""

from django.core.exceptions import ValidationError
from django.db import models


def region_path_lookup(model) -> str:
    field = getattr(model, "region_field", None)
    if field is None:
        raise TypeError(f"{model.__name__} has no region_field: it cannot be region-scoped")
    return f"{field}__path__startswith" if field else "path__startswith"


def scope(queryset: models.QuerySet, user) -> models.QuerySet:
    if user is None or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    region = getattr(user, "region", None)
    if region is None:
        return queryset.none()
    return queryset.filter(**{region_path_lookup(queryset.model): region.path})


def scope_actor(queryset: models.QuerySet, actor) -> models.QuerySet:
    """Like scope(), for services and commands: actor None is the system itself and sees everything."""
    return queryset if actor is None else scope(queryset, actor)


def user_may_use_region(user, region) -> bool:
    """Whether `user` may put a record into `region` (their own region or below)."""
    if user is None or region is None:
        return False
    if user.is_superuser:
        return True
    home = getattr(user, "region", None)
    return home is not None and region.path.startswith(home.path)


def require_region(user, region, field="region"):
    """Raise a field error when a write would place a record outside the user's region.

    `user` None is the system itself (demo loader, migrations): it may write anywhere.
    """
    if region is None or user is None:
        return
    if not user_may_use_region(user, region):
        raise ValidationError({field: f"“{region.name}”不在您的管辖范围内，不能在此区划下登记或修改记录。"})


class RegionScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        return scope(self, user)

