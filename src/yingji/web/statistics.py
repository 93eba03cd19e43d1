"""Figures behind the home-page charts: incidents over the last year and readiness by region.

Pure read functions of (user, now): every query goes through `scope`, groups in SQL and returns plain
lists and dicts ready for JSON. Drills (`is_drill`) and duplicates merged into another incident are
kept out of the incident statistics. Months are calendar months in Asia/Shanghai (TIME_ZONE).
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone

from yingji.core.models import Region
from yingji.core.scoping import scope
from yingji.incidents.models import Incident
from yingji.resources.models import Hydrant, RescueForce, ReserveNorm, Shelter, StockLevel, Vehicle
from yingji.standards import event_codes

MONTHS = 12


def _event_name(code: str) -> str:
    try:
        return event_codes.get(code).name
    except ValueError:
        return code


def month_starts(now: datetime | None = None, months: int = MONTHS) -> list[datetime]:
    """The first instants (local time) of the last `months` calendar months, oldest first, this month last."""
    local = timezone.localtime(now or timezone.now())
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def counted_incidents(user, now: datetime | None = None):
    """Incidents that count in statistics: in the user's regions, not drills, not merged duplicates,
    received (reported_at) within the last 12 calendar months up to `now`."""
    starts = month_starts(now)
    return scope(Incident.objects.filter(is_drill=False, merged_into__isnull=True,
                                         reported_at__gte=starts[0], reported_at__lte=now or timezone.now()), user)


def monthly_counts(user, now: datetime | None = None) -> dict:
    """Incidents per month over the last 12 months, one series per 大类 that occurred.

    {"months": ["2025-12", …], "series": [{"code": "11000", "name": "自然灾害", "data": [0, 2, …]}], "total": n}
    """
    starts = month_starts(now)
    keys = [s.strftime("%Y-%m") for s in starts]
    rows = (counted_incidents(user, now)
            .annotate(month=TruncMonth("reported_at", tzinfo=timezone.get_current_timezone()),
                      top=Substr("event_code", 1, 2))
            .values("month", "top").annotate(n=Count("id")).order_by())
    counts: dict[str, list[int]] = {}
    for row in rows:
        month = timezone.localtime(row["month"]).strftime("%Y-%m") if timezone.is_aware(row["month"]) \
            else row["month"].strftime("%Y-%m")
        series = counts.setdefault(row["top"] + "000", [0] * len(keys))
        if month in keys:
            series[keys.index(month)] += row["n"]
    series = [{"code": code, "name": _event_name(code), "data": data} for code, data in sorted(counts.items())]
    return {"months": keys, "series": series, "total": sum(sum(s["data"]) for s in series)}


def class_counts(user, now: datetime | None = None) -> list[dict]:
    """Incidents per 类 (GB/T 35561, e.g. 12D00 危险化学品事故) over the last 12 months, most first."""
    rows = (counted_incidents(user, now).annotate(cls=Substr("event_code", 1, 3))
            .values("cls").annotate(n=Count("id")).order_by())
    result = [{"code": row["cls"] + "00", "name": _event_name(row["cls"] + "00"), "top": row["cls"][:2] + "000",
               "count": row["n"]} for row in rows]
    return sorted(result, key=lambda r: (-r["count"], r["code"]))


def _home(user):
    return user.region or Region.objects.filter(parent__isnull=True).order_by("code", "pk").first()


def _by_path(queryset, path_field: str, **aggregates) -> list[dict]:
    """One grouped query: the aggregates per region path of the records."""
    return list(queryset.values(path=F(path_field)).annotate(**aggregates).order_by())


def readiness_by_region(user) -> list[dict]:
    """Readiness per child region of the user's home region (a 县 user: its 乡镇/街道), each figure from one
    grouped query, credited to the child whose id follows the home path (records kept at the home region
    itself go to a row "本级").

    Per row: forces on duty / all (停用 excluded), members on duty, vehicles 在位 / all (报废 excluded),
    reserve items below norm, hydrants intact / all and 完好率 %, shelter places (停用 excluded),
    population and places per 100 residents.
    """
    home = _home(user)
    if home is None:
        return []
    children = list(scope(Region.objects.filter(parent=home), user).order_by("code", "name"))
    rows = {c.pk: {"region": c.pk, "name": c.name, "population": c.population} for c in children}
    own = {"region": home.pk, "name": f"{home.name}（本级）", "population": None}
    blank = {"forces": 0, "forces_on_duty": 0, "members_on_duty": 0, "vehicles": 0, "vehicles_available": 0,
             "below_norm": 0, "hydrants": 0, "hydrants_ok": 0, "shelter_places": 0}
    for row in [*rows.values(), own]:
        row.update(blank)

    def credit(path: str):
        if not path.startswith(home.path):
            return None
        below = path[len(home.path):].split("/", 1)[0]
        return rows.get(int(below)) if below else own

    forces = scope(RescueForce.objects.exclude(status=RescueForce.DISABLED), user)
    for r in _by_path(forces, "region__path", n=Count("id"),
                      on=Count("id", filter=Q(status=RescueForce.ON_DUTY)),
                      people=Coalesce(Sum("members_on_duty", filter=Q(status=RescueForce.ON_DUTY)), 0)):
        if (row := credit(r["path"])) is not None:
            row["forces"] += r["n"]
            row["forces_on_duty"] += r["on"]
            row["members_on_duty"] += r["people"]
    vehicles = scope(Vehicle.objects.exclude(status=Vehicle.RETIRED), user)
    for r in _by_path(vehicles, "region__path", n=Count("id"), ok=Count("id", filter=Q(status=Vehicle.AVAILABLE))):
        if (row := credit(r["path"])) is not None:
            row["vehicles"] += r["n"]
            row["vehicles_available"] += r["ok"]
    hydrants = scope(Hydrant.objects.all(), user)
    for r in _by_path(hydrants, "region__path", n=Count("id"), ok=Count("id", filter=Q(status=Hydrant.OK))):
        if (row := credit(r["path"])) is not None:
            row["hydrants"] += r["n"]
            row["hydrants_ok"] += r["ok"]
    shelters = scope(Shelter.objects.exclude(status="closed"), user)
    for r in _by_path(shelters, "region__path", places=Coalesce(Sum("capacity"), 0)):
        if (row := credit(r["path"])) is not None:
            row["shelter_places"] += r["places"]
    on_hand = (StockLevel.objects.filter(warehouse=OuterRef("warehouse"), item=OuterRef("item"))
               .values("warehouse", "item").annotate(total=Sum("quantity")).values("total"))
    decimal = DecimalField(max_digits=14, decimal_places=2)
    norms = (scope(ReserveNorm.objects.all(), user)
             .annotate(on_hand=Coalesce(Subquery(on_hand, output_field=decimal), Value(Decimal(0)), output_field=decimal))
             .filter(quantity__gt=F("on_hand")))
    for r in _by_path(norms, "warehouse__region__path", n=Count("id")):
        if (row := credit(r["path"])) is not None:
            row["below_norm"] += r["n"]

    result = [*rows.values()]
    if any(own[k] for k in blank):
        result.insert(0, own)
    for row in result:
        row["hydrant_rate"] = round(row["hydrants_ok"] / row["hydrants"] * 100, 1) if row["hydrants"] else None
        row["places_per_100"] = (round(row["shelter_places"] / row["population"] * 100, 1)
                                 if row["population"] else None)
    return result
