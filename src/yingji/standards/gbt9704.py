"""GB/T 9704-2012《党政机关公文格式》 as python-docx building blocks, shared by every document the platform writes
(信息报告, 挂牌督办通知书, 执法文书 …): A4 with the standard's margins (版心 156 × 225 mm), 仿宋 三号 body on fixed
28 pt lines with a two-character indent, 黑体 headings, 小标宋 titles, red 版头 and rules, "— N —" page numbers.

Chinese fonts are set on the East Asian slot (w:eastAsia of w:rFonts); Latin letters and digits use Times New
Roman as 公文 do. No Django here.
"""

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BODY_FONT = "仿宋"  # 仿宋_GB2312 on older government PCs; Word and WPS substitute either way
HEADING_FONT = "黑体"  # 一级标题
TITLE_FONT = "方正小标宋简体"  # 标题 and 版头
LATIN_FONT = "Times New Roman"
MASTHEAD_PT, TITLE_PT, BODY_PT, META_PT = 26, 22, 16, 14  # 一号, 二号, 三号, 四号
LINE_PT = 28
TEXT_WIDTH_MM = 156  # the 版心: 210 mm less the 28 mm and 26 mm margins
RED = "FF0000"
NUMERALS = "一二三四五六七八九十"


def fonts(run, east_asian: str, size_pt: float, bold: bool = False, colour: str = ""):
    run.font.name = LATIN_FONT
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    slots = run._element.get_or_add_rPr().get_or_add_rFonts()
    slots.set(qn("w:eastAsia"), east_asian)
    slots.set(qn("w:ascii"), LATIN_FONT)
    slots.set(qn("w:hAnsi"), LATIN_FONT)
    slots.set(qn("w:hint"), "eastAsia")  # quotes and dashes in the Chinese font, not Times New Roman
    return run


def paragraph(doc, text: str = "", font: str = BODY_FONT, size: float = BODY_PT, bold=False, align=None,
              indent=False, space_after: float = 0, colour: str = ""):
    """A paragraph on fixed lines (28 pt for body sizes), optionally indented two characters."""
    para = doc.add_paragraph()
    fmt = para.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT if size <= BODY_PT else size * 1.5)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        para.alignment = align
    if text:
        fonts(para.add_run(text), font, size, bold, colour)
    return para


def two_ends(doc, left: str, right: str, size: float = META_PT):
    """Text on the left and on the right edge of the 版心 (a right tab stop): 报送单位 and 签发人 of a 上行文."""
    para = paragraph(doc, "", size=size)
    para.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    fonts(para.add_run(f"{left}\t{right}"), BODY_FONT, size)
    return para


def border(para, side: str, colour: str = "000000", eighths: int = 8):
    """A rule above or below the paragraph: the red line under the 版头, the lines of the 版记."""
    pPr = para._p.get_or_add_pPr()
    borders = pPr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        pPr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(eighths)), ("space", "1"), ("color", colour)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


def page_number_footer(section):
    """A centred "— N —" page number, as a PAGE field so Word and WPS fill it in."""
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fonts(para.add_run("— "), BODY_FONT, META_PT)
    # One run per field part, as Word writes it: begin, instruction, separate, cached result, end.
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        if kind is None and text is None:
            fonts(para.add_run("1"), BODY_FONT, META_PT)
            continue
        run = para.add_run()
        fonts(run, BODY_FONT, META_PT)
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    fonts(para.add_run(" —"), BODY_FONT, META_PT)


def new_document(page_numbers: bool = True):
    """An empty A4 公文: the standard's margins, 仿宋 三号 as the Normal style, Chinese line breaking."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    # A Chinese document: East Asian line breaking and the language tag Word uses for proofing.
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    if page_numbers:
        page_number_footer(section)
    return doc


def cn_date(day) -> str:
    """2026年3月5日, as the 成文日期 is written (Arabic numerals since the 2012 edition)."""
    return f"{day.year}年{day.month}月{day.day}日"
