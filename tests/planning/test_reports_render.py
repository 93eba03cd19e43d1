"""The half-year report generated from the demo (资阳市, 2025年下半年: the 分工方案's tasks, the key projects' funding,
the August flood's township reports) and opened in LibreOffice: its PDF text has every part in order with the
figures of the records, it fits a few A4 pages, its Chinese is set in CJK fonts, and its pages are rendered to PNG
(test-artifacts/half-year-report-N.png) to be looked at. Under CI=true a missing LibreOffice fails the test."""

import re
import subprocess

import pytest
from django.db.models import Sum

from tests.incidents.test_report_docx import _convert, _pages_to_png, _tool
from yingji.core.models import Region, User
from yingji.planning.models import DisasterLossReport
from yingji.planning.services import reports as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(demo):
    return services.generate(User.objects.get(username="admin"), {
        "region": Region.objects.get(code="512000"), "year": 2025, "half": "H2", "number": "资应急〔2026〕3号",
        "signed_by": "张伟", "copy_to": "市安委会各成员单位，各县（区）应急管理局"})


def _flood_totals() -> dict:
    """What the township reports of the half say, summed in the database (the report must print these)."""
    rows = DisasterLossReport.objects.filter(is_current=True, region__path__startswith=Region.objects.get(
        code="512000").path, event__started_on__range=("2025-07-01", "2025-12-31"))
    return rows.aggregate(people=Sum("affected_people"), loss=Sum("direct_loss"), relocated=Sum("relocated"))


def test_half_year_report_opens_in_libreoffice_as_a_gongwen(report, tmp_path):
    pdftotext, pdfinfo, pdftoppm = _tool("pdftotext"), _tool("pdfinfo"), _tool("pdftoppm")
    _tool("libreoffice")
    docx = tmp_path / "half-year-report.docx"
    with report.docx.open("rb") as handle:
        docx.write_bytes(handle.read())
    pdf = _convert(docx, tmp_path)
    flat = re.sub(r"\s+", "", subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                                             text=True).stdout)
    order = ["资阳市应急管理局", "资应急〔2026〕3号", "签发人：张伟", "关于资阳市2025年下半年安全生产和应急管理规划实施情况的报告",
             "资阳市人民政府：", "一、规划主要指标完成情况", "二、规划任务推进情况", "（一）牵头单位推进情况", "（二）逾期任务",
             "三、重点项目资金执行情况", "四、自然灾害灾情统计", "分乡镇（街道）灾情统计", "分月灾情统计",
             "五、联席会议议定事项落实情况", "特此报告。", "资阳市应急管理局", "抄送：市安委会各成员单位", "印发"]
    positions = []
    for item in order:
        start = positions[-1] + 1 if positions else 0
        found = flat.find(item, start)
        assert found >= 0, f"{item} missing or out of order"
        positions.append(found)
    totals = _flood_totals()
    assert totals["people"] and f"受灾{totals['people']:,}人次" in flat
    assert f"直接经济损失{totals['loss']:,.2f}万元" in flat
    assert "—1—" in flat  # page numbers as GB/T 9704 prints them
    info = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 2 <= pages <= 8, pages  # a report for a meeting, not a dump: long lists stop at ten rows
    sizes = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups()
    assert [round(float(s)) for s in sizes] == [595, 842]  # A4 in points
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts
    _pages_to_png(pdftoppm, pdf, "half-year-report")
