"""Place search (地名查找) for the map pages: region and village names, registered places with a location and
incident addresses, within the user's scope, ranked exact > prefix > contains.

Each app lists what it offers in its maplayers.py as `PLACES` (PlaceSource entries, beside its LAYERS), so this
module never imports a higher app: the core app offers the regions (every level, villages included).
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Case, IntegerField, Q, Value, When
from shapely.geometry import shape

from .discovery import app_modules
from .scoping import scope

MAX_QUERY = 64
PER_SOURCE = 40  # candidates read per source before ranking: more than ever shown
EXACT, PREFIX, CONTAINS = 0, 1, 2


def tiered(queryset, fields, query):
    """Exact matches first, then prefixes, then the rest, in SQL: the PER_SOURCE read are the best ones even when
    thousands of records merely contain the query."""
    def any_field(lookup):
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__{lookup}": query})
        return condition

    tier = Case(When(any_field("iexact"), then=Value(EXACT)), When(any_field("istartswith"), then=Value(PREFIX)),
                default=Value(CONTAINS), output_field=IntegerField())
    return queryset.annotate(tier=tier).order_by("tier", "pk")


@dataclass(frozen=True)
class PlaceSource:
    """A model whose records can be found by name. fields: searched in order (the first is the shown name,
    the others, e.g. the address, only match); label: the kind shown beside each hit."""

    key: str
    label: str
    model: str  # "app_label.Model"
    fields: tuple = ("name", "address")
    order: int = 100

    @property
    def permission(self) -> str:
        app_label, name = self.model.split(".")
        return f"{app_label}.view_{name.lower()}"

    def queryset(self, user, query: str):
        model = apps.get_model(self.model)
        matches = Q()
        for field in self.fields:
            matches |= Q(**{f"{field}__icontains": query})
        found = scope(model.objects.all(), user).filter(matches).exclude(longitude=None).exclude(latitude=None)
        return tiered(found.select_related("region"), self.fields, query)

    def rank(self, record, query: str) -> int:
        best = CONTAINS
        for field in self.fields:
            value = (getattr(record, field, "") or "").lower()
            if value == query:
                return EXACT
            if value.startswith(query):
                best = PREFIX
        return best

    def hit(self, record, query: str) -> dict:
        name = getattr(record, self.fields[0])
        detail = next((getattr(record, f) for f in self.fields[1:] if getattr(record, f, "")), "")
        region = getattr(record, "region", None)
        return {"name": name, "kind": self.key, "kind_label": self.label, "detail": detail,
                "region": region.name if region is not None else "", "lon": record.longitude, "lat": record.latitude,
                "bbox": None, "url": record.get_absolute_url() if hasattr(record, "get_absolute_url") else "",
                "rank": self.rank(record, query)}

    def find(self, user, query: str) -> list[dict]:
        return [self.hit(record, query) for record in self.queryset(user, query)[:PER_SOURCE]]


class RegionPlaces(PlaceSource):
    """Regions of every level by name or code; a region with a boundary answers its bbox (the map fits it)."""

    def queryset(self, user, query: str):
        from .models import Region

        regions = scope(Region.objects.all(), user).select_related("parent")
        found = regions.with_boundary().filter(Q(name__icontains=query) | Q(code__startswith=query) if query.isdigit()
                               else Q(name__icontains=query))
        return tiered(found, ("name", "code"), query)

    def rank(self, record, query: str) -> int:
        name = record.name.lower()
        return EXACT if query in (name, record.code) else PREFIX if name.startswith(query) else CONTAINS

    def hit(self, record, query: str):
        bbox = None
        lon, lat = record.longitude, record.latitude
        if isinstance(record.boundary, dict):
            geometry = shape(record.boundary.get("geometry", record.boundary))
            bbox = [round(v, 6) for v in geometry.bounds]
            if lon is None:
                point = geometry.representative_point()
                lon, lat = point.x, point.y
        if lon is None:
            return None
        return {"name": record.name, "kind": f"region_{record.level}", "kind_label": record.get_level_display(),
                "detail": record.code or "", "region": record.parent.name if record.parent_id else "",
                "lon": lon, "lat": lat, "bbox": bbox, "url": record.get_absolute_url(), "region_id": record.pk,
                "rank": self.rank(record, query)}

    def find(self, user, query: str) -> list[dict]:
        return [hit for hit in (self.hit(r, query) for r in self.queryset(user, query)[:PER_SOURCE]) if hit]


def all_sources() -> list[PlaceSource]:
    return sorted((source for module in app_modules("maplayers") for source in getattr(module, "PLACES", [])),
                  key=lambda source: source.order)


def search(user, query: str, limit: int = 12) -> list[dict]:
    """The best `limit` places for `query` that `user` may see: exact names first, then names starting with it,
    then the rest; within a rank, regions before records (source order), shorter names first."""
    query = " ".join((query or "").split())[:MAX_QUERY].lower()
    if not query:
        return []
    hits = []
    for position, source in enumerate(all_sources()):
        if user.has_perm(source.permission):
            hits += [(hit["rank"], position, len(hit["name"]), hit["name"], hit) for hit in source.find(user, query)]
    hits.sort(key=lambda item: item[:4])
    results = []
    for *_, hit in hits[:limit]:
        hit.pop("rank")
        hit["lon"], hit["lat"] = round(hit["lon"], 6), round(hit["lat"], 6)
        results.append(hit)
    return results
