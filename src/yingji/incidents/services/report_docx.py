"""An information report (首报/续报/终报) as a Word document (.docx) in the house style of 公文 (GB/T 9704):
A4; a red 版头 (突发事件信息报告, the kind, 报送单位 and 签发人 as a 上行文 carries them, 编号 and 报送时间, the
red line); the title in 小标宋 二号; the 主送机关; the 正文 in numbered parts (headings in 黑体 三号, body in
仿宋 三号 with a two-character indent, fixed 28 pt line spacing); 特此报告, the sender and date; the 版记 with
抄送 and 联系人/电话 between rules; the page number in the footer.

No Django here: `render(data)` takes plain values (see `ReportDocument`) and returns the file's bytes,
so it opens the same in Word and WPS and can be tested by reading it back with python-docx.
Chinese fonts are set on the East Asian slot (w:eastAsia of w:rFonts); Latin letters and digits use
Times New Roman as 公文 do.
"""

import io
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BODY_FONT = "仿宋"  # 仿宋_GB2312 on older government PCs; Word and WPS substitute either way
HEADING_FONT = "黑体"  # 一级标题
TITLE_FONT = "方正小标宋简体"  # 标题 and 版头, as GB/T 9704 sets them
LATIN_FONT = "Times New Roman"
MASTHEAD_PT, TITLE_PT, BODY_PT, META_PT = 26, 22, 16, 14  # 一号, 二号, 三号, 四号
LINE_PT = 28
TEXT_WIDTH_MM = 156  # the 版心: 210 mm less the 28 mm and 26 mm margins
RED = "FF0000"
NUMERALS = "一二三四五六七八九十"


@dataclass
class ReportDocument:
    title: str  # 关于<地点+事件名称>的首报 / 续报（第N次） / 终报
    number: str  # 事件编号
    sender: str  # 报送单位 (the bureau that files it)
    recipient: str  # 主送 (the level above)
    kind: str = "首报"  # 首报 / 续报（第N次） / 终报, under the 版头
    signed_by: str = ""  # 签发人
    issued_at: str = ""  # 报送时间, already in local time as text
    opening: str = ""  # 导语: "现将有关情况报告如下："
    sections: list = field(default_factory=list)  # [(heading, text)], text may have several lines
    dated: str = ""  # 成文日期 under the sender's name: 2026年3月5日
    copy_to: str = ""  # 抄送
    filled_by: str = ""  # 联系人 (填报人)
    phone: str = ""
    drill: bool = False  # 演练: marked on the 版头
    draft: bool = False  # a preview before issue: marked as such on the page


def _fonts(run, east_asian: str, size_pt: float, bold: bool = False, colour: str = ""):
    run.font.name = LATIN_FONT
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:hint"), "eastAsia")  # quotes and dashes in the Chinese font, not Times New Roman


def _paragraph(doc, text: str, font: str = BODY_FONT, size: float = BODY_PT, bold=False, align=None,
               indent=False, space_after: float = 0, colour: str = ""):
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT if size <= BODY_PT else size * 1.5)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        paragraph.alignment = align
    if text:
        _fonts(paragraph.add_run(text), font, size, bold, colour)
    return paragraph


def _two_ends(doc, left: str, right: str, size: float = META_PT):
    """报送单位 on the left, 签发人 on the right edge of the 版心 (a right tab stop), as 上行文 carry them."""
    paragraph = _paragraph(doc, "", size=size)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    _fonts(paragraph.add_run(f"{left}\t{right}"), BODY_FONT, size)
    return paragraph


def _border(paragraph, side: str, colour: str = "000000", eighths: int = 8):
    """A rule above or below the paragraph: the red line under the 版头, the lines of the 版记."""
    pPr = paragraph._p.get_or_add_pPr()
    borders = pPr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        pPr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(eighths)), ("space", "1"), ("color", colour)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


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


def _masthead(doc, data: ReportDocument):
    """版头: 突发事件信息报告 in red, the kind under it, 报送单位/签发人 and 编号/报送时间, the red line."""
    if data.draft:
        _paragraph(doc, "草稿（未报送）", HEADING_FONT, META_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "突发事件信息报告" + ("（演练）" if data.drill else ""), TITLE_FONT, MASTHEAD_PT,
               align=WD_ALIGN_PARAGRAPH.CENTER, colour=RED)
    _paragraph(doc, f"（{data.kind}）", BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE_PT / 4)
    _two_ends(doc, f"报送单位：{data.sender}", f"签发人：{data.signed_by or '　　　　'}")
    last = _two_ends(doc, f"事件编号：{data.number}", f"报送时间：{data.issued_at or '　　年　月　日　时　分'}")
    _border(last, "bottom", RED, 12)


