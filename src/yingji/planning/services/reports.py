"""Services of the half-year report (半年报告) and the statistics pages for leadership.

`generate` builds the report of a region for a half of a year from the records the actor may see: the sections
(services/reports_sections.py: indicators, tasks, projects, disaster losses, the 联席会议's decisions), the 公文
(.docx, services/reports_docx.py) and the workbook (.xlsx, services/reports_xlsx.py), all in one transaction
with one audit entry. A report is never edited: generating again makes a new one."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, roles
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, person, require_perm

from ..models import HalfYearReport
from .reports_docx import ReportDocument, Section, Table
from .reports_docx import render as render_docx
from .reports_xlsx import workbook

ADD_PERM, VIEW_PERM = "planning.add_halfyearreport", "planning.view_halfyearreport"
HALVES = dict(HalfYearReport.HALF_CHOICES)
WHOLE_YEAR = "Y"


def ready():
    """Leadership reads the reports and the statistics and generates reports; the administrator also deletes
    them; the bureau's other roles and the townships read them."""
    roles.grant("领导", [VIEW_PERM, ADD_PERM])
    roles.grant("管理员", [VIEW_PERM, ADD_PERM, "planning.delete_halfyearreport"])
    for role in ("值班员", "指挥长", "安全监管员", "乡镇用户"):
        roles.grant(role, [VIEW_PERM])


@dataclass(frozen=True)
class Period:
    """The half of a year a report covers (H1/H2), or the whole year (WHOLE_YEAR, the statistics pages), for a
    region whose scope the actor was checked against."""

    region: Region
    year: int
    half: str
    actor: object = None

    @property
    def start(self) -> date:
        return date(self.year, 7 if self.half == HalfYearReport.SECOND else 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == HalfYearReport.FIRST else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year}年{HALVES.get(self.half, '')}"

    @property
    def months(self) -> list[int]:
        return list(range(self.start.month, self.end.month + 1))


def latest_half(today: date | None = None) -> tuple[int, str]:
    """The last half-year that has ended: in July–December the first half of this year, otherwise the second
    half of last year (a report is written after its period)."""
    today = today or timezone.localdate()
    return (today.year, HalfYearReport.FIRST) if today.month >= 7 else (today.year - 1, HalfYearReport.SECOND)


def default_authority(region: Region) -> str:
    return f"{region.name}应急管理局"


def default_recipient(region: Region) -> str:
    """The government the report goes up to: the region's own (it forwards it to the 联席会议)."""
    return f"{region.name}人民政府"


def default_title(region: Region, year: int, half: str) -> str:
    """Two lines, broken where the meaning breaks (GB/T 9704-2012 7.3.1)."""
    return f"关于{region.name}{year}年{HALVES[half]}\n安全生产和应急管理规划实施情况的报告"


# --- content as JSON (what the page and the API show) -----------------------------------------------------------

