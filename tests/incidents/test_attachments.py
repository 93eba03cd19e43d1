"""Issue 12: timeline attachments are images, PDF or Office files by their content (a program, a text named .jpg
or a PDF renamed .docx is refused), size-limited, stored with their name, type and size, listed with them on the
incident page and in the API, and downloaded under their own name only by those who may see the incident."""

import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yingji.core.models import AuditEntry
from yingji.core.uploads import OLE2_MAGIC, check_attachment, human_size, safe_name
from yingji.incidents.services import incidents as services
from yingji.incidents.services import public as public_services

pytestmark = pytest.mark.django_db

ALLOWED = "可上传图片（JPG、PNG、GIF、WebP、BMP）、PDF、Word（DOC、DOCX）、Excel（XLS、XLSX）、PowerPoint（PPT、PPTX）"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image(fmt="JPEG", size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, fmt)
    return buffer.getvalue()


def pdf() -> bytes:
    """The smallest well-formed PDF: header, one page, cross-reference table, trailer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def docx() -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("现场指挥部设在厂区东门。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["队伍", "人数"])
    workbook.active.append(["天池消防救援站", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ole2(stream="WordDocument") -> bytes:
    """A compound file as far as the check reads one: the OLE2 signature and, in the directory sector, the
    entry naming the application's main stream (NUL-terminated UTF-16LE)."""
    header = OLE2_MAGIC + bytes(512 - len(OLE2_MAGIC))
    entry = (stream.encode("utf-16-le") + b"\x00\x00").ljust(128, b"\x00")
    return header + entry * 4


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refused(name, content) -> str:
    with pytest.raises(ValidationError) as caught:
        check_attachment(upload(name, content))
    return caught.value.message_dict["attachment"][0]


# --- The check ------------------------------------------------------------------------------------------------

def test_programs_and_other_types_are_refused_by_name():
    for name in ["setup.exe", "run.bat", "page.html", "notes.txt", "archive.zip", "无扩展名"]:
        message = refused(name, b"MZ\x90\x00" + bytes(200))
        assert "不支持的附件类型" in message and ALLOWED in message, name


def test_a_text_named_jpg_is_refused():
    message = refused("现场照片.jpg", "这其实是一段文字，不是照片。".encode())
    assert message.startswith("“现场照片.jpg”不是有效的图片") and ALLOWED in message


def test_a_pdf_renamed_docx_is_refused_and_named_as_what_it_is():
    message = refused("调查报告.docx", pdf())
    assert "“调查报告.docx”的内容是 PDF 文件，与扩展名“.docx”不符" in message


def test_office_files_must_carry_their_own_extension():
    assert "内容是 Word 文档（.docx），与扩展名“.xlsx”不符" in refused("统计.xlsx", docx())
    assert "内容是 Word 文档（.doc），与扩展名“.docx”不符" in refused("旧文件.docx", ole2())
    assert "内容是 Excel 文档（.xlsx）" in refused("统计.pdf", xlsx())
    assert "内容是图片" in refused("照片.pdf", image())


def test_a_zip_that_is_not_an_office_package_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not office")
        archive.writestr("word/document.xml", "<w:document/>")  # a folder alone does not make a package
    assert "不是有效的 Word 文档（.docx）" in refused("伪装.docx", buffer.getvalue())


def test_zip_bombs_and_macro_documents_are_refused_cheaply():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))  # 20 MB of zeros, ~20 KB packed
    assert len(bomb.getvalue()) < 100_000
    assert "疑似压缩炸弹" in refused("炸弹.docx", bomb.getvalue())
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(10_001):
            archive.writestr(f"word/p{i}.xml", "")
    assert "文件数过多" in refused("很多.docx", many.getvalue())
    macro = zipfile.ZipFile(io.BytesIO(docx()))
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for item in macro.infolist():
            data = macro.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"wordprocessingml.document.main+xml",
                                    b"ms-word.document.macroEnabled.main+xml")
            archive.writestr(item, data)
    assert "含宏的 Office 文档" in refused("宏.docx", packed.getvalue())


def test_a_pdf_without_its_trailer_is_refused():
    assert "不是有效的 PDF 文件" in refused("截断.pdf", pdf()[:-40])
    assert "不是有效的 PDF 文件" in refused("假的.pdf", b"%PDF-1.4\n<script>alert(1)</script>")


def test_oversize_files_are_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    big = image("PNG") + bytes(1024 * 1024)
    assert "文件过大（1.0 MB），不能超过 1 MB" in refused("大图.png", big)


