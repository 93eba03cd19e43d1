"""What every information-report page shares: permissions, the scoped report lookup, a report's row (state,
countdown, the links the user may follow), the workflow box of the report and sign pages, redirects back, and
the countdown script."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control

from yingji.core.generic import ScopedMixin

from ...models import InformationReport
from ...services import report_workflow as workflow
from ...services import reports as services

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIEW_PERM, CHANGE_PERM = "incidents.view_informationreport", "incidents.change_informationreport"

# The countdown on every page that shows due reports. The site's Content-Security-Policy allows scripts
# from the site only (script-src 'self'), so this is served from a URL of the app, not inlined.
# Each element with data-due (ISO time) shows the time left, or how long overdue, every second;
# data-server-now on any element corrects for a PC whose clock is off.
COUNTDOWN_JS = r"""(function () {
  if (window.yingjiCountdown) { return; }
  window.yingjiCountdown = true;
  var offset = 0, ref = document.querySelector("[data-server-now]");
  if (ref) { var server = Date.parse(ref.getAttribute("data-server-now")); if (!isNaN(server)) { offset = server - Date.now(); } }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function words(s) {
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
    if (d) { return d + "天" + h + "小时"; }
    return (h ? h + "小时" : "") + pad(m) + "分" + pad(x) + "秒";
  }
  function tick() {
    var now = Date.now() + offset, items = document.querySelectorAll("[data-due]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i], due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { continue; }
      var s = Math.round((due - now) / 1000), over = s < 0;
      el.textContent = over ? "已超时 " + words(-s) : "剩余 " + words(s);
      el.classList.toggle("overdue", over);
      el.classList.toggle("soon", !over && s < 900);
    }
  }
  tick();
  setInterval(tick, 1000);
})();
"""


def _incident_url(incident) -> str:
    try:
        return incident.get_absolute_url()
    except NoReverseMatch:  # the incident pages are not mounted (yet)
        return reverse("incidents:report_list")


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _error_text(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


def report_row(report: InformationReport, user, now=None) -> dict:
    """What a page shows for one report: its state, countdown and the links the user may follow."""
    now = now or timezone.now()
    due = report.is_pending
    may_cancel = due and user.has_perm(CHANGE_PERM) and user.has_perm(workflow.ISSUE_PERM)
    pk = report.pk
    return {
        "report": report, "label": str(report), "countdown": services.countdown(report, now),
        "due_iso": report.due_at.isoformat(), "is_due": due,
        "detail_url": reverse("incidents:report_detail", args=[pk]),
        "edit_url": reverse("incidents:report_edit", args=[pk]) if workflow.may_draft(user, report) else "",
        "review_url": reverse("incidents:report_detail", args=[pk]) + "#workflow"
        if workflow.may_review(user, report) else "",
        "sign_url": reverse("incidents:report_issue", args=[pk]) if workflow.may_sign(user, report, now) else "",
        "cancel_url": reverse("incidents:report_cancel", args=[pk]) if may_cancel else "",
        "document_url": reverse("incidents:report_document", args=[pk]) if report.document else "",
        "deliveries": [{"delivery": d, "late": d.is_late(now)} for d in report.deliveries.all()]
        if report.status == InformationReport.ISSUED else [],
        "urges": len(report.urges.all()) if due else 0,
        "relays": [{**hop, "due_at": _parse(hop.get("due")), "reported": _parse(hop.get("reported_at"))}
                   for hop in report.relay_deadlines or []],
    }


def _share_lineage(reports) -> list:
    """report_row asks each report's issuing bureau (workflow.issuing_region: the ancestors of the incident's
    region, a query each time): read the ancestors of every listed incident's region in one query and let each
    region answer from them."""
    from functools import partial

    from yingji.core.models import Region

    reports = list(reports)
    regions = [r.incident.region for r in reports]
    ids = {int(part) for region in regions for part in region.path.strip("/").split("/") if part}
    by_id = Region.objects.in_bulk(ids) if ids else {}  # names and paths, not ~20 KB of GeoJSON each
    for region in regions:
        chain = [by_id[int(part)] for part in region.path.strip("/").split("/") if part and int(part) in by_id]
        region.ancestors = partial(_ancestors_from, chain)  # this instance only
    return reports


def _ancestors_from(chain: list, include_self=False) -> list:
    return chain if include_self else chain[:-1]


def _parse(value):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if value else None


def _form_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ReportMixin(ScopedMixin):
    model = InformationReport
    permission = VIEW_PERM

    def get_permission_required(self):
        return [self.permission]

    def base_queryset(self):
        return InformationReport.objects.select_related("incident", "incident__region", "issued_by")

    def get_report(self) -> InformationReport:
        if getattr(self, "_report", None) is None:  # the form, the context and the action each ask for it
            self._report = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._report


def workflow_context(report: InformationReport, user, now) -> dict:
    """What the report page shows of the workflow: who drafted, reviewed and signed it and when, the
    deliveries with their 签收, the 催报, and the actions this user may take now."""
    deliveries = list(report.deliveries.select_related("received_by", "to_region"))
    urges = list(report.urges.select_related("by", "by_region"))
    return {
        "steps": [("拟稿（提交审核）", report.submitted_by, report.submitted_at),
                  ("审核", report.reviewed_by, report.reviewed_at), ("签发", report.issued_by, report.issued_at)],
        "deliveries": [{"delivery": d, "late": d.is_late(now), "open": d.received_at is None} for d in deliveries],
        "urges": urges, "may_draft": workflow.may_draft(user, report), "may_review": workflow.may_review(user, report),
        "may_sign": workflow.may_sign(user, report, now), "may_urge": workflow.may_urge(user, report),
        "may_receive": workflow.pending_delivery(user, report) is not None,
        "own_draft": report.status == InformationReport.SUBMITTED and report.submitted_by_id == user.pk,
        "signers": "、".join(settings.YINGJI_REPORT_SIGNERS), "night": workflow.night_hours_text(),
        "night_signers": "、".join(settings.YINGJI_NIGHT_SIGNERS),
    }


@cache_control(max_age=3600, public=True)
def countdown_js(request):
    return HttpResponse(COUNTDOWN_JS, content_type="text/javascript; charset=utf-8")
