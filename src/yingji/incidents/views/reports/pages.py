"""Reading reports: the reports still due across incidents (with countdowns), a report's page, the 报告签收 inbox
of the receiving level, and the panel the incident page includes (`reports_context` +
incidents/_reports_panel.html)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, ListView

from yingji.core.scoping import scope

from ...models import InformationReport
from ...services import report_docx
from ...services import report_workflow as workflow
from ...services import reports as services
from .common import VIEW_PERM, ReportMixin, _incident_url, _share_lineage, report_row, workflow_context
from .forms import CancelForm


def reports_context(incident, user) -> dict:
    """For the incident page: `reports_panel`, which incidents/_reports_panel.html renders (the template
    shows nothing without it). Empty when the user may not see reports."""
    if not user.has_perm(VIEW_PERM):
        return {}
    now = timezone.now()
    reports = services.with_overdue(scope(incident.reports.select_related("issued_by").prefetch_related(
        "deliveries", "urges"), user), now)
    rows = [report_row(r, user, now) for r in _share_lineage(reports.order_by("due_at", "id"))]
    return {
        "reports_panel": {
            "incident": incident, "rows": rows, "now_iso": now.isoformat(),
            "due": sum(1 for r in rows if r["is_due"]),
            "overdue": sum(1 for r in rows if r["countdown"]["overdue"]),
            "window": services.casualty_window(incident, now),
            "target": services.report_target_label(incident),
            "chain": [bureau for _, bureau in services.hops(incident)],
            "list_url": reverse("incidents:report_list"),
        },
    }


class ReportListView(ReportMixin, ListView):
    """信息报告: those still due, soonest first with countdowns (also the issued and cancelled ones)."""

    template_name = "incidents/report_list.html"
    paginate_by = 50
    TABS = [("due", "未报送"), ("overdue", "已超时"), ("submitted", "待审核"), ("reviewed", "待签发"),
            ("issued", "已签发报送"), ("cancelled", "已取消")]

    def tab(self) -> str:
        value = self.request.GET.get("status", "due")
        return value if value in dict(self.TABS) else "due"

    def get_queryset(self):
        return self.tab_queryset().prefetch_related("deliveries", "urges")  # report_row shows them

    def tab_queryset(self):
        tab = self.tab()
        if tab in ("due", "overdue"):
            qs = services.due_reports(self.request.user)
            return qs.filter(overdue=True) if tab == "overdue" else qs
        qs = services.with_overdue(super().get_queryset().filter(status=tab))
        if tab in (InformationReport.SUBMITTED, InformationReport.REVIEWED):
            return qs.order_by("due_at", "id")
        return qs.order_by("-issued_at" if tab == "issued" else "-due_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        due = services.due_reports(self.request.user)
        context.update(
            title="信息报告", tab=self.tab(), tabs=self.TABS, now_iso=now.isoformat(),
            rows=[report_row(r, self.request.user, now) for r in _share_lineage(context["object_list"])],
            due_count=due.count(), overdue_count=due.filter(overdue=True).count(),
        )
        return context


class ReportDetailView(ReportMixin, DetailView):
    template_name = "incidents/report_detail.html"
    context_object_name = "report"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        content = services.current_content(report, user)
        document = services.document_data(report, content)
        now = timezone.now()
        context.update(
            title=f"{report.incident.title} · {report}", row=report_row(report, user, now), now_iso=now.isoformat(),
            document=document, parts=[(f"{report_docx.NUMERALS[i]}、{heading}", text)
                                      for i, (heading, text) in enumerate(document.sections)],
            content=content, saved=bool(report.content),
            incident_url=_incident_url(report.incident),
            window=services.casualty_window(report.incident, now), cancel_form=CancelForm(),
            minutes={name.lower(): getattr(settings, f"YINGJI_{name}_REPORT_MINUTES")
                     for name in ("INITIAL", "RELAY", "FOLLOW_UP")},
            flow=workflow_context(report, user, now),
        )
        return context


class ReportInboxView(ReportMixin, ListView):
    """报告签收: the reports delivered to the user's level, those still to 签收 first; and the 催报 the level
    received on its own reports."""

    template_name = "incidents/report_inbox.html"
    paginate_by = 50

    def get_queryset(self):
        return workflow.inbox(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        context.update(
            title="报告签收", now_iso=now.isoformat(), receipt_minutes=settings.YINGJI_RECEIPT_MINUTES,
            rows=[{"delivery": d, "late": d.is_late(now), "open": d.received_at is None,
                   "may_receive": d.received_at is None and workflow.has_role(user, "YINGJI_REPORT_RECEIVERS"),
                   "detail_url": reverse("incidents:report_detail", args=[d.report_id])}
                  for d in context["object_list"]],
            waiting=workflow.deliveries_to_receive(user).count(),
            to_review=workflow.reports_to_review(user), to_sign=workflow.reports_to_sign(user, now),
            urges=workflow.urges_for(user)[:20],
        )
        return context