def _json_cell(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def section_json(section: Section) -> dict:
    return {"title": section.title, "paragraphs": list(section.paragraphs),
            "tables": [{"caption": t.caption, "unit": t.unit, "note": t.note, "limit": t.limit, "header": list(t.header),
                        "rows": [[_json_cell(v) for v in row] for row in t.rows]} for t in section.tables],
            "subsections": [section_json(s) for s in section.subsections]}


def section_from_json(data: dict) -> Section:
    return Section(data["title"], list(data.get("paragraphs", [])),
                   [Table(t["caption"], t["header"], t["rows"], t.get("unit", ""), t.get("note", ""), t.get("limit"))
                    for t in data.get("tables", [])],
                   [section_from_json(s) for s in data.get("subsections", [])])


# --- generating ------------------------------------------------------------------------------------------------

FIELDS = ("region", "year", "half", "number", "recipient", "authority", "signed_by", "copy_to", "title")


def _check(actor, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    region, year, half = data.get("region"), data.get("year"), data.get("half")
    if not isinstance(region, Region):
        errors["region"] = ["请选择行政区划。"]
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = ["年度应为 2000 到 2100 之间的整数。"]
    if half not in HALVES:
        errors["half"] = ["半年应为“上半年”（H1）或“下半年”（H2）。"]
    elif "year" not in errors and Period(None, year, half).start > timezone.localdate():
        # a half under way may be reported so far (a progress report); one not begun has nothing to say
        errors["half"] = [f"{year}年{HALVES[half]}尚未开始，不能生成报告。"]
    for name, limit in (("number", 64), ("recipient", 128), ("authority", 128), ("signed_by", 32),
                        ("copy_to", 255), ("title", 200)):
        value = data.get(name) or ""
        if not isinstance(value, str):
            errors[name] = ["应为文字。"]
        elif len(value) > limit:
            errors[name] = [f"不能超过 {limit} 个字。"]
    if errors:
        raise ValidationError(errors)
    require_region(actor, region, field="region")
    return data


def document_of(report: HalfYearReport, sections: list[Section] | None = None) -> ReportDocument:
    today = timezone.localdate()
    if sections is None:
        sections = [section_from_json(s) for s in report.content.get("sections", [])]
    return ReportDocument(
        masthead=report.authority, authority=report.authority, number=report.number or "　〔　　〕　号",
        title=report.title, recipient=report.recipient, dated=timezone.localdate(report.generated_at),
        opening=report.content.get("opening", ""), sections=sections, signed_by=report.signed_by,
        copy_to=report.copy_to, printed_by=f"{report.authority}办公室", printed_on=today)


def opening(period: Period) -> str:
    return (f"根据规划实施联席会议制度关于每半年报告一次的要求，现将{period.region.name}{period.label}"
            "安全生产和应急管理规划实施情况报告如下：")


def filename(report: HalfYearReport, extension: str) -> str:
    return f"{report.region.name}{report.period_label}规划实施情况报告.{extension}"


@transaction.atomic
def generate(actor, data: dict) -> HalfYearReport:
    """A new report of `data["region"]` for `data["year"]` and `data["half"]` (H1/H2), from the records the actor
    may see; the files are rendered and stored with it."""
    require_perm(actor, ADD_PERM)
    is_demo = bool(data.get("is_demo")) and actor is None  # only the demo loader marks its reports
    data = _check(actor, {key: data.get(key) for key in FIELDS})
    from .reports_sections import build_sections

    region, year, half = data["region"], data["year"], data["half"]
    period = Period(region, year, half, actor)
    sections = build_sections(period)
    report = HalfYearReport(
        region=region, year=year, half=half, number=(data.get("number") or "").strip(),
        title=(data.get("title") or "").strip() or default_title(region, year, half),
        recipient=(data.get("recipient") or "").strip() or default_recipient(region),
        authority=(data.get("authority") or "").strip() or default_authority(region),
        signed_by=(data.get("signed_by") or "").strip(), copy_to=(data.get("copy_to") or "").strip(),
        generated_by=person(actor), generated_at=timezone.now(), is_demo=is_demo,
        content={"opening": opening(period), "sections": [section_json(s) for s in sections]})
    report.full_clean(exclude=["docx", "xlsx"])
    document = document_of(report, sections)
    stem = f"{region.code or region.pk}-{year}{half}-{report.generated_at:%Y%m%d%H%M%S}"
    report.docx.save(f"{stem}.docx", ContentFile(render_docx(document)), save=False)
    report.xlsx.save(f"{stem}.xlsx", ContentFile(workbook(document, period.label)), save=False)
    report.save()
    audit.record(actor, AuditEntry.CREATE, report, audit.diff({}, audit.snapshot(report)))
    return report


@transaction.atomic
def delete_report(actor, report: HalfYearReport):
    files = [f for f in (report.docx, report.xlsx) if f]
    delete_scoped(actor, report)
    for field_file in files:  # after the commit: a rolled-back delete keeps its files
        name, storage = field_file.name, field_file.storage
        transaction.on_commit(lambda n=name, s=storage: s.delete(n))
