"""Issue 11: bodies refused unread over the cap (and counted by the public rate limit); stored files served
as downloads with a safe type, images inline only when verified; downloads audited."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from yingji.core.models import AuditEntry, RefusedRequest
from yingji.incidents.models import PublicReport
from yingji.incidents.services import incidents as incident_services
from yingji.incidents.services import public as public_services

TIANCHI = (105.0312, 30.2831)  # next to the 天池街道 (512022001) centre

pytestmark = pytest.mark.django_db

FORM = {"phone": "13912345678", "description": "天池街道某小区门口电动车起火，浓烟很大。",
        "longitude": str(TIANCHI[0]), "latitude": str(TIANCHI[1]), "address": "天池街道某小区"}


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def oversize(mb=50):
    return {"CONTENT_LENGTH": str(mb * 1024 * 1024), "wsgi.input": Unreadable(),
            "CONTENT_TYPE": "multipart/form-data; boundary=xyz"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_oversize_reports_are_refused_unread_and_count_toward_the_hourly_limit(demo, settings):
    settings.YINGJI_PUBLIC_REPORTS_PER_HOUR = 5
    page, api = Client(REMOTE_ADDR="10.7.7.7"), APIClient(REMOTE_ADDR="10.7.7.7")
    for _ in range(3):
        refused = page.post("/report/", **oversize())
        assert refused.status_code == 413 and "提交的内容过大" in refused.content.decode()
    for _ in range(2):
        refused = api.generic("POST", "/api/public-submissions/", **oversize())
        assert refused.status_code == 413 and refused.json()["error"]["code"] == "too_large"
    assert RefusedRequest.objects.filter(ip="10.7.7.7").count() == 5
    # Five refused bodies used up the address's five reports: the next one is refused before it is read.
    limited = page.post("/report/", **oversize(1))
    assert limited.status_code == 429 and "一小时内最多可上报 5 次" in limited.content.decode()
    with pytest.raises(public_services.RateLimited):
        public_services.submit_public_report(dict(FORM), None, "10.7.7.7")
    assert not PublicReport.objects.exists()
    assert Client(REMOTE_ADDR="10.7.7.8").post("/report/", FORM).status_code == 302  # others are not affected


def test_upload_views_refuse_oversize_bodies_unread(demo, web, api, open_incident):
    incident = open_incident()
    note = api("duty").generic("POST", f"/api/incidents/{incident.pk}/notes/", **oversize(12))
    assert note.status_code == 413 and note.json()["error"]["code"] == "too_large"
    page = web("duty").post(f"/incidents/{incident.pk}/notes/", **oversize(12))
    assert page.status_code == 413
    from yingji.plans.models import Plan

    plan = Plan.objects.filter(region__code="512022").first()
    document = api("admin").generic("POST", f"/api/plans/{plan.pk}/document/", **oversize(12))
    assert document.status_code == 413
    anything = api("duty").generic("POST", "/api/regions/", **oversize(21))  # the cap of every request
    assert anything.status_code == 413


def test_a_js_note_attachment_is_a_download_not_a_script(open_incident, media, web):
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from yingji.core.models import User
    from yingji.incidents.models import TimelineEntry

    incident = open_incident()
    # Issue 12: a script is no longer accepted as an attachment at all …
    with pytest.raises(ValidationError, match="不支持的附件类型"):
        incident_services.add_note(User.objects.get(username="duty"), incident, "附件",
                                   SimpleUploadedFile("evil.js", b"alert(document.cookie)"))
    # … and one stored before the check (no recorded type) is still only ever served as bytes to download.
    path = default_storage.save("incidents/notes/evil.js", ContentFile(b"alert(document.cookie)"))
    entry = TimelineEntry.objects.create(incident=incident, kind="note", text="附件", time=timezone.now(),
                                         attachment=path)
    response = web("duty").get(f"/incidents/attachments/{entry.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    download = AuditEntry.objects.get(action=AuditEntry.DOWNLOAD)
    assert download.actor.username == "duty" and download.object_repr.startswith("下载 ")
    assert download.region == incident.region


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_report_photos_are_inline_only_when_they_verify_as_images(demo, media, web, api):
    report = public_services.submit_public_report(
        dict(FORM), SimpleUploadedFile("现场.png", _png(), content_type="image/png"), "10.1.1.1")
    shown = web("duty").get(f"/incidents/inbox/{report.pk}/photo/")
    assert shown["Content-Type"] == "image/png" and shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    # The stored file no longer is an image (replaced on disk): it is only ever a download.
    with report.photo.storage.open(report.photo.name, "wb") as handle:
        handle.write(b"<html><script>alert(1)</script></html>")
    for response in [web("duty").get(f"/incidents/inbox/{report.pk}/photo/"),
                     api("duty").get(f"/api/public-reports/{report.pk}/photo/")]:
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")


def test_report_and_plan_documents_are_audited_downloads(open_incident, media, web):
    from yingji.core.models import User
    from yingji.incidents.models import InformationReport
    from yingji.incidents.services import reports
    from yingji.plans import services as plan_services
    from yingji.plans.models import Plan

    duty = User.objects.get(username="duty")
    incident = open_incident()
    draft = web("duty").get(f"/incidents/reports/{incident.reports.get(kind=InformationReport.INITIAL).pk}/preview/")
    assert draft.status_code == 200
    report = reports.issue_report(duty, incident.reports.get(kind=InformationReport.INITIAL),
                                  {"measures": "值班领导带队赶赴现场。"})
    docx = web("duty").get(f"/incidents/reports/{report.pk}/document/")
    assert docx.status_code == 200 and docx["Content-Disposition"].startswith("attachment;")
    plan = Plan.objects.filter(region__code="512022").first()
    plan_services.save_plan(None, plan, {"document": SimpleUploadedFile("预案.pdf", b"%PDF-1.7 test")})
    pdf = web("duty").get(f"/plans/{plan.pk}/document/")
    assert pdf["Content-Type"] == "application/octet-stream" and pdf["X-Content-Type-Options"] == "nosniff"
    downloads = AuditEntry.objects.filter(action=AuditEntry.DOWNLOAD).order_by("id")
    assert [(d.actor.username, d.model) for d in downloads] == [("duty", "incidents.informationreport"),
                                                                  ("duty", "incidents.informationreport"),
                                                                  ("duty", "plans.plan")]
    assert downloads[0].object_repr.endswith("（草稿）.docx") and downloads[1].object_repr.endswith(".docx")
