"""Region data scoping: the one place that decides which records a user may see.

Every scoped model names the foreign key that leads to its region in `region_field`
("" for Region itself). A user sees records whose region is their home region or lies
below it; a superuser sees everything; a user with no region sees nothing. Lists,
details, API, exports and searches all start from `scope(queryset, user)`, so a record
outside the user's region is simply not there (a guessed id is a 404, not a 403).

Records that apply downwards (a model with `applies_downwards = True`: plans, the duty roster, organisations
and their contacts) are also READ from the regions below: a township sees the county's plan, duty shift and
duty phone. WRITES never reach them: `scope(..., for_write=True)` (edit/delete pages, the API's PUT/PATCH/
DELETE/POST actions) and require_region() in the services keep to the user's region and below, so an
ancestor's record is a 404 on its edit page and an error in a service.
"""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models


def region_path_lookup(model) -> str:
    field = getattr(model, "region_field", None)
    if field is None:
        raise TypeError(f"{model.__name__} has no region_field: it cannot be region-scoped")
    return f"{field}__path__startswith" if field else "path__startswith"


def applies_downwards(model) -> bool:
    return bool(getattr(model, "applies_downwards", False))


def ancestor_paths(path: str) -> list[str]:
    """"/1/7/42/" → ["/1/", "/1/7/"]: the paths of the regions above."""
    ids = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(ids[:n]) + "/" for n in range(1, len(ids))]


def scope(queryset: models.QuerySet, user, *, for_write: bool = False) -> models.QuerySet:
    """The records `user` may read (or, for_write, change): their region and below, plus the regions above
    for models that apply downwards when reading."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    region = getattr(user, "region", None)
    if region is None:
        return queryset.none()
    lookup = region_path_lookup(queryset.model)
    condition = models.Q(**{lookup: region.path})
    if not for_write and applies_downwards(queryset.model):
        above = ancestor_paths(region.path)
        if above:
            condition |= models.Q(**{lookup.removesuffix("__startswith") + "__in": above})
    queryset = queryset.filter(condition)
    # A model may narrow further within the region, e.g. an enterprise's account sees its own enterprise's
    # records only (safety.models.EnterpriseScoped); a higher app plugs in here without core knowing it.
    narrow = getattr(queryset.model, "narrow_scope", None)
    return narrow(queryset, user) if narrow is not None else queryset


def scope_actor(queryset: models.QuerySet, actor, *, for_write: bool = False) -> models.QuerySet:
    """Like scope(), for services and commands: actor None is the system itself and sees everything."""
    return queryset if actor is None else scope(queryset, actor, for_write=for_write)


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
    def for_user(self, user, *, for_write: bool = False):
        return scope(self, user, for_write=for_write)

    def select_related(self, *fields):
        """As Django's, but a region joined in comes without its boundary, as Region.objects loads it (see
        RegionManager): lists name a record's region, they do not draw it; reading it costs one query."""
        queryset = super().select_related(*fields)
        joined = joined_boundaries(self.model, fields)
        return queryset.defer(*joined) if joined else queryset


def joined_boundaries(model, lookups) -> list[str]:
    """"…__boundary" for every Region that select_related(*lookups) joins to `model`."""
    found = []
    for lookup in lookups:
        if not isinstance(lookup, str):
            continue  # select_related(None) clears the list
        current, steps = model, []
        for name in lookup.split("__"):
            try:
                field = current._meta.get_field(name)
            except FieldDoesNotExist:
                break  # Django reports the bad lookup itself
            if not field.is_relation or field.related_model is None:
                break
            current, steps = field.related_model, [*steps, name]
            if current._meta.label == "core.Region":
                found.append("__".join([*steps, "boundary"]))
    return list(dict.fromkeys(found))