@pytest.mark.parametrize("name, content, label, mime", [
    ("现场照片.jpg", image("JPEG"), "图片", "image/jpeg"),
    ("火场.png", image("PNG"), "图片", "image/png"),
    ("手机照片.jpeg", image("JPEG"), "图片", "image/jpeg"),
    ("处置方案.pdf", pdf(), "PDF", "application/pdf"),
    ("指挥部通知.docx", docx(), "Word", DOCX_MIME),
    ("力量统计.xlsx", xlsx(), "Excel", XLSX_MIME),
    ("旧版通知.doc", ole2("WordDocument"), "Word", "application/msword"),
    ("旧版统计.xls", ole2("Workbook"), "Excel", "application/vnd.ms-excel"),
    ("汇报.ppt", ole2("PowerPoint Document"), "PowerPoint", "application/vnd.ms-powerpoint"),
])
def test_images_pdf_and_office_files_are_accepted(name, content, label, mime):
    found = check_attachment(upload(name, content))
    assert (found.label, found.mime, found.name, found.size) == (label, mime, name, len(content))


def test_names_lose_folders_and_control_characters():
    assert safe_name("C:\\Users\\张三\\现场照片.jpg") == "现场照片.jpg"
    assert safe_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_name('a<b>"c|\x00.pdf') == "abc.pdf"
    long = safe_name("长" * 300 + ".docx")
    assert len(long) == 255 and long.endswith(".docx")
    assert [human_size(n) for n in (512, 35 * 1024, int(1.2 * 1024 * 1024))] == ["512 B", "35 KB", "1.2 MB"]


# --- Stored, listed, downloaded ---------------------------------------------------------------------------------

def test_a_note_stores_name_type_and_size_and_the_page_lists_them(open_incident, duty, web):
    incident = open_incident()
    photo = image("JPEG", (1200, 900))
    entry = services.add_note(duty, incident, "现场反馈", upload("现场照片.jpg", photo))
    assert (entry.attachment_name, entry.attachment_type, entry.attachment_size) == (
        "现场照片.jpg", "image/jpeg", len(photo))
    assert "现场照片" not in entry.attachment.name and entry.attachment.name.endswith(".jpg")  # a random name
    services.add_note(duty, incident, "处置方案", upload("处置方案.docx", docx()))
    page = web("duty").get(incident.get_absolute_url()).content.decode()
    assert f"现场照片.jpg</a>\n  <span class=\"muted\">· 图片 · {human_size(len(photo))}</span>" in page
    assert f'href="/incidents/attachments/{entry.pk}/"' in page
    assert "处置方案.docx</a>" in page and "· Word · " in page
    assert 'accept=".jpg,.jpeg,.png,.gif,.webp,.bmp,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"' in page


def test_a_refused_file_leaves_nothing_and_the_page_says_why(open_incident, duty, web):
    incident = open_incident()
    before = incident.timeline.count()
    client = web("duty")
    response = client.post(f"/incidents/{incident.pk}/notes/",
                           {"text": "附件", "attachment": upload("setup.exe", b"MZ" + bytes(100))}, follow=True)
    assert "不支持的附件类型“.exe”：“setup.exe”" in response.content.decode()
    assert incident.timeline.count() == before
    with pytest.raises(ValidationError) as caught:  # every error at once: the text and the file
        services.add_note(duty, incident, " ", upload("照片.jpg", b"text"))
    assert set(caught.value.message_dict) == {"text", "attachment"}


def test_downloads_carry_the_name_type_and_nosniff(open_incident, duty, web):
    incident = open_incident()
    document = services.add_note(duty, incident, "方案", upload("处置方案（第2版）.docx", docx()))
    photo = services.add_note(duty, incident, "照片", upload("现场照片.png", image("PNG")))
    client = web("duty")
    response = client.get(f"/incidents/attachments/{document.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == docx_bytes(document)
    assert response["Content-Type"] == DOCX_MIME
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote('处置方案（第2版）.docx')}"
    assert response["X-Content-Type-Options"] == "nosniff"
    shown = client.get(f"/incidents/attachments/{photo.pk}/")
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"] == f"inline; filename*=UTF-8''{quote('现场照片.png')}"
    assert shown["X-Content-Type-Options"] == "nosniff"
    downloads = AuditEntry.objects.filter(action=AuditEntry.DOWNLOAD).order_by("id")
    assert [d.object_repr for d in downloads] == ["下载 处置方案（第2版）.docx", "下载 现场照片.png"]


def docx_bytes(entry) -> bytes:
    with entry.attachment.storage.open(entry.attachment.name, "rb") as handle:
        return handle.read()


def test_another_township_gets_a_404(open_incident, duty, web, api):
    incident = open_incident()  # 回澜镇
    entry = services.add_note(duty, incident, "照片", upload("现场照片.jpg", image()))
    assert web("township").get(f"/incidents/attachments/{entry.pk}/").status_code == 404  # 天池街道
    assert web("township2").get(f"/incidents/attachments/{entry.pk}/").status_code == 200  # 回澜镇
    assert api("township").get(f"/api/incidents/{incident.pk}/timeline/").status_code == 404


