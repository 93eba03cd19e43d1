"""Information-report pages, split by concern like the services (reports, report_content, report_workflow):

- pages.py — the reports still due across incidents (with countdowns), a report's page, the 报告签收 inbox, and
  the panel the incident page includes (`reports_context` + incidents/_reports_panel.html);
- actions.py — the edit form and the workflow steps (提交审核, 审核/退回, 签发 through a confirmation page, 签收,
  催报: services/report_workflow.py) and cancel;
- downloads.py — the stored .docx and a draft preview;
- common.py, forms.py — what they share.

Every page reads reports through region scoping: a report of an incident outside the user's region is a 404.
"""

from django.urls import path

from .actions import (
    ReportCancelView,
    ReportEditView,
    ReportReceiveView,
    ReportReviewView,
    ReportSignView,
    ReportSubmitView,
    ReportUrgeView,
)
from .common import CHANGE_PERM, DOCX, VIEW_PERM, ReportMixin, countdown_js, report_row, workflow_context
from .downloads import ReportDocumentView, ReportPreviewView, docx_response
from .forms import CancelForm, ContentForm
from .pages import ReportDetailView, ReportInboxView, ReportListView, reports_context

__all__ = [
    "CHANGE_PERM", "DOCX", "VIEW_PERM", "CancelForm", "ContentForm", "ReportCancelView", "ReportDetailView",
    "ReportDocumentView", "ReportEditView", "ReportInboxView", "ReportListView", "ReportMixin", "ReportPreviewView",
    "ReportReceiveView", "ReportReviewView", "ReportSignView", "ReportSubmitView", "ReportUrgeView", "countdown_js",
    "docx_response", "report_row", "reports_context", "urlpatterns", "workflow_context",
]

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
