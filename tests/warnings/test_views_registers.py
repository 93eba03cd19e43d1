"""Registers behind the warnings, as pages: recipients (list in scope, export), loudspeaker terminals, and the
import of external CAP messages — an OASIS example is stored read-only beside ours, a broken one is refused with
the reason and nothing is written."""

from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from yingji.core.models import Region, User
from yingji.warnings.models import LoudspeakerTerminal, Recipient, Warning
from yingji.warnings.services import recipients as services

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent.parent / "standards" / "cap_examples"


def add_people(actor="duty"):
    duty = User.objects.get(username=actor)
    huilan, tianchi = Region.objects.get(code="512022102"), Region.objects.get(code="512022001")
    services.create_recipients(duty, [Recipient(name="页面测试甲", region=huilan, phone="13900160001"),
                                      Recipient(name="页面测试乙", region=tianchi, phone="13900160002")])
    services.save_terminal(duty, LoudspeakerTerminal(), {"code": "PAGE-T-1", "name": "页面测试大喇叭", "region": huilan})


def test_recipients_list_is_scoped_and_exports(demo, web):
    add_people()
    county = web("duty").get("/warnings/recipients/", {"q": "页面测试"})
    assert county.status_code == 200
    html = county.content.decode()
    assert "页面测试甲" in html and "页面测试乙" in html and "有手机号" in html
    township = web("township2").get("/warnings/recipients/", {"q": "页面测试"}).content.decode()  # 回澜镇
    assert "页面测试甲" in township and "页面测试乙" not in township
    person = Recipient.objects.get(name="页面测试乙")
    assert web("township2").get(person.get_absolute_url()).status_code == 404
    assert web("duty").get(person.get_absolute_url()).status_code == 200
    assert "导入 Excel" in html and "导出 Excel" in html  # the core sheet registry's import, and the export
    export = web("township2").get("/warnings/recipients/export.xlsx", {"q": "页面测试"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = [c for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
    assert "页面测试甲" in cells and "页面测试乙" not in cells  # the export keeps the township's scope
    bad = web("duty").get("/warnings/recipients/", {"kind": "alien"})
    assert bad.status_code == 400 and "类别" in bad.content.decode()


def test_terminals_list_and_page(demo, web):
    add_people()
    html = web("duty").get("/warnings/terminals/", {"q": "PAGE-T"}).content.decode()
    assert "PAGE-T-1" in html and "页面测试大喇叭" in html and "导出 Excel" in html
    export = web("duty").get("/warnings/terminals/export.xlsx", {"q": "PAGE-T"})
    assert export.status_code == 200 and b"PAGE-T-1" not in export.content[:4]  # a zip (xlsx), not text
    terminal = LoudspeakerTerminal.objects.get(code="PAGE-T-1")
    page = web("duty").get(terminal.get_absolute_url()).content.decode()
    assert "从未应答" in page
    assert web("township").get(terminal.get_absolute_url()).status_code == 404  # 天池街道: not its terminal


def test_cap_import_stores_a_valid_message_and_refuses_a_broken_one(demo, web):
    duty = web("duty")
    example = (EXAMPLES / "oasis_a2_severe_thunderstorm.xml").read_bytes()
    before = Warning.objects.count()
    broken = example.replace(b"<msgType>", b"<msgTyp>", 1).replace(b"</msgType>", b"</msgTyp>", 1)
    refused = duty.post("/warnings/import/", {"file": SimpleUploadedFile("bad.xml", broken, "application/xml")})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-testid="cap-refused"' in html and "bad.xml" in html and "没有写入任何数据" in html
    assert Warning.objects.count() == before
    empty = duty.post("/warnings/import/", {})
    assert "请上传 CAP 文件或粘贴 XML" in empty.content.decode()
    response = duty.post("/warnings/import/", {"file": SimpleUploadedFile("a2.xml", example, "application/xml")})
    assert response.status_code == 302
    imported = Warning.objects.get(source=Warning.IMPORTED, identifier="KSTO1055887203")
    page = duty.get(imported.get_absolute_url()).content.decode()
    assert "外部导入" in page and 'data-testid="action-cancel"' not in page
    listing = duty.get("/warnings/", {"source": "imported"}).content.decode()
    assert imported.headline in listing
    assert f"/public/warnings/{imported.identifier}.xml" not in Client().get("/public/warnings/").content.decode()
    assert Client().get(f"/public/warnings/{imported.identifier}.xml").status_code == 404  # not ours to publish
    assert web("township").get("/warnings/import/").status_code in (200, 403)

