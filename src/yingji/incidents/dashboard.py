"""What the incidents app puts on the home dashboard: active incidents, reports due, who is on duty."""

from django.db.models import Count
from django.urls import reverse

from yingji.core.scoping import scope

from .models import Incident, PublicReport
from .services.duty import on_duty_now
from .services.public import inbox
from .services.reports import countdown, due_reports


def cards(user) -> list[dict]:
    if not user.has_perm("incidents.view_incident"):
        return []
    active = scope(Incident.objects.filter(status__in=Incident.ACTIVE_STATUSES, merged_into__isnull=True,
                                           is_drill=False), user)
    by_grade = dict(active.values_list("level").annotate(n=Count("id")))
    grades = "，".join(f"{label.split('（')[0]} {by_grade[level]}" for level, label in Incident.LEVEL_CHOICES
                      if by_grade.get(level)) or "无"
    reports = list(due_reports(user)[:200])
    overdue = sum(1 for r in reports if r.overdue)
    pending = inbox(user).filter(status=PublicReport.PENDING).count()  # includes reports with no region yet
    rows = [
        {"label": "处置中突发事件", "value": active.count(), "note": f"按级别：{grades}（不含演练）",
         "url": reverse("incidents:incident_list") + "?active=1", "tone": "warn" if active.exists() else ""},
        {"label": "待报信息报告", "value": len(reports), "note": f"其中已超时 {overdue} 份" if overdue else "均在时限内",
         "url": reverse("incidents:report_list"), "tone": "warn" if overdue else ""},
    ]
    if user.has_perm("incidents.view_publicreport"):
        rows.append({"label": "公众上报待核实", "value": pending, "note": "核实立案或驳回",
                     "url": reverse("incidents:public_inbox"), "tone": "warn" if pending else ""})
    return rows


def panels(user) -> list[dict]:
    """Larger blocks under the cards: reports due with live countdowns, and who is on duty now."""
    if not user.has_perm("incidents.view_incident"):
        return []
    reports = list(due_reports(user)[:8])
    for report in reports:
        report.countdown = countdown(report)
    return [{"template": "incidents/_dashboard_panel.html",
             "context": {"due": reports, "shifts": on_duty_now(user)}}]
