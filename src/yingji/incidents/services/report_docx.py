"""An information report (首报/续报/终报) as a Word document (.docx) in the house style of 公文 (GB/T 9704):
A4, title in 黑体 二号, section headings in 黑体 三号, body in 仿宋 三号 with a two-character indent,
fixed 28 pt line spacing, page number in the footer.

No Django here: `render(data)` takes plain values (see `ReportDocument`) and returns the file's bytes,
so it opens the same in Word and WPS and can be tested by reading it back with python-docx.
Chinese fonts are set on the East Asian slot (w:eastAsia of w:rFonts); Latin letters and digits use
Times New Roman as 公文 do.
"""

import io
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

BODY_FONT = "仿宋"  # 仿宋_GB2312 on older government PCs; Word and WPS substitute either way
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TITLE_PT, BODY_PT, META_PT = 22, 16, 14  # 二号, 三号, 四号
LINE_PT = 28
NUMERALS = "一二三四五六七八九十"


@dataclass
class ReportDocument:
    title: str  # 关于<事件名称>的首报 / 续报（第N次） / 终报
    number: str  # 事件编号
    sender: str  # 报送单位 (the bureau that files it)
    recipient: str  # 主送 (the level above)
    signed_by: str = ""  # 签发人
    issued_at: str = ""  # 报送时间, already in local time as text
    sections: list = field(default_factory=list)  # [(heading, text)], text may have several lines
    filled_by: str = ""  # 填报人
    phone: str = ""
    draft: bool = False  # a preview before issue: marked as such on the page


def _fonts(run, east_asian: str, size_pt: float, bold: bool = False):
    run.font.name = LATIN_FONT
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _paragraph(doc, text: str, font: str = BODY_FONT, size: float = BODY_PT, bold=False, align=None,
               indent=False, space_after: float = 0):
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT if size <= BODY_PT else size * 1.6)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        paragraph.alignment = align
    if text:
        _fonts(paragraph.add_run(text), font, size, bold)
    return paragraph


def _page_number_footer(section):
    """A centred "— N —" page number, as a PAGE field so Word and WPS fill it in."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(paragraph.add_run("— "), BODY_FONT, META_PT)
    # One run per field part, as Word writes it: begin, instruction, separate, cached result, end.
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        if kind is None and text is None:
            _fonts(paragraph.add_run("1"), BODY_FONT, META_PT)
            continue
        run = paragraph.add_run()
        _fonts(run, BODY_FONT, META_PT)
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _fonts(paragraph.add_run(" —"), BODY_FONT, META_PT)


def _setup(doc):
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
    _page_number_footer(section)


def render(data: ReportDocument) -> bytes:
    doc = Document()
    _setup(doc)
    props = doc.core_properties
    props.title, props.author, props.subject = data.title, data.sender, f"事件编号 {data.number}"
    props.language = "zh-CN"
    if data.draft:
        _paragraph(doc, "草稿（未报送）", HEADING_FONT, META_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, data.title, HEADING_FONT, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE_PT / 2)
    for label, value in (("事件编号", data.number), ("报送单位", data.sender), ("主送", data.recipient)):
        _paragraph(doc, f"{label}：{value}", BODY_FONT, META_PT)
    _paragraph(doc, f"签发人：{data.signed_by or '　　　　'}　　报送时间：{data.issued_at or '　　年　月　日　时　分'}",
               BODY_FONT, META_PT, space_after=LINE_PT / 2)
    for index, (heading, text) in enumerate(data.sections):
        numeral = NUMERALS[index] if index < len(NUMERALS) else str(index + 1)
        _paragraph(doc, f"{numeral}、{heading}", HEADING_FONT, BODY_PT, indent=True)
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()] or ["无。"]
        for line in lines:
            _paragraph(doc, line, indent=True)
    _paragraph(doc, "", space_after=0)
    _paragraph(doc, f"填报人：{data.filled_by}　　联系电话：{data.phone}", BODY_FONT, BODY_PT,
               align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def read_text(content: bytes) -> str:
    """All paragraph text of a .docx, one paragraph a line (tests and the API preview use it)."""
    doc = Document(io.BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)
