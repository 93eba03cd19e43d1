"""Report documents: the stored .docx as issued and a draft preview marked 草稿; every download recorded."""

from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.views import View

from yingji.core.downloads import record_download

from ...models import InformationReport
from ...services import reports as services
from .common import DOCX, ReportMixin
from .forms import ContentForm


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
