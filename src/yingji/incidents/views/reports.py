"""Information-report pages: the reports still due across incidents (with countdowns), a report's page,
its edit form (the six 第十二条 items, pre-filled), the workflow steps (提交审核, 审核/退回, 签发 through a
confirmation page, 签收, 催报: services/report_workflow.py), the 报告签收 inbox of the receiving level, cancel,
the stored .docx and a draft preview; and the panel the incident page includes (`reports_context` +
incidents/_reports_panel.html).

Every page reads reports through region scoping: a report of an incident outside the user's region is a 404.
"""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.generic import DetailView, FormView, ListView

from yingji.core.downloads import record_download
from yingji.core.generic import ScopedMixin
from yingji.core.scoping import scope

from ..models import InformationReport
from ..services import report_docx
from ..services import report_workflow as workflow
from ..services import reports as services

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
    by_id = Region.objects.in_bulk(ids) if ids else {}
    for region in regions:
        chain = [by_id[int(part)] for part in region.path.strip("/").split("/") if part and int(part) in by_id]
        region.ancestors = partial(_ancestors_from, chain)  # this instance only
    return reports


def _ancestors_from(chain: list, include_self=False) -> list:
    return chain if include_self else chain[:-1]


def _parse(value):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if value else None


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


class ContentForm(forms.Form):
    """Every part of the report and the 版记 (抄送, 联系人, phone), labelled for the kind of report (`report`).
    Blank is allowed while editing; issue requires the core parts. Parts left blank that are not core do not
    appear in the document."""

    SHORT = ("unit_overview", "casualties_loss", "potential_loss", "trend", "leaders", "next_steps", "other")
    HELP = {
        "time_place_scene": "一、事件基本情况。按“时间：…”“地点：…”分行填写；事件等级只在这里写一次。",
        "account": "二、简要经过：事件怎样发生、如何接报，不写系统操作记录。",
        "casualties_loss": "三、伤亡和损失。伤亡含下落不明人员；没有的项不写（不写“0人”）；直接经济损失以万元计。",
        "potential_loss": "第十二条（四）的“可能造成”：如被困、受威胁群众，可能扩大的损失。",
        "measures": "四、已按时间列出事件描述中的先期处置、调派、预案启动、任务和记录，请核对补充。",
        "trend": "五、事态是否得到控制、有无扩大可能。",
        "leaders": "六、到场领导的姓名、职务和到场时间；时间线上记录的领导到场已列出。不填则报告中不列此项。",
        "next_steps": "七、下一步工作和需要上级协调支持的事项。",
        "other": "第十二条（六）其他应当报告的情况；不填或填“无”则报告中不列此项。",
        "copy_to": "版记中的抄送单位，用顿号分隔。生产安全事故已按493号令第十条列出本级人民政府、公安、人社、工会、检察院。",
    }
    FOLLOW_UP_HELP = {
        "account": "续报只写上次报告以来的变化（伤亡、等级、状态），不再复述事件初始经过。",
        "measures": "上次报告以来新采取的措施。",
        "time_place_scene": "仅在有新核实的基本情况时填写；不填则报告中不列此项。",
        "unit_overview": "仅在有新核实的事发单位情况时填写。",
    }

    def __init__(self, *args, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = services.section_labels(report) if report is not None else services.SECTIONS
        follow_up = report is not None and report.kind == InformationReport.FOLLOW_UP
        for key, label in labels:
            help_text = (self.FOLLOW_UP_HELP.get(key) if follow_up else None) or self.HELP.get(key, "")
            self.fields[key] = forms.CharField(
                label=label, required=False, max_length=services.MAX_SECTION_CHARS, help_text=help_text,
                widget=forms.Textarea(attrs={"rows": 3 if key in self.SHORT else 6}))
        self.fields["copy_to"] = forms.CharField(label="抄送", required=False, max_length=255,
                                                 help_text=self.HELP["copy_to"])
        self.fields["filled_by"] = forms.CharField(label="联系人（填报人）", required=False, max_length=64)
        self.fields["phone"] = forms.CharField(label="联系电话", required=False, max_length=32)


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200)


