"""The half-year report's figures as a workbook: a cover sheet, then one sheet per section with its text and every
table of it (and of its parts) under a caption, so the tables of the .docx can be checked and reused. Cells are
written through core's export helpers: numbers stay numbers, text that would start a formula is escaped."""

import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from yingji.core.imports import _bytes, _cell, _escape_formulas

from .reports_docx import ReportDocument, Section, Table, numbered

HEAD = (Font(bold=True), PatternFill("solid", fgColor="E8EEF7"))
TITLE = Font(bold=True, size=13)
CAPTION = Font(bold=True)
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet name


def sheet_name(index: int, title: str, taken: set[str]) -> str:
    """"1 规划主要指标完成情况", at most 31 characters, unique in the workbook."""
    base = _FORBIDDEN.sub("", f"{index} {title}")[:31]
    name, n = base, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _append(sheet, values, font=None):
    sheet.append([_cell(v) for v in values])
    row = sheet[sheet.max_row]
    _escape_formulas(row)
    if font is not None:
        for cell in row:
            cell.font = font
    return row


def table_rows(sheet, table: Table, number: int):
    _append(sheet, [f"表{number} {table.caption}" + (f"（{table.unit}）" if table.unit else "")], CAPTION)
    for cell in _append(sheet, table.header):
        cell.font, cell.fill = HEAD
    for row in table.rows:
        _append(sheet, row)
    if table.note:
        _append(sheet, [table.note])
    sheet.append([])


def _section(sheet, section: Section, prefix: str, counter: list[int]):
    _append(sheet, [f"{prefix}{section.title}"], CAPTION)
    for text in section.paragraphs:
        cell = _append(sheet, [text])[0]
        cell.alignment = Alignment(wrap_text=False)
    if section.paragraphs:
        sheet.append([])
    for table in section.tables:
        counter[0] += 1
        table_rows(sheet, table, counter[0])
    for index, sub in enumerate(section.subsections):
        _section(sheet, sub, numbered(1, index), counter)


def workbook(data: ReportDocument, period: str) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = "封面"
    _append(cover, [data.title.replace("\n", "")], TITLE)
    for label, value in (("报告期", period), ("发文机关", data.authority), ("发文字号", data.number or "—"),
                         ("主送机关", data.recipient), ("成文日期", data.dated)):
        _append(cover, [label, value])
    cover.append([])
    _append(cover, ["各部分"], CAPTION)
    taken, counter = {"封面"}, [0]
    for index, section in enumerate(data.sections, start=1):
        name = sheet_name(index, section.title, taken)
        _append(cover, [numbered(0, index - 1) + section.title, name])
        sheet = book.create_sheet(name)
        _section(sheet, section, numbered(0, index - 1), counter)
        sheet.column_dimensions["A"].width = 28
        for column in "BCDEFGHIJ":
            sheet.column_dimensions[column].width = 16
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 30, 40
    return _bytes(book)
