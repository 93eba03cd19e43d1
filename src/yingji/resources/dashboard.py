"""Figures the resources app puts on the home dashboard (collected by yingji.web like nav.NAV)."""

from django.db.models import Sum
from django.urls import reverse

from yingji.core.scoping import scope

from .models import Equipment, Hydrant, RescueForce, ReserveNorm, Shelter, Vehicle
from .queries import intact_rate, shortfall_rows
from .services import lifecycle_alerts


def cards(user) -> list[dict]:
    """Readiness at a glance; each card links to the page that explains it. Tone "warn" asks for action."""
    if not user.has_perm("resources.view_rescueforce"):
        return []
    forces = scope(RescueForce.objects.all(), user)
    on_duty = forces.filter(status=RescueForce.ON_DUTY)
    people = on_duty.aggregate(n=Sum("members_on_duty"))["n"] or 0
    hydrants = intact_rate(scope(Hydrant.objects.all(), user))
    places = scope(Shelter.objects.exclude(status="closed"), user).aggregate(n=Sum("capacity"))["n"] or 0
    shortfalls = len(shortfall_rows(scope(ReserveNorm.objects.all(), user)))
    alerts = len(lifecycle_alerts(scope(Vehicle.objects.all(), user), scope(Equipment.objects.all(), user)))
    rows = [
        {"label": "在岗救援队伍", "value": f"{on_duty.count()}/{forces.count()}", "note": f"在岗 {people} 人",
         "url": reverse("resources:force_list") + "?status=on_duty", "tone": ""},
        {"label": "避难场所可容纳（人）", "value": f"{places:,}", "note": "不含停用场所",
         "url": reverse("resources:shelter_capacity"), "tone": ""},
        {"label": "储备定额缺口（项）", "value": shortfalls, "note": "低于定额的物资",
         "url": reverse("resources:stock_report"), "tone": "warn" if shortfalls else ""},
        {"label": "车辆装备预警（项）", "value": alerts, "note": "检测逾期或即将到期报废",
         "url": reverse("resources:lifecycle"), "tone": "warn" if alerts else ""},
    ]
    if hydrants["total"]:
        rows.insert(1, {"label": "消火栓完好率", "value": f"{hydrants['intact_rate']}%",
                        "note": f"{hydrants['ok']}/{hydrants['total']} 完好", "url": reverse("resources:hydrant_list"),
                        "tone": "warn" if hydrants["intact_rate"] < 100 else ""})
    return rows
