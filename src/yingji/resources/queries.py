"""Queries and ledger requests shared by the API and the pages (filters are in filtersets.py): stock on hand,
shortfalls, expiry, availability, shelter capacity and hydrant intact rates. Reads only, except `post_movement`,
which hands a ledger request to the services."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Min, Sum
from django.utils import timezone

from yingji.core.models import Region
from yingji.core.scoping import scope

from . import services
from .models import AgreementItem, Hydrant, Shelter, StockLevel, SupplyItem


def post_movement(actor, data: dict):
    """One ledger request from the API or the warehouse page → the matching service."""
    kind, warehouse, item = data["kind"], data["warehouse"], data["item"]
    quantity, batch, reason = data["quantity"], data.get("batch", ""), data.get("reason", "")
    if kind == "in":
        return services.receive(actor, warehouse, item, quantity, batch, data.get("expiry"), reason)
    if kind == "out":
        return services.issue(actor, warehouse, item, quantity, reason, batch or None)
    if kind == "transfer":
        if not data.get("target"):
            raise DjangoValidationError({"target": "调拨须选择调入库。"})
        return services.transfer(actor, warehouse, data["target"], item, quantity, reason, batch or None)
    if kind == "adjust":
        return services.adjust(actor, warehouse, item, quantity, reason, batch)
    return services.scrap(actor, warehouse, item, quantity, reason, batch)


def on_hand(warehouse):
    return (StockLevel.objects.filter(warehouse=warehouse, quantity__gt=0)
            .values("item", "item__code", "item__name", "item__unit")
            .annotate(quantity=Sum("quantity"), earliest_expiry=Min("expiry")).order_by("item__code"))


def near_expiry(levels, days: int):
    return levels.filter(expiry__isnull=False, expiry__lte=timezone.localdate() + timedelta(days=days))


def shortfall_rows(norms):
    """One query for the norms and one grouped query for their stock: no per-norm lookups."""
    norms = list(norms.select_related("warehouse", "item"))
    stock = {
        (row["warehouse"], row["item"]): row["total"]
        for row in StockLevel.objects.filter(warehouse__in={n.warehouse_id for n in norms})
        .values("warehouse", "item").annotate(total=Sum("quantity"))
    }
    rows = []
    for norm in norms:
        have = stock.get((norm.warehouse_id, norm.item_id), Decimal(0))
        if have < norm.quantity:
            rows.append({"warehouse": norm.warehouse_id, "warehouse_name": norm.warehouse.name, "item": norm.item_id,
                         "item_name": norm.item.name, "unit": norm.item.unit, "norm": norm.quantity,
                         "on_hand": have, "shortfall": norm.quantity - have})
    return rows


def capacity_by_region(user):
    """Rows per child region of the user's home region: places, population, places per 100 residents.

    One query for the shelters: each is credited to the child whose id follows the home path.
    """
    home = user.region or Region.objects.filter(parent__isnull=True).first()
    children = list(scope(Region.objects.filter(parent=home), user).order_by("code", "name"))
    places = dict.fromkeys((c.pk for c in children), 0)
    open_shelters = scope(Shelter.objects.exclude(status="closed"), user).filter(region__path__startswith=home.path)
    for path, capacity in open_shelters.values_list("region__path", "capacity"):
        below = path[len(home.path):].split("/", 1)[0]
        if below and int(below) in places:
            places[int(below)] += capacity
    return [{"region": c.pk, "region_name": c.name, "places": places[c.pk], "population": c.population,
             "coverage": round(places[c.pk] / c.population * 100, 1) if c.population else None}
            for c in children]


def intact_rate(hydrants) -> dict:
    """完好率 = intact ÷ all registered hydrants (a disabled or damaged one is not intact)."""
    counts = dict(hydrants.values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    return {"total": total, "ok": counts.get(Hydrant.OK, 0),
            "by_status": {label: counts.get(value, 0) for value, label in Hydrant.STATUS_CHOICES},
            "intact_rate": round(counts.get(Hydrant.OK, 0) / total * 100, 1) if total else None}


def availability(user):
    """Physical stock and agreement reserves side by side, never added together (one query each)."""
    physical = {row["item"]: row["total"] for row in scope(StockLevel.objects.all(), user)
                .values("item").annotate(total=Sum("quantity"))}
    today = timezone.localdate()
    committed = {row["item"]: row for row in scope(AgreementItem.objects.filter(
        agreement__start_date__lte=today, agreement__end_date__gte=today), user)
        .values("item").annotate(total=Sum("quantity"), fastest=Min("agreement__response_hours"))}
    items = SupplyItem.objects.filter(pk__in=set(physical) | set(committed)).order_by("code")
    return [{"item": item.pk, "code": item.code, "name": item.name, "unit": item.unit,
             "physical": physical.get(item.pk, Decimal(0)),
             "agreement": committed[item.pk]["total"] if item.pk in committed else Decimal(0),
             "fastest_response_hours": committed[item.pk]["fastest"] if item.pk in committed else None}
            for item in items]