TITLE_CHARS = int(TEXT_WIDTH_MM / 25.4 * 72 // TITLE_PT)  # characters of 二号 on one line of the 版心 (20)
BREAK_AFTER = ("县", "区", "市", "镇", "乡", "街道", "关于")


def title_lines(title: str) -> list[str]:
    """A title longer than a line is broken where the meaning allows (after a place name, or before 的首报),
    as near the middle as possible, rather than leaving one character on the second line."""
    if len(title) <= TITLE_CHARS:
        return [title]
    candidates = [i + len(word) for word in BREAK_AFTER for i in range(len(title)) if title.startswith(word, i)]
    candidates.append(title.rfind("的"))
    fitting = [i for i in candidates if 0 < i < len(title) and i <= TITLE_CHARS and len(title) - i <= TITLE_CHARS]
    cut = min(fitting, key=lambda i: abs(i - len(title) / 2)) if fitting else (len(title) + 1) // 2
    return [title[:cut]] + title_lines(title[cut:])


def _title(doc, title: str):
    paragraph = _paragraph(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE_PT / 2, size=TITLE_PT)
    paragraph.paragraph_format.space_before = Pt(LINE_PT)
    for index, line in enumerate(title_lines(title)):
        run = paragraph.add_run(line)
        _fonts(run, TITLE_FONT, TITLE_PT)
        if index:
            run._element.addprevious(OxmlElement("w:br"))


def _body(doc, data: ReportDocument):
    _title(doc, data.title)
    _paragraph(doc, f"{data.recipient}：")  # 主送机关, flush left
    if data.opening:
        _paragraph(doc, data.opening, indent=True)
    for index, (heading, text) in enumerate(data.sections):
        numeral = NUMERALS[index] if index < len(NUMERALS) else str(index + 1)
        _paragraph(doc, f"{numeral}、{heading}", HEADING_FONT, BODY_PT, indent=True).paragraph_format.keep_with_next = True
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()] or ["无。"]
        for line in lines:
            _paragraph(doc, line, indent=True)
    # 特此报告, then the 发文机关署名 and 成文日期 right-aligned with two characters to spare (GB/T 9704), kept on
    # one page so the signature never stands alone at the top of the next.
    _paragraph(doc, "特此报告。", indent=True, space_after=LINE_PT).paragraph_format.keep_with_next = True
    for line in (data.sender, data.dated or "　　年　月　日"):
        paragraph = _paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        paragraph.paragraph_format.keep_with_next = True


def _colophon(doc, data: ReportDocument):
    """版记: 抄送, then 联系人 and 电话, between rules."""
    _paragraph(doc, "", space_after=LINE_PT / 2)
    contact = f"联系人：{data.filled_by or '　　　　'}　　联系电话：{data.phone or '　　　　'}"
    lines = ([f"抄送：{data.copy_to.strip().rstrip('。')}。"] if data.copy_to.strip() else []) + [contact]
    for index, text in enumerate(lines):
        paragraph = _paragraph(doc, text, BODY_FONT, META_PT)
        paragraph.paragraph_format.keep_with_next = index < len(lines) - 1
        paragraph.paragraph_format.left_indent = Pt(META_PT)
        paragraph.paragraph_format.right_indent = Pt(META_PT)
        _border(paragraph, "top", eighths=8 if index == 0 else 4)
    _border(paragraph, "bottom")


def render(data: ReportDocument) -> bytes:
    doc = Document()
    _setup(doc)
    props = doc.core_properties
    props.title, props.author, props.subject = data.title, data.sender, f"事件编号 {data.number}"
    props.language = "zh-CN"
    _masthead(doc, data)
    _body(doc, data)
    _colophon(doc, data)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def read_text(content: bytes) -> str:
    """All paragraph text of a .docx, one paragraph a line (tests and the API preview use it)."""
    doc = Document(io.BytesIO(content))
    return "\n".join(p.text.replace("\n", "") for p in doc.paragraphs)  # a title's line break is not a paragraph