def test_the_api_lists_name_type_size_and_a_download_url(open_incident, api):
    incident = open_incident()
    client, sheet = api("duty"), xlsx()
    created = client.post(f"/api/incidents/{incident.pk}/notes/",
                          {"text": "统计表", "attachment": upload("力量统计.xlsx", sheet)}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ["attachment_name", "attachment_type", "attachment_type_label"]} == {
        "attachment_name": "力量统计.xlsx", "attachment_type": XLSX_MIME, "attachment_type_label": "Excel"}
    assert body["attachment_size"] == len(sheet)
    assert body["attachment_url"] == f"http://testserver/incidents/attachments/{body['id']}/"
    assert "attachment" not in body  # the storage path is not exposed
    listed = client.get(f"/api/incidents/{incident.pk}/timeline/").json()["results"]
    first = next(row for row in listed if row["id"] == body["id"])
    assert first["attachment_name"] == "力量统计.xlsx" and first["attachment_url"] == body["attachment_url"]
    plain = next(row for row in listed if row["id"] != body["id"])
    assert (plain["attachment_url"], plain["attachment_name"], plain["attachment_size"]) == (None, "", None)


def test_the_api_refuses_with_its_error_shape_in_chinese(open_incident, api):
    incident = open_incident()
    response = api("duty").post(f"/api/incidents/{incident.pk}/notes/",
                                {"text": "报告", "attachment": upload("调查报告.docx", pdf())}, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "内容是 PDF 文件，与扩展名“.docx”不符" in error["fields"]["attachment"][0]
    assert not incident.timeline.filter(text="报告").exists()
    both = api("duty").post(f"/api/incidents/{incident.pk}/notes/",
                            {"text": "", "attachment": upload("setup.exe", b"MZ")}, format="multipart")
    assert both.status_code == 400 and set(both.json()["error"]["fields"]) == {"text", "attachment"}


def test_public_report_photos_keep_name_type_and_size_on_the_timeline(demo, duty, web):
    from yingji.incidents.models import PublicReport

    photo = image("PNG")
    form = {"phone": "13912345678", "description": "天池街道某小区门口电动车起火，浓烟很大。",
            "longitude": "105.0312", "latitude": "30.2831", "address": "天池街道某小区"}
    report = public_services.submit_public_report(form, upload("IMG_0001.png", photo), "10.1.1.1")
    incident = public_services.verify_public_report(duty, PublicReport.objects.get(pk=report.pk),
                                                    {"title": "电动车起火", "event_code": "12G01"})
    entry = incident.timeline.get(data__public_report=report.pk)
    reference = public_services.reference(report)
    assert (entry.attachment_name, entry.attachment_type, entry.attachment_size) == (
        f"群众上报照片-{reference}.png", "image/png", len(photo))
    assert entry.attachment.name == report.photo.name  # the report's photo, not a copy
    page = web("duty").get(incident.get_absolute_url()).content.decode()
    assert f"群众上报照片-{reference}.png</a>" in page


# --- In the browser ---------------------------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1366, 390])
def test_the_timeline_shows_attachments_on_desktop_and_phone(committed_demo, live_server, width, request):
    """The incident page lists each file as name · 类别 · size, a link that downloads it; nothing overflows a
    phone. Screenshots: test-artifacts/<test>-timeline.png."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import ARTIFACTS, CHROMIUM, LAUNCH_ARGS
    from tests.e2e.test_login import login
    from yingji.core.models import User

    duty = User.objects.get(username="duty")
    incident = services.create_incident(duty, {
        "title": "回澜镇工业集中区化工厂火灾", "source": "duty_phone", "event_code": "12G02",
        "longitude": 105.118, "latitude": 30.226, "address": "回澜镇工业集中区纬二路 8 号"})
    services.add_note(duty, incident, "现场指挥部传回火场照片", upload("现场照片（东门）.jpg", image("JPEG", (1600, 1200))))
    services.add_note(duty, incident, "园区管委会报送应急处置方案",
                      upload("回澜镇工业集中区化工厂火灾应急处置方案（第2版）.docx", docx()))
    services.add_note(duty, incident, "企业报送储罐区平面图", upload("储罐区平面图.pdf", pdf()))
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": width, "height": 860}, locale="zh-CN",
                                      is_mobile=width < 768, has_touch=width < 768, accept_downloads=True)
        page = context.new_page()
        login(page, live_server.url, "duty")
        page.goto(f"{live_server.url}/incidents/{incident.pk}/#timeline")
        page.wait_for_load_state("networkidle")
        files = page.get_by_test_id("timeline-attachment")
        assert [" ".join(t.split()) for t in files.all_inner_texts()] == [
            "附件：储罐区平面图.pdf · PDF · " + human_size(len(pdf())),
            f"附件：回澜镇工业集中区化工厂火灾应急处置方案（第2版）.docx · Word · "
            f"{human_size(incident.timeline.get(attachment_type=DOCX_MIME).attachment_size)}",
            f"附件：现场照片（东门）.jpg · 图片 · {human_size(len(image('JPEG', (1600, 1200))))}",
        ]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        with page.expect_download() as download:
            page.get_by_role("link", name="储罐区平面图.pdf").click()
        assert download.value.suggested_filename == "储罐区平面图.pdf"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#timeline").screenshot(path=str(ARTIFACTS / f"{request.node.name}-timeline.png"))
        browser.close()
