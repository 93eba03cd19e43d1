"""The implementation table (项目实施计划表) as an .xlsx in the seed's layout (资阳 附表3): three header rows with
merged cells (总投资估算 / 年度资金计划 by year / 完成时限), one row per sub-project, the 合计 row last. Blank
cells stay blank; amounts are numbers (万元) formatted to two places."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
TEXT_COLUMNS = ["序号", "项目名称", "子项目", "项目级别", "建设内容及进度安排"]


def _escape(value):
    """A text cell that Excel would take as a formula is written with a leading quote (as core.imports does)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def plan_table_xlsx(table: dict, programme: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "项目实施计划表"
    width = len(TEXT_COLUMNS) + 3 + sum(len(c) + 1 for c in table["columns"].values()) + 2
    sheet.cell(1, 1, f"{programme}项目实施计划表").font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).alignment = CENTRE
    _header(sheet, table, first=2)
    row = 5
    for item in table["rows"]:
        sub = item["subproject"]
        _write(sheet, row, [sub.number, item["project_name"], sub.name, sub.level, sub.content], item,
               [sub.start_year, sub.end_year])
        row += 1
    _write(sheet, row, ["合计", "", "", "", ""], table["totals"], ["", ""])
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(TEXT_COLUMNS))
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = {2: 18, 3: 22, 5: 48}.get(index, 9)
    sheet.freeze_panes = "F5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet, table, first: int):
    """Rows first..first+2: 附表3's three header rows."""
    col = 1
    for name in TEXT_COLUMNS:
        _merge(sheet, first, col, first + 2, col, name)
        col += 1
    _merge(sheet, first, col, first + 1, col + 2, "总投资估算（万元）")
    for offset, name in enumerate(("小计", "省级资金", "市县资金")):
        _merge(sheet, first + 2, col + offset, first + 2, col + offset, name)
    col += 3
    span = sum(len(c) + 1 for c in table["columns"].values())
    if span:
        _merge(sheet, first, col, first, col + span - 1, "年度资金计划（万元）")
    for year, heads in table["heads"].items():
        _merge(sheet, first + 1, col, first + 1, col + len(heads), f"{year}年")
        for offset, name in enumerate(["小计", *heads]):
            _merge(sheet, first + 2, col + offset, first + 2, col + offset, name)
        col += len(heads) + 1
    _merge(sheet, first, col, first + 1, col + 1, "完成时限（年）")
    _merge(sheet, first + 2, col, first + 2, col, "起始时间")
    _merge(sheet, first + 2, col + 1, first + 2, col + 1, "截止时间")


def _merge(sheet, r1, c1, r2, c2, value):
    cell = sheet.cell(r1, c1, value)
    cell.font, cell.alignment = Font(bold=True), CENTRE
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            sheet.cell(r, c).border = BORDER
    if (r1, c1) != (r2, c2):
        sheet.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _write(sheet, row: int, texts: list, figures: dict, tail: list):
    values = [*texts, figures["total"], figures["total_provincial"], figures["total_city_county"]]
    for cells in figures["years"].values():
        values.extend(cells)
    values.extend(tail)
    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row, col, _escape(float(value) if hasattr(value, "as_tuple") else value))
        cell.border = BORDER
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        if col > len(texts) and col <= len(values) - len(tail) and value is not None:
            cell.number_format = "0.00"
