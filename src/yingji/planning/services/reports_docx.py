"""The half-year report (半年报告) as a 公文 in the layout of GB/T 9704-2012《党政机关公文格式》, built from the
shared kit in standards/gbt9704.py (A4, 版心 156 × 225 mm, margins 37/35/28/26 mm, 仿宋 三号 on 28 pt lines):

- 版头: the 发文机关标志 in red 小标宋 (7.2.2), the 发文字号 under it (7.2.3; for a 上行文 flush left with the
  签发人 on the right, 7.2.4), the red 分隔线 (7.2.5);
- 主体: the 标题 in 小标宋 二号 (7.3.1), the 主送机关 flush left (7.3.2), the 正文 with the 结构层次序数 of 7.3.3
  — "一、" in 黑体, "（一）" in 楷体, "1." and "（1）" in 仿宋 — the 发文机关署名 and 成文日期 on the right (7.3.5);
- 版记: 抄送机关, 印发机关 and 印发日期 between a thick first and last rule and thin rules between (7.4);
- 页码: "— 1 —" in 四号, odd pages on the right and even pages on the left, one character in (7.5).

Tables (the figures of each part) are set in 仿宋 小四 on 20 pt lines so that seven columns fit the 版心.
`render(document)` returns the file's bytes. No Django here.
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from yingji.standards import gbt9704 as gw
from yingji.standards.gbt9704 import (
    BODY_FONT,
    BODY_PT,
    HEADING_FONT,
    LINE_PT,
    MASTHEAD_PT,
    META_PT,
    NUMERALS,
    RED,
    TEXT_WIDTH_MM,
    TITLE_FONT,
    TITLE_PT,
)

SUBHEADING_FONT = "楷体"  # GB/T 9704-2012 7.3.3: 第二层用楷体字
TABLE_PT, TABLE_LINE_PT = 12, 20  # 小四 on closer lines: a table is not running text
CELL_MARGIN_CHARS = 1.0  # Word's default cell margins (1.9 mm each side) in characters of 小四
SHORT_CHARS = 7  # cells up to this many characters (figures, dates, short names) are never wrapped
THICK, THIN = 8, 6  # 版记 rules in eighths of a point: 0.35 mm ≈ 1 pt (首末条), 0.25 mm ≈ 0.75 pt (中间)


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list]
    unit: str = ""  # "单位：万元", printed above the table on the right
    note: str = ""  # a line under the table (注：…)
    limit: int | None = None  # the document prints the first `limit` rows (the workbook has them all)


@dataclass
class Section:
    """One part of the report: its heading, running text, tables, and parts of its own (one level down)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    subsections: list["Section"] = field(default_factory=list)


@dataclass
class ReportDocument:
    masthead: str  # 发文机关标志: 乐至县应急管理局
    authority: str  # 发文机关署名
    number: str  # 发文字号: 乐应急〔2026〕18号
    title: str
    recipient: str  # 主送机关
    dated: date  # 成文日期
    opening: str = ""
    sections: list[Section] = field(default_factory=list)
    closing: str = "特此报告。"
    signed_by: str = ""  # 签发人: a 上行文 prints it (7.2.4)
    copy_to: str = ""  # 抄送
    printed_by: str = ""  # 印发机关
    printed_on: date | None = None
    draft: bool = False


def numbered(level: int, index: int) -> str:
    """The 结构层次序数 of GB/T 9704-2012 7.3.3: 一、 （一） 1. （1）."""
    numeral = NUMERALS[index] if index < len(NUMERALS) else str(index + 1)
    return (f"{numeral}、", f"（{numeral}）", f"{index + 1}.", f"（{index + 1}）")[min(level, 3)]


