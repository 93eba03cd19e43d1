"""Targeting glue: database rows → arrays → the pure engine (warnings/targeting.py) → coverage rows.

A warning's area is the union of its drawn polygons and circles and the outlines of the regions it names. Who is
reached, of the registered recipients and loudspeaker terminals under the issuing region:
- by position when known (inside the area), else by home village (a village of the area);
- and always when their region is one the area names (or lies below one): naming a township by its code reaches
  everyone registered there, whether or not the township has an outline in the database.
Places (shelters, enterprises, risk points, warehouses) are counted the same way. Coverage per township: reached of
registered, what the 覆盖率 indicator reads."""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.apps import apps
from django.db.models import Prefetch
from django.utils import timezone
from shapely.geometry import shape

from yingji.core.models import Region

from .. import targeting as engine
from ..models import LoudspeakerTerminal, Recipient, Warning, WarningCoverage

# (key, label, model): registered places counted per warning, when the app is installed.
PLACES = [("shelter", "避难场所", "resources.Shelter"), ("enterprise", "企业", "safety.Enterprise"),
          ("risk_point", "风险点", "safety.RiskPoint"), ("warehouse", "物资储备库", "resources.Warehouse")]
PLACE_LABELS = {key: label for key, label, _ in PLACES} | {"village": "村（社区）", "township": "乡镇（街道）"}


@dataclass
class Reach:
    recipient_ids: np.ndarray
    terminal_ids: np.ndarray
    coverage: dict = field(default_factory=dict)  # township id → (reached, total)
    places: dict = field(default_factory=dict)  # key → count (see PLACE_LABELS)
    total: int = 0  # registered recipients in the townships concerned

    @property
    def people(self) -> int:
        return int(len(self.recipient_ids))