class ReportEditView(ReportMixin, FormView):
    """Edit a due report (pre-filled from the incident); 保存 keeps it as a draft, 签发报送 issues it."""

    template_name = "incidents/report_edit.html"
    form_class = ContentForm
    permission = CHANGE_PERM

    def get(self, request, *args, **kwargs):
        report = self.get_report()
        if report.status != InformationReport.DUE:
            messages.error(request, f"{report}{report.get_status_display()}，不能再修改。")
            return redirect("incidents:report_detail", report.pk)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "report": self.get_report()}

    def get_initial(self):
        report = self.get_report()
        if self.request.GET.get("fresh"):
            return services.draft_content(report, self.request.user)
        return services.current_content(report, self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.get_report()
        now = timezone.now()
        context.update(
            report=report, row=report_row(report, self.request.user, now), now_iso=now.isoformat(),
            title=f"填写{report}", saved=bool(report.content), incident_url=_incident_url(report.incident),
            sender=services.sender(report.incident), fresh=bool(self.request.GET.get("fresh")),
            document_title=services.report_title(report), signers="、".join(settings.YINGJI_REPORT_SIGNERS),
        )
        return context

    def act(self, report, data):
        services.save_content(self.request.user, report, data)
        messages.success(self.request, f"已保存{report}草稿。")
        return redirect("incidents:report_edit", report.pk)

    def form_valid(self, form):
        report = self.get_report()
        try:
            return self.act(report, form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        return self.form_invalid(form)


class ReportSubmitView(ReportEditView):
    """POST: 提交审核 with the content posted from the edit form (or as saved when none is posted)."""

    http_method_names = ["post"]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if not any(key in self.request.POST for key in services.CONTENT_LABELS):
            kwargs["data"] = None  # a bare "submit" button: the content as saved
        return kwargs

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_bound and not form.is_valid():
            return self.form_invalid(form)
        return self.form_valid(form)

    def act(self, report, data):
        report = workflow.submit_report(self.request.user, report, data or None)
        messages.success(self.request, f"已提交{report}审核，待{services.sender(report.incident)}审核。")
        return redirect(_next_url(self.request, reverse("incidents:report_detail", args=[report.pk])))

    def form_valid(self, form):
        report = self.get_report()
        data = form.cleaned_data if form.is_bound else None
        try:
            return self.act(report, data)
        except (ValidationError, PermissionDenied) as exc:
            if not form.is_bound:
                messages.error(self.request, _error_text(exc))
                return redirect(_next_url(self.request, reverse("incidents:report_detail", args=[report.pk])))
            if isinstance(exc, ValidationError):
                _form_errors(form, exc)
            else:
                form.add_error(None, str(exc))
        return self.form_invalid(form)


class ReportSignView(ReportMixin, View):
    """签发: GET (or a POST without confirm=1) shows the confirmation page — what is issued, to whom, and that
    it cannot be withdrawn; POST confirm=1 signs it. A user who may not sign sees why, with no button."""

    template_name = "incidents/report_sign.html"

    def get(self, request, *args, **kwargs):
        return self.confirm_page(self.get_report())

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        if request.POST.get("confirm") != "1":
            return self.confirm_page(report)
        try:
            report = workflow.sign_report(request.user, report, confirm=True)
        except (ValidationError, PermissionDenied) as exc:
            return self.confirm_page(report, error=_error_text(exc))
        delivery = report.deliveries.order_by("-id").first()
        late = report.issued_at > report.due_at
        messages.success(request, f"已签发{report}并报送{report.recipient}"
                         + (f"（超过时限 {services.duration_text(report.issued_at - report.due_at)}）" if late else "")
                         + (f"，待其于{timezone.localtime(delivery.receipt_due):%H:%M}前签收" if delivery else "") + "。")
        return redirect("incidents:report_detail", report.pk)

    def confirm_page(self, report, error=""):
        from django.shortcuts import render

        user, now = self.request.user, timezone.now()
        content = services.current_content(report, user)
        document = services.document_data(report, content)
        allowed = workflow.may_sign(user, report, now)
        if not allowed and not error:
            error = _sign_refusal(user, report, now)
        return render(self.request, self.template_name, {
            "title": f"签发{report}", "report": report, "document": document, "error": error, "allowed": allowed,
            "row": report_row(report, user, now), "now_iso": now.isoformat(), "incident_url": _incident_url(report.incident),
            "receiver": workflow.first_hop_region(report), "receipt_minutes": settings.YINGJI_RECEIPT_MINUTES,
            "flow": workflow_context(report, user, now),
            "parts": [(f"{report_docx.NUMERALS[i]}、{heading}", text) for i, (heading, text) in enumerate(document.sections)],
        })


def _sign_refusal(user, report, now) -> str:
    """Why this user cannot sign the report now (the service's own words, without writing anything)."""
    if report.status != InformationReport.REVIEWED:
        return f"{report}当前为“{report.get_status_display()}”，须审核通过（待签发）后才能签发。"
    try:
        workflow._require_signer(user, now)
        workflow._require_bureau(user, report, "签发")
    except PermissionDenied as exc:
        return str(exc)
    return "您不能签发此报告。"


class ReportReviewView(ReportMixin, View):
    """POST decision=pass, or decision=return with a reason (退回 to drafting)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        decision = request.POST.get("decision")
        back = reverse("incidents:report_detail", args=[report.pk])
        if decision not in ("pass", "return"):
            messages.error(request, "请选择“审核通过”或“退回修改”。")
            return redirect(back)
        try:
            workflow.review_report(request.user, report, decision == "pass", request.POST.get("reason", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"{report}已审核通过，待签发。" if decision == "pass"
                             else f"已退回{report}，拟稿人修改后重新提交。")
        return redirect(back)


class ReportReceiveView(ReportMixin, View):
    """POST: 签收 the report's delivery to the user's level."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        back = _next_url(request, reverse("incidents:report_detail", args=[report.pk]))
        delivery = report.deliveries.filter(to_region=request.user.region_id, received_at__isnull=True).first()
        if delivery is None:
            messages.error(request, f"{report}没有待本单位签收的送达记录。")
            return redirect(back)
        try:
            delivery = workflow.receive_delivery(request.user, delivery)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            late = delivery.is_late()
            messages.success(request, f"已签收{report}（{timezone.localtime(delivery.received_at):%H:%M}"
                             + ("，超时签收" if late else "") + "）。")
        return redirect(back)


class ReportUrgeView(ReportMixin, View):
    """POST message (optional): 催报 from a level above."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        back = _next_url(request, reverse("incidents:report_detail", args=[report.pk]))
        try:
            workflow.urge_report(request.user, report, request.POST.get("message", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已催报{report}。")
        return redirect(back)


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


def _form_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ReportCancelView(ReportMixin, View):
    """POST reason: withdraw a due report; back to where the form was (the incident page or the report)."""

    permission = CHANGE_PERM
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        form = CancelForm(request.POST)
        back = _next_url(request, reverse("incidents:report_detail", args=[report.pk]))
        if not form.is_valid():
            messages.error(request, "取消报告须说明原因（200 字以内）。")
            return redirect(back)
        try:
            services.cancel_report(request.user, report, form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已取消{report}。")
        return redirect(back)


def docx_response(content, filename: str, as_file=False):
    if as_file:
        response = FileResponse(content, content_type=DOCX)
    else:
        response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ReportDocumentView(ReportMixin, View):
    """The .docx as issued (stored); only for users who may see the incident."""

    def get(self, request, *args, **kwargs):
        report = self.get_report()
        if not report.document:
            raise Http404("该报告尚未报送，没有报告文件。")
        record_download(request, services.document_filename(report), about=report)
        return docx_response(report.document.open("rb"), services.document_filename(report), as_file=True)


class ReportPreviewView(ReportMixin, View):
    """The draft as a .docx marked 草稿, to check the layout before issuing: GET the saved content, or POST
    the edit form to see the text as typed (nothing is saved)."""

    def get(self, request, *args, **kwargs):
        return self.preview(self.get_report(), {})

    def post(self, request, *args, **kwargs):
        form = ContentForm(request.POST, report=self.get_report())
        form.is_valid()
        return self.preview(self.get_report(), {k: v for k, v in form.cleaned_data.items() if k in request.POST})

    def preview(self, report, typed: dict):
        if report.status == InformationReport.ISSUED and report.document:
            return redirect("incidents:report_document", report.pk)
        content = {**services.current_content(report, self.request.user), **typed}
        filename = f"{report.incident.number}-{report}（草稿）.docx"
        record_download(self.request, filename, about=report)
        return docx_response(services.render_document(report, content, draft=True), filename)


@cache_control(max_age=3600, public=True)
def countdown_js(request):
    return HttpResponse(COUNTDOWN_JS, content_type="text/javascript; charset=utf-8")


urlpatterns = [
    path("incidents/reports/", ReportListView.as_view(), name="report_list"),
    path("incidents/reports/countdown.js", countdown_js, name="report_countdown_js"),
    path("incidents/reports/<int:pk>/", ReportDetailView.as_view(), name="report_detail"),
    path("incidents/reports/<int:pk>/edit/", ReportEditView.as_view(), name="report_edit"),
    path("incidents/reports/inbox/", ReportInboxView.as_view(), name="report_inbox"),
    path("incidents/reports/<int:pk>/submit/", ReportSubmitView.as_view(), name="report_submit"),
    path("incidents/reports/<int:pk>/review/", ReportReviewView.as_view(), name="report_review"),
    path("incidents/reports/<int:pk>/issue/", ReportSignView.as_view(), name="report_issue"),
    path("incidents/reports/<int:pk>/receive/", ReportReceiveView.as_view(), name="report_receive"),
    path("incidents/reports/<int:pk>/urge/", ReportUrgeView.as_view(), name="report_urge"),
    path("incidents/reports/<int:pk>/cancel/", ReportCancelView.as_view(), name="report_cancel"),
    path("incidents/reports/<int:pk>/document/", ReportDocumentView.as_view(), name="report_document"),
    path("incidents/reports/<int:pk>/preview/", ReportPreviewView.as_view(), name="report_preview"),
]
