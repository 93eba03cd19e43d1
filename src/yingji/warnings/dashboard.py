"""What warnings puts on the home page (the duty board): a card counting the warnings in force and those waiting
for review or signature, and a panel listing the warnings in force with their level, area and people reached."""

from django.db.models import Count, Q
from django.urls import reverse

from yingji.core.scoping import scope

from .models import Warning
from .views.common import current, level_info

PANEL_ROWS = 8


def cards(user) -> list[dict]:
    if not user.has_perm("warnings.view_warning"):
        return []
    warnings = scope(Warning.objects.all(), user)
    in_force = current(warnings).aggregate(n=Count("pk"), red=Count("pk", filter=Q(level__lte=2)))
    pending = warnings.filter(state__in=(Warning.SUBMITTED, Warning.REVIEWED)).count()
    note = f"橙色及以上 {in_force['red']}" + (f"，待审核/签发 {pending}" if pending else "")
    return [{"label": "生效中的预警", "value": in_force["n"], "note": note,
             "url": reverse("warnings:warning_list") + "?current=1",
             "tone": "warn" if in_force["red"] else ""}]


def panels(user) -> list[dict]:
    if not user.has_perm("warnings.view_warning"):
        return []
    warnings = (current(scope(Warning.objects.all(), user)).prefetch_related("areas")  # named, not drawn
                .order_by("level", "-sent", "-id"))
    rows = [{"warning": w, "level": level_info(w.level), "area": "；".join(a.area_desc for a in w.areas.all())}
            for w in warnings[:PANEL_ROWS]]
    return [{"template": "warnings/_dashboard_warnings.html", "context": {"rows": rows}}]