def _float(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _area_set(areas: list[dict]) -> engine.AreaSet:
    geometries = []
    for area in areas:
        if area.get("polygon"):
            geometries.append(shape(area["polygon"]))
        if area.get("circle_radius_km"):
            geometries.append(engine.circle_polygon(area["circle_longitude"], area["circle_latitude"],
                                                    area["circle_radius_km"]))
        for region in area.get("regions") or []:
            if region.boundary:
                geometries.append(shape(region.boundary))
    return engine.AreaSet(geometries)


class _Tree:
    """The regions under the issuer: ids, levels, centres, outlines, and each region's township."""

    def __init__(self, issuer: Region):
        rows = list(Region.objects.filter(path__startswith=issuer.path).values_list(
            "id", "path", "level", "longitude", "latitude"))
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.paths = [r[1] for r in rows]
        self.levels = np.array([r[2] for r in rows])
        self.lon, self.lat = _float(r[3] for r in rows), _float(r[4] for r in rows)
        townships = set(self.ids[self.levels == "township"].tolist())
        self.township_of = {}
        for region_id, path in zip(self.ids.tolist(), self.paths, strict=True):
            up = [int(p) for p in path.strip("/").split("/")]
            self.township_of[region_id] = next((p for p in up if p in townships), 0)

    def under(self, regions) -> np.ndarray:
        """Ids of the regions named and everything below them."""
        prefixes = tuple(r.path for r in regions)
        if not prefixes:
            return np.array([], dtype=np.int64)
        return np.array([i for i, p in zip(self.ids.tolist(), self.paths, strict=True) if p.startswith(prefixes)],
                        dtype=np.int64)

    def inside(self, area: engine.AreaSet) -> np.ndarray:
        """Regions whose outline overlaps the area, or (without an outline) whose centre lies in it."""
        if area.empty:
            return np.array([], dtype=np.int64)
        outlined = dict(Region.objects.filter(pk__in=self.ids.tolist()).exclude(boundary=None)
                        .values_list("id", "boundary"))
        ids = list(outlined)
        found = engine.regions_in(area, [shape(outlined[i]) for i in ids], ids) if ids else np.array([], dtype=np.int64)
        bare = ~np.isin(self.ids, ids) & np.isfinite(self.lon) & np.isfinite(self.lat)
        by_centre = self.ids[bare][area.contains(self.lon[bare], self.lat[bare])]
        return np.union1d(np.asarray(found, dtype=np.int64), by_centre)


def _reached(area, named_ids, inside_ids, lon, lat, region_ids) -> np.ndarray:
    """Engine's reach (position, else home region in the area) or a region the area names."""
    by_place = engine.reach(lon, lat, region_ids, area, inside_ids)
    return by_place | np.isin(region_ids, named_ids)


def _located(rows):
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lon, lat = _float(r[1] for r in rows), _float(r[2] for r in rows)
    regions = np.array([r[3] for r in rows], dtype=np.int64)
    return ids, lon, lat, regions


def compute_areas(issuer: Region, areas: list[dict]) -> Reach:
    """Who and what the areas reach under `issuer` (nothing is written)."""
    tree = _Tree(issuer)
    area = _area_set(areas)
    named = tree.under([r for a in areas for r in a.get("regions") or []])
    inside = np.union1d(tree.inside(area), named)
    in_tree = tree.ids.tolist()

    people = list(Recipient.objects.filter(is_active=True, region_id__in=in_tree)
                  .values_list("id", "longitude", "latitude", "region_id"))
    ids, lon, lat, regions = _located(people)
    reached = _reached(area, named, inside, lon, lat, regions) if len(ids) else np.zeros(0, dtype=bool)
    townships = np.array([tree.township_of.get(r, 0) for r in regions.tolist()], dtype=np.int64)
    concerned = {tree.township_of.get(r, 0) for r in inside.tolist()} | set(townships[reached].tolist())
    concerned.discard(0)
    counts = engine.coverage(reached, townships, concerned) if len(ids) else {t: (0, 0, None) for t in concerned}
    coverage = {t: (c[0], c[1]) for t, c in counts.items() if t in concerned}

    terminals = list(LoudspeakerTerminal.objects.filter(is_active=True, region_id__in=in_tree)
                     .values_list("id", "longitude", "latitude", "region_id"))
    t_ids, t_lon, t_lat, t_regions = _located(terminals)
    t_reached = _reached(area, named, inside, t_lon, t_lat, t_regions) if len(t_ids) else np.zeros(0, dtype=bool)

    levels = dict(zip(tree.ids.tolist(), tree.levels.tolist(), strict=True))
    places = {"township": len(concerned), "village": sum(1 for i in inside.tolist() if levels.get(i) == "village")}
    for key, _name, model_label in PLACES:
        try:
            model = apps.get_model(model_label)
        except LookupError:
            continue
        rows = list(model.objects.filter(region_id__in=in_tree).values_list("id", "longitude", "latitude", "region_id"))
        if rows:
            _, p_lon, p_lat, p_regions = _located(rows)
            places[key] = int(_reached(area, named, inside, p_lon, p_lat, p_regions).sum())
        else:
            places[key] = 0
    return Reach(recipient_ids=ids[reached], terminal_ids=t_ids[t_reached], coverage=coverage, places=places,
                 total=sum(total for _, total in coverage.values()))


AREA_FIELDS = ("area_desc", "polygon", "circle_longitude", "circle_latitude", "circle_radius_km")


def stored_areas(warning: Warning) -> list[dict]:
    """The warning's areas as the checks and the targeting take them, each with its regions (outlines loaded)."""
    areas = warning.areas.prefetch_related(Prefetch("regions", queryset=Region.objects.with_boundary()))
    return [{**{f: getattr(a, f) for f in AREA_FIELDS}, "regions": list(a.regions.all())} for a in areas]


def compute(warning: Warning) -> Reach:
    return compute_areas(warning.region, stored_areas(warning))


def store(warning: Warning, reach: Reach):
    """The warning's coverage rows and summary (inside the caller's transaction)."""
    WarningCoverage.objects.filter(warning=warning).delete()
    WarningCoverage.objects.bulk_create([WarningCoverage(warning=warning, township_id=t, reached=r, total=n)
                                         for t, (r, n) in sorted(reach.coverage.items())])
    values = {"people_reached": reach.people, "people_total": reach.total, "places_reached": reach.places,
              "targeted_at": timezone.now()}
    Warning.objects.filter(pk=warning.pk).update(**values)
    for key, value in values.items():
        setattr(warning, key, value)


def summary(reach: Reach) -> dict:
    """The preview the drafting page and the API show: people, coverage per township (named), places."""
    names = dict(Region.objects.filter(pk__in=list(reach.coverage)).values_list("id", "name"))
    townships = [{"township": t, "name": names.get(t, ""), "reached": r, "total": n,
                  "ratio": round(r / n, 4) if n else None}
                 for t, (r, n) in sorted(reach.coverage.items(), key=lambda item: names.get(item[0], ""))]
    return {"people_reached": reach.people, "people_total": reach.total, "terminals": int(len(reach.terminal_ids)),
            "townships": townships,
            "places": [{"key": k, "label": PLACE_LABELS.get(k, k), "count": v} for k, v in reach.places.items()]}


def outline(areas: list[dict]):
    """The union of the drawn shapes and outlined regions (for a map), or None."""
    area = _area_set(areas)
    return None if area.empty else shapely.geometry.mapping(area.geometry)
