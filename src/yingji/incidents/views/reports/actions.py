"""Changing reports: the edit form (the six 第十二条 items, pre-filled) and the workflow steps — 提交审核,
审核/退回, 签发 through a confirmation page, 签收, 催报 (services/report_workflow.py) — and cancel."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from ...models import InformationReport
from ...services import report_docx
from ...services import report_workflow as workflow
from ...services import reports as services
from .common import (
    CHANGE_PERM,
    ReportMixin,
    _error_text,
    _form_errors,
    _incident_url,
    _next_url,
    report_row,
    workflow_context,
)
from .forms import CancelForm, ContentForm


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
