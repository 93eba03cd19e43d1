"""The half-year report (issue 16 item 5): generated through one audited service from the records of the region,
as a GB/T 9704-2012 公文 (.docx: 版头, 发文字号, title, numbered parts, 署名, 版记, page numbers) and a workbook
(.xlsx, one sheet per part, formulas escaped); bad input named by field; scoped pages and API."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from yingji.core.models import AuditEntry, Region, User
from yingji.planning.models import HalfYearReport
from yingji.planning.services import reports as services
from yingji.planning.services.reports_docx import ReportDocument, Section, Table, numbered, read_text, render
from yingji.planning.services.reports_xlsx import sheet_name, workbook

pytestmark = pytest.mark.django_db

LEZHI = "512022"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def leader(demo):
    return User.objects.get(username="leader")


@pytest.fixture
def county(demo):
    return Region.objects.get(code=LEZHI)


def generate(actor, region, **extra):
    return services.generate(actor, {"region": region, "year": 2026, "half": "H1", **extra})


# --- the document on its own (no database) ------------------------------------------------------------------

def sample(**overrides) -> ReportDocument:
    sections = [Section("规划主要指标完成情况", ["段落一。"], [Table("主要指标", ["指标", "数值"], [["甲", Decimal("1.50")],
                                                                                              ["乙", None]],
                                                                   unit="单位：人")],
                        [Section("分项", ["分项文字。"], subsections=[Section("细项", ["细项文字。"])])]),
                Section("灾情统计", ["=HYPERLINK(\"http://x\")"])]
    data = dict(masthead="乐至县应急管理局", authority="乐至县应急管理局", number="乐应急〔2026〕18号",
                title="关于乐至县2026年上半年\n安全生产和应急管理规划实施情况的报告", recipient="乐至县人民政府",
                dated=date(2026, 7, 10), opening="现将有关情况报告如下：", sections=sections, signed_by="吴刚",
                copy_to="县安委会各成员单位", printed_by="乐至县应急管理局办公室", printed_on=date(2026, 7, 10))
    return ReportDocument(**{**data, **overrides})


@pytest.mark.parametrize(("level", "index", "expected"), [(0, 0, "一、"), (0, 9, "十、"), (0, 10, "11、"),
                                                          (1, 1, "（二）"), (2, 2, "3."), (3, 0, "（1）")])
def test_heading_numbers_follow_gbt9704(level, index, expected):
    assert numbered(level, index) == expected


def test_document_reads_as_a_gongwen():
    content = render(sample())
    text = read_text(content)
    lines = [line for line in text.splitlines() if line]
    assert lines[0] == "乐至县应急管理局"
    assert "乐应急〔2026〕18号" in lines[1] and "签发人：吴刚" in lines[1]
    assert lines[2] == "关于乐至县2026年上半年安全生产和应急管理规划实施情况的报告"
    assert lines[3] == "乐至县人民政府："
    order = ["一、规划主要指标完成情况", "表1　主要指标", "（一）分项", "1.细项", "二、灾情统计", "特此报告。", "2026年7月10日",
             "抄送：县安委会各成员单位。"]
    positions = [text.index(item) for item in order]
    assert positions == sorted(positions)
    assert "甲\t1.50" in text and "乙\t—" in text  # a missing figure is a dash, never a zero
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.bottom_margin.mm), round(section.left_margin.mm),
            round(section.right_margin.mm)) == (37, 35, 28, 26)
    masthead = doc.paragraphs[0].runs[0]
    assert str(masthead.font.color.rgb) == "FF0000"
    assert doc.settings.odd_and_even_pages_header_footer  # 单页码居右、双页码居左
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml


def test_document_without_signer_centres_the_number():
    doc = Document(io.BytesIO(render(sample(signed_by=""))))
    assert doc.paragraphs[1].text == "乐应急〔2026〕18号"
    assert doc.paragraphs[1].alignment == 1  # centred (下行文)


def test_workbook_has_a_sheet_per_section_and_escapes_formulas():
    book = load_workbook(io.BytesIO(workbook(sample(), "2026年上半年")))
    assert book.sheetnames == ["封面", "1 规划主要指标完成情况", "2 灾情统计"]
    cells = [c for row in book["2 灾情统计"].iter_rows() for c in row if c.value]
    risky = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert risky.data_type == "s" and risky.quotePrefix
    values = [[c.value for c in row] for row in book["1 规划主要指标完成情况"].iter_rows()]
    assert ["甲", 1.5] in [row[:2] for row in values]


def test_sheet_names_are_short_unique_and_legal():
    taken = set()
    first = sheet_name(1, "灾情/统计[分乡镇]:" + "很长" * 20, taken)
    second = sheet_name(1, "灾情/统计[分乡镇]:" + "很长" * 20, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first)


# --- the service ------------------------------------------------------------------------------------------------

def test_generate_stores_both_files_and_one_audit_entry(leader, county):
    before = AuditEntry.objects.filter(model="planning.halfyearreport").count()
    report = generate(leader, county, number="乐应急〔2026〕18号", signed_by="吴刚")
    assert report.title == "关于乐至县2026年上半年\n安全生产和应急管理规划实施情况的报告"
    assert report.recipient == "乐至县人民政府" and report.authority == "乐至县应急管理局"
    assert report.generated_by == leader and report.period_label == "2026年上半年"
    titles = [s["title"] for s in report.content["sections"]]
    assert titles == ["规划主要指标完成情况", "规划任务推进情况", "重点项目资金执行情况", "自然灾害灾情统计",
                      "联席会议议定事项落实情况"]
    with report.docx.open("rb") as handle:
        text = read_text(handle.read())
    assert "一、规划主要指标完成情况" in text and "五、联席会议议定事项落实情况" in text
    with report.xlsx.open("rb") as handle:
        assert len(load_workbook(handle).sheetnames) == 6
    entries = AuditEntry.objects.filter(model="planning.halfyearreport")
    assert entries.count() == before + 1
    assert entries.latest("pk").action == AuditEntry.CREATE


@pytest.mark.parametrize(("data", "field"), [
    ({"year": 1999}, "year"), ({"year": "2026"}, "year"), ({"half": "H3"}, "half"), ({"year": 2099}, "half"),
    ({"number": "号" * 65}, "number"), ({"region": None}, "region"),
])
def test_bad_input_is_named(leader, county, data, field):
    before = HalfYearReport.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.generate(leader, {"region": county, "year": 2026, "half": "H1", **data})
    assert field in caught.value.message_dict
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message_dict[field][0])  # in Chinese
    assert HalfYearReport.objects.count() == before


def test_region_outside_scope_and_permission(demo, county):
    township = User.objects.get(username="township")
    with pytest.raises(PermissionDenied):
        generate(township, county)  # 乡镇用户 reads reports, does not generate them
    township.user_permissions.add(*__import__("django.contrib.auth.models", fromlist=["Permission"])
                                  .Permission.objects.filter(codename="add_halfyearreport"))
    township = User.objects.get(pk=township.pk)
    with pytest.raises(ValidationError) as caught:
        generate(township, county)
    assert "region" in caught.value.message_dict


def test_delete_removes_the_files_after_commit(leader, county, django_capture_on_commit_callbacks):
    admin = User.objects.get(username="admin")
    report = generate(leader, county)
    storage, names = report.docx.storage, [report.docx.name, report.xlsx.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_report(admin, report)
    assert not HalfYearReport.objects.filter(pk=report.pk).exists()
    assert not any(storage.exists(name) for name in names)


# --- pages and API ----------------------------------------------------------------------------------------------

def test_pages_generate_show_and_download(web, leader, county):
    client = web("leader")
    answer = client.post(reverse("planning:report_add"), {"region": county.pk, "year": 2026, "half": "H1",
                                                         "number": "乐应急〔2026〕18号"})
    assert answer.status_code == 302, answer.content[:500]
    report = HalfYearReport.objects.latest("pk")
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200 and "一、规划主要指标完成情况" in page.content.decode()
    docx = client.get(reverse("planning:report_docx", args=[report.pk]))
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    assert AuditEntry.objects.filter(action=AuditEntry.DOWNLOAD, model="planning.halfyearreport").exists()
    listing = client.get(reverse("planning:report_list"))
    assert "乐至县2026年上半年" in listing.content.decode()


def test_form_shows_field_errors(web, county):
    answer = web("leader").post(reverse("planning:report_add"), {"region": county.pk, "year": 2026, "half": "H9"})
    assert answer.status_code == 200
    assert "half" in answer.context["form"].errors


def test_api_generates_and_township_sees_only_its_own(api, leader, county):
    answer = api("leader").post("/api/planning/reports/", {"region": county.pk, "year": 2026, "half": "H1"},
                                format="json")
    assert answer.status_code == 201, answer.content[:300]
    body = answer.json()
    assert body["half_label"] == "上半年" and body["docx_url"].endswith("/docx/")
    assert api("leader").get(body["docx_url"]).status_code == 200
    assert api("township").get(f"/api/planning/reports/{body['id']}/").status_code == 404
    bad = api("leader").post("/api/planning/reports/", {"region": county.pk, "year": 2026, "half": "H3"},
                             format="json")
    assert bad.status_code == 400 and "half" in bad.content.decode()