def cell_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _masthead(doc, data: ReportDocument):
    if data.draft:
        gw.paragraph(doc, "草稿", HEADING_FONT, META_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
    head = gw.paragraph(doc, data.masthead, TITLE_FONT, MASTHEAD_PT, align=WD_ALIGN_PARAGRAPH.CENTER, colour=RED)
    head.paragraph_format.space_after = Pt(LINE_PT * 2)  # 发文字号 编排在发文机关标志下空二行位置
    if data.signed_by:
        number = gw.two_ends(doc, f"　{data.number}", f"签发人：{data.signed_by}　", size=BODY_PT)
    else:
        number = gw.paragraph(doc, data.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    gw.border(number, "bottom", RED, 12)  # 发文字号之下4 mm处 a red rule as wide as the 版心


def _title(doc, title: str):
    """The title centred, broken where the caller put "\n" (at a break in the meaning, as 7.3.1 asks: 回行时
    要做到词意完整，排列对称)."""
    para = gw.paragraph(doc, "", TITLE_FONT, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE_PT)
    para.paragraph_format.space_before = Pt(LINE_PT * 2)  # 红色分隔线下空二行
    para.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
    for index, line in enumerate(title.split("\n")):
        run = gw.fonts(para.add_run(line), TITLE_FONT, TITLE_PT)
        if index:
            run._element.addprevious(OxmlElement("w:br"))


def _heading(doc, text: str, level: int):
    font = (HEADING_FONT, SUBHEADING_FONT)[level] if level < 2 else BODY_FONT
    para = gw.paragraph(doc, text, font, BODY_PT, indent=True)
    para.paragraph_format.keep_with_next = True
    return para


def _set_cell(cell, text: str, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER):
    para = cell.paragraphs[0]
    para.alignment = align
    fmt = para.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(TABLE_LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    gw.fonts(para.add_run(text), HEADING_FONT if bold else BODY_FONT, TABLE_PT)


def _widths(table: Table) -> list[float]:
    """Column widths (mm) within the 版心: every column gets its longest cell (numbers and short texts never wrap:
    a figure broken over two lines misreads), and long texts share what is left, wrapping, at least four characters."""
    char_mm = TABLE_PT / 72 * 25.4
    room = TEXT_WIDTH_MM / char_mm - len(table.header) * CELL_MARGIN_CHARS
    needs = [max([1] + [_span(cell_text(r[i])) for r in table.rows]) for i in range(len(table.header))]
    heads = [min(_span(str(name)), 4) for name in table.header]  # a header may wrap after four characters
    fixed = [max(n, h) if n <= SHORT_CHARS else None for n, h in zip(needs, heads, strict=True)]
    left = room - sum(f for f in fixed if f is not None)
    flexible = [n for n, f in zip(needs, fixed, strict=True) if f is None]
    widths = []
    for need, width in zip(needs, fixed, strict=True):
        if width is None:
            width = max(4, left * need / sum(flexible)) if left > 0 else 4
        widths.append(width + CELL_MARGIN_CHARS)
    scale = TEXT_WIDTH_MM / (sum(widths) * char_mm)  # exactly the 版心 (shrinks all if even the short ones overflow)
    return [w * char_mm * scale for w in widths]


def _span(text: str) -> float:
    """Width in characters of 小四: a Chinese character is one, a digit or Latin letter half."""
    return sum(1 if ord(ch) > 0x2E80 else 0.5 for ch in text)


def _table(doc, table: Table, number: int):
    if table.limit is not None and len(table.rows) > table.limit:
        rest = len(table.rows) - table.limit
        note = f"{table.note}（本表列出前{table.limit}项，其余{rest}项见报告数据表。）"
        table = Table(table.caption, table.header, table.rows[:table.limit], table.unit, note.lstrip())
    caption = gw.paragraph(doc, f"表{number}　{table.caption}", HEADING_FONT, META_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    caption.paragraph_format.keep_with_next = True
    if table.unit:
        unit = gw.paragraph(doc, table.unit, BODY_FONT, TABLE_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
        unit.paragraph_format.line_spacing = Pt(TABLE_LINE_PT)
        unit.paragraph_format.keep_with_next = True
    grid = doc.add_table(rows=1 + max(len(table.rows), 1), cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = _widths(table)
    for i, name in enumerate(table.header):
        _set_cell(grid.rows[0].cells[i], str(name), bold=True)
    _repeat_header(grid.rows[0])
    if not table.rows:
        merged = grid.rows[1].cells[0].merge(grid.rows[1].cells[-1])
        _set_cell(merged, "无")
    for r, row in enumerate(table.rows, start=1):
        for i, value in enumerate(row):
            numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            _set_cell(grid.rows[r].cells[i], cell_text(value),
                      align=WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.CENTER)
    _fix_widths(grid, widths)
    after = gw.paragraph(doc, table.note, BODY_FONT, TABLE_PT, indent=bool(table.note), space_after=LINE_PT / 2)
    after.paragraph_format.line_spacing = Pt(TABLE_LINE_PT)


def _fix_widths(grid, widths: list[float]):
    """Fixed column widths on the grid and on every cell: LibreOffice reads the grid, Word the cells."""
    grid.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Mm(width)
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Mm(width)


def _repeat_header(row):
    """The header row repeats on every page a long table runs over."""
    props = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    props.append(element)


def _section(doc, section: Section, level: int, index: int, counter: list[int]):
    _heading(doc, f"{numbered(level, index)}{section.title}", level)
    for text in section.paragraphs:
        gw.paragraph(doc, text, indent=True)
    for table in section.tables:
        counter[0] += 1
        _table(doc, table, counter[0])
    for sub_index, sub in enumerate(section.subsections):
        _section(doc, sub, level + 1, sub_index, counter)


def _signature(doc, data: ReportDocument):
    """署名 and 成文日期 on the right, the date four characters from the edge and the name centred over it
    (7.3.5.2 不加盖印章的公文), kept on one page with the closing line."""
    gw.paragraph(doc, data.closing, indent=True, space_after=LINE_PT).paragraph_format.keep_with_next = True
    date_text = gw.cn_date(data.dated)
    name = gw.paragraph(doc, data.authority, align=WD_ALIGN_PARAGRAPH.CENTER)
    # centre the name over the date: the date's column is its width plus the four characters to the right
    column = (len(date_text) + 4) * BODY_PT
    name.paragraph_format.left_indent = Pt(TEXT_WIDTH_MM / 25.4 * 72 - column)
    name.paragraph_format.keep_with_next = True
    when = gw.paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    when.paragraph_format.right_indent = Pt(BODY_PT * 4)


def _colophon(doc, data: ReportDocument):
    """版记 (7.4): 抄送 and 印发 in 四号, one character in from each side, between rules."""
    gw.paragraph(doc, "", space_after=LINE_PT)
    lines = []
    if data.copy_to.strip():
        lines.append(f"抄送：{data.copy_to.strip().rstrip('。')}。")
    if data.printed_by:
        printed = f"{gw.cn_date(data.printed_on)}印发" if data.printed_on else "印发"
        lines.append(f"{data.printed_by}\t{printed}")
    for index, text in enumerate(lines):
        para = gw.paragraph(doc, "", BODY_FONT, META_PT)
        fmt = para.paragraph_format
        fmt.left_indent = fmt.right_indent = Pt(META_PT)
        fmt.keep_with_next = index < len(lines) - 1
        fmt.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(META_PT * 2), alignment=2)  # right tab
        gw.fonts(para.add_run(text), BODY_FONT, META_PT)
        gw.border(para, "top", eighths=THICK if index == 0 else THIN)
    if lines:
        gw.border(para, "bottom", eighths=THICK)


def _page_numbers(doc):
    """"— N —" in 四号: odd pages right, even pages left, one character in from the edge of the 版心 (7.5)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    gw.page_number_footer(section)  # odd pages (the default footer)
    odd = section.footer.paragraphs[0]
    odd.alignment, odd.paragraph_format.right_indent = WD_ALIGN_PARAGRAPH.RIGHT, Pt(META_PT)
    even_footer = section.even_page_footer
    even_footer.is_linked_to_previous = False
    template = odd._p
    even = even_footer.paragraphs[0]
    even._p.addnext(_copy(template))
    even._p.getparent().remove(even._p)
    even = even_footer.paragraphs[0]
    even.alignment, even.paragraph_format.right_indent = WD_ALIGN_PARAGRAPH.LEFT, Pt(0)
    even.paragraph_format.left_indent = Pt(META_PT)


def _copy(element):
    from copy import deepcopy

    return deepcopy(element)


def render(data: ReportDocument) -> bytes:
    doc = gw.new_document(page_numbers=False)
    _page_numbers(doc)
    props = doc.core_properties
    props.title, props.author, props.subject, props.language = data.title.replace("\n", ""), data.authority, data.number, "zh-CN"
    _masthead(doc, data)
    _title(doc, data.title)
    gw.paragraph(doc, f"{data.recipient}：")
    if data.opening:
        gw.paragraph(doc, data.opening, indent=True)
    counter = [0]
    for index, section in enumerate(data.sections):
        _section(doc, section, 0, index, counter)
    _signature(doc, data)
    _colophon(doc, data)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def read_text(content: bytes) -> str:
    """Paragraphs and table cells of a .docx, one a line (tests and the API preview)."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += ["\t".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(lines)
