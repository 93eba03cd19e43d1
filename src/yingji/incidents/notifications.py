"""What the incidents app tells the people on duty without a reload (core/notifications.py): public reports
waiting to be verified, and information reports due soon or overdue."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from yingji.core.notifications import Item, Source

from .models import PublicReport
from .services.public import inbox
from .services.reports import countdown, due_reports

# An information report shows on the bell this long before it is due (and stays while overdue).
DUE_SOON_MINUTES = 15
# The home page's cards count both; the inbox's list and status tabs show the public reports.
HOME_CARDS = ["[data-testid=readiness]"]


def pending_public_reports(user, now):
    """The inbox's 待核实 tab (services.public.inbox: the region and below, and unlocated ones for the county
    and above), newest first."""
    return (inbox(user).filter(status=PublicReport.PENDING).select_related(None).select_related("region")
            .order_by("-created_at", "-id"))


def public_report_item(report, now) -> Item:
    where = report.region.name if report.region_id else "未定位"
    text = " ".join(report.description.split())
    return Item(id=f"public-{report.pk}", title=text[:40] + ("…" if len(text) > 40 else ""), time=report.created_at,
                since=report.created_at, url=reverse("incidents:public_inbox_detail", args=[report.pk]),
                kind="新的群众报告",
                note=f"{where} · {timezone.localtime(report.created_at):%m-%d %H:%M}")


def reports_due_soon(user, now):
    """The 信息报告 list's 待报 tab (services.reports.due_reports), limited to those due within
    DUE_SOON_MINUTES or overdue, soonest first."""
    return due_reports(user, now).filter(due_at__lte=now + timedelta(minutes=DUE_SOON_MINUTES))


def due_report_item(report, now) -> Item:
    state = countdown(report, now)
    # A new id once it is overdue: the toast (and sound) comes again then.
    return Item(id=f"report-{report.pk}-{'overdue' if state['overdue'] else 'soon'}",
                title=f"{report.incident.title} · {report}", time=report.due_at,
                url=reverse("incidents:report_detail", args=[report.pk]),
                kind="信息报告已超时" if state["overdue"] else "信息报告即将到期", note=state["text"])


SOURCES = [
    Source(key="public_reports", label="待核实的群众报告", url="incidents:public_inbox",
           perm="incidents.view_publicreport", waiting=pending_public_reports, item=public_report_item,
           refresh={"incidents:public_inbox": ["[data-testid=inbox]", "nav.filters"], "web:home": HOME_CARDS}),
    Source(key="reports_due", label=f"即将到期（{DUE_SOON_MINUTES}分钟内）或已超时的信息报告",
           url="incidents:report_list", perm="incidents.view_informationreport", waiting=reports_due_soon,
           item=due_report_item, refresh={"web:home": HOME_CARDS + ["[data-testid=duty-panel]"]}),
]
