"""What planning puts on the home page for leadership (领导): one panel with the plan at a glance for the user's
region this year — indicators meeting their targets, disaster losses so far, plan tasks done and overdue, key
projects' funds spent — each linking to the 领导统计 page, and the latest half-year report. Figures come from the
same builders as the statistics page (services/reports_charts.py, reports_sections.py)."""

from django.urls import reverse
from django.utils import timezone

from .models import HalfYearReport
from .services import reports as services


def _leads(user) -> bool:
    return user.has_perm(services.ADD_PERM) and getattr(user, "region", None) is not None


def _facts(period) -> list[dict]:
    from .services.reports_sections import _model, losses_by_township

    stats = reverse("planning:statistics")
    facts = []
    if _model("Indicator") is not None:
        from .models import Indicator
        from .services.indicators import compute

        results = compute(Indicator.objects.filter(region=period.region).select_related("region"))
        if results:
            met = sum(r.met is True for r in results)
            unmet = sum(r.met is False for r in results)
            facts.append({"label": "规划指标", "value": f"{met}/{len(results)}", "note": f"达到目标；未达 {unmet} 项",
                          "url": stats, "tone": "warn" if unmet else ""})
    if _model("DisasterLossReport") is not None:
        rows = losses_by_township(period)
        affected = sum(r["affected_people"] or 0 for r in rows)
        loss = sum((r["direct_loss"] or 0) for r in rows)
        facts.append({"label": f"{period.year}年受灾人次", "value": f"{affected:,}",
                      "note": f"直接经济损失 {loss:,.2f} 万元", "url": stats + "#灾情统计", "tone": ""})
    if _model("PlanTask") is not None:
        from .services.tasks import progress_summary

        totals = progress_summary(period.region, period.start, timezone.localdate())["task_totals"]
        if totals["total"]:
            facts.append({"label": "规划任务完成", "value": f"{totals['done']}/{totals['total']}",
                          "note": f"逾期 {totals['overdue']} 项", "url": stats,
                          "tone": "warn" if totals["overdue"] else ""})
    if _model("KeyProject") is not None:
        from .services.projects import funding_summary

        totals = funding_summary(period.region, period.year)["totals"]
        if totals["planned"]:
            facts.append({"label": f"{period.year}年重点项目支出率", "value": f"{totals['rate']}%",
                          "note": f"计划 {totals['planned']:,.2f} 万元，支出 {totals['spent']:,.2f} 万元",
                          "url": stats, "tone": ""})
    return facts


def cards(user) -> list[dict]:
    return []


def panels(user) -> list[dict]:
    if not _leads(user):
        return []
    period = services.Period(user.region, timezone.localdate().year, services.WHOLE_YEAR, user)
    latest = (HalfYearReport.objects.filter(region__path__startswith=user.region.path)
              .select_related("region").order_by("-year", "-half", "-generated_at").first())
    return [{"template": "planning/reports/_dashboard_panel.html",
             "context": {"facts": _facts(period), "latest": latest, "region": user.region, "year": period.year}}]
