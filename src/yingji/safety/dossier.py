"""一企一档: one enterprise's whole file as one workbook — its profile, licences, the GB 18218 identification and
grading worksheet (辨识分级计算表, every line of the computation), risk points and hazards. Exported from the
records the user may see; the export is in the audit trail."""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from yingji.core.audit import record_event
from yingji.core.imports import _bytes, _cell, _escape_formulas
from yingji.core.models import AuditEntry
from yingji.core.scoping import scope

from .models import Enterprise
from .services import assessment

HEAD = (Font(bold=True), PatternFill("solid", fgColor="E8EEF7"))
TITLE = Font(bold=True, size=13)


def _table(sheet, header: list[str], rows, widths=None):
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEAD
    for row in rows:
        sheet.append([_cell(v) for v in row])
        _escape_formulas(sheet[sheet.max_row])
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width


def _profile(sheet, e: Enterprise):
    sheet.title = "基本信息"
    sheet.append([f"{e.name} 一企一档"])
    sheet["A1"].font = TITLE
    facts = [("统一社会信用代码", e.credit_code), ("行业", e.industry_label), ("监管类别", e.get_category_display()),
             ("规模", e.get_scale_display()), ("安全生产标准化", e.get_standardisation_display()),
             ("状态", e.get_status_display()), ("所属区划", e.region.full_name), ("地址", e.address),
             ("经纬度", f"{e.longitude}, {e.latitude}" if e.longitude is not None else "未标注"),
             ("位于化工园区", "是" if e.in_chemical_park else "否"),
             ("主要负责人", f"{e.principal} {e.principal_phone}"),
             ("安全管理人员", f"{e.safety_manager} {e.safety_manager_phone}".strip()),
             ("从业人员（人）", e.employees), ("厂区边界外500米内常住人口（人）", e.people_within_500m),
             ("重大危险源最高级别", e.major_level or "无"), ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M"))]
    _table(sheet, ["项目", "内容"], facts, widths=[30, 60])


def _worksheet(sheet, enterprise, units):
    """The GB 18218-2018 computation, unit by unit: q, Q and its source, q/Q, β and its source, β·q/Q; S, α, R."""
    sheet.append(["危险化学品重大危险源辨识分级计算表（GB 18218-2018）"])
    sheet["A1"].font = TITLE
    sheet.append([f"α 按厂区边界外500米内常住人口 {enterprise.people_within_500m} 人（表5）；S = Σq/Q ≥ 1 构成重大危险源；"
                  "R = α·Σβ·q/Q；R ≥ 100 一级，50 ≤ R < 100 二级，10 ≤ R < 50 三级，R < 10 四级（表6）。"])
    for unit in units:
        result = assessment(unit)
        sheet.append([])
        sheet.append([f"{unit.name}（{unit.get_kind_display()}）"])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        _table(sheet, ["危险化学品", "设计最大量q（t）", "临界量Q（t）", "Q依据", "q/Q", "校正系数β", "β依据", "β·q/Q"],
               [[line.substance.name, line.tonnes, line.substance.critical_t, line.substance.q_source, line.ratio,
                 line.substance.beta, line.substance.beta_source, line.weighted] for line in result.lines])
        verdict = (f"S = {result.S:.4f}，构成重大危险源；α = {result.alpha}；R = {result.R:.4f}；{result.level}"
                   if result.major else f"S = {result.S:.4f} < 1，不构成重大危险源")
        sheet.append(["结论", verdict])
        sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=False)
    for column, width in zip("ABCDEFGH", (28, 16, 14, 14, 12, 11, 16, 12), strict=True):
        sheet.column_dimensions[column].width = width


def dossier_xlsx(enterprise: Enterprise, user, request=None) -> bytes:
    book = Workbook()
    _profile(book.active, enterprise)
    _table(book.create_sheet("安全许可证"), ["证照类型", "证书编号", "许可范围", "发证日期", "有效期至", "状态"],
           [[lic.get_kind_display(), lic.number, lic.scope, lic.issued_on, lic.expires_on, lic.expiry_label]
            for lic in scope(enterprise.licences.all(), user)], widths=[28, 30, 30, 12, 12, 10])
    _worksheet(book.create_sheet("重大危险源辨识"), enterprise,
               scope(enterprise.units.all(), user).prefetch_related("lines"))
    _table(book.create_sheet("风险点"), ["风险点", "评价方法", "风险值", "风险等级", "颜色", "管控层级", "管控措施", "责任人"],
           [[p.name, p.get_method_display(), p.score, p.level, p.colour, p.control_level, p.measures,
             f"{p.responsible} {p.responsible_phone}".strip()] for p in scope(enterprise.risk_points.all(), user)],
           widths=[24, 22, 10, 12, 6, 10, 40, 20])
    _table(book.create_sheet("隐患"), ["隐患", "等级", "来源", "状态", "发现日期", "整改期限", "销号日期"],
           [[h.title, h.get_grade_display(), h.get_source_display(), h.get_status_display(), h.found_on,
             h.deadline, h.closed_on] for h in scope(enterprise.hazards.all(), user)], widths=[36, 12, 10, 10, 12, 12, 12])
    record_event(user, AuditEntry.EXPORT, f"导出一企一档：{enterprise.name}"[:255], {"企业": enterprise.credit_code},
                 request, instance=enterprise)
    return _bytes(book)
