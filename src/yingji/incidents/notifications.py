"""What the incidents app tells the people on duty without a reload (core/notifications.py): public reports
waiting to be verified, information reports due soon or overdue, and reports waiting at a step of the workflow
across levels for this user (to review, to sign, to 签收) or 催报 from above."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from yingji.core.notifications import Item, Source

from .models import PublicReport
from .services.public import inbox
from .services.report_workflow import deliveries_to_receive, reports_to_review, reports_to_sign, urges_for
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


def _report_item(prefix: str, kind: str, when: str):
    """An Item for a report waiting at a workflow step (`when`: the field saying since when it waits)."""
    def item(report, now) -> Item:
        since = getattr(report, when) or report.due_at
        return Item(id=f"{prefix}-{report.pk}", title=f"{report.incident.title} · {report}", time=since,
                    url=reverse("incidents:report_detail", args=[report.pk]), kind=kind,
                    note=countdown(report, now)["text"])
    return item


def delivery_item(delivery, now) -> Item:
    late = "已超时" if now > delivery.receipt_due else f"请于 {timezone.localtime(delivery.receipt_due):%H:%M} 前签收"
    return Item(id=f"delivery-{delivery.pk}", title=f"{delivery.report.incident.title} · {delivery.report}",
                time=delivery.sent_at, url=reverse("incidents:report_inbox"), kind="待签收的信息报告",
                note=f"{timezone.localtime(delivery.sent_at):%m-%d %H:%M} 送达 · {late}")


def urge_item(urge, now) -> Item:
    by = urge.by.get_full_name() if urge.by_id else "上级"
    return Item(id=f"urge-{urge.pk}", title=f"{urge.report.incident.title} · {urge.report}", time=urge.at,
                url=reverse("incidents:report_detail", args=[urge.report_id]), kind="上级催报",
                note=f"{by}：{urge.message}"[:60], since=urge.at)


SOURCES = [
    Source(key="public_reports", label="待核实的群众报告", url="incidents:public_inbox",
           perm="incidents.view_publicreport", waiting=pending_public_reports, item=public_report_item,
           refresh={"incidents:public_inbox": ["[data-testid=inbox]", "nav.filters"], "web:home": HOME_CARDS}),
    Source(key="reports_due", label=f"即将到期（{DUE_SOON_MINUTES}分钟内）或已超时的信息报告",
           url="incidents:report_list", perm="incidents.view_informationreport", waiting=reports_due_soon,
           item=due_report_item, refresh={"web:home": HOME_CARDS + ["[data-testid=duty-panel]"]}),
    Source(key="reports_to_review", label="待审核的信息报告", url="incidents:report_list",
           perm="incidents.view_informationreport", waiting=lambda user, now: reports_to_review(user),
           item=_report_item("review", "待审核的信息报告", "submitted_at")),
    Source(key="reports_to_sign", label="待签发的信息报告", url="incidents:report_list",
           perm="incidents.view_informationreport", waiting=lambda user, now: reports_to_sign(user, now),
           item=_report_item("sign", "待签发的信息报告", "reviewed_at")),
    Source(key="deliveries", label="待签收的信息报告（上报至本级）", url="incidents:report_inbox",
           perm="incidents.view_reportdelivery", waiting=lambda user, now: deliveries_to_receive(user),
           item=delivery_item, refresh={"incidents:report_inbox": ["[data-testid=inbox]"]}),
    Source(key="urges", label="上级催报", url="incidents:report_list", perm="incidents.view_informationreport",
           waiting=lambda user, now: urges_for(user).order_by("-at", "-id"), item=urge_item),
]
