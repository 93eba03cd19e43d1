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
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Pt

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


def _masthead(doc, data: ReportDocument):
    """版头: 突发事件信息报告 in red, the kind under it, 报送单位/签发人 and 编号/报送时间, the red line."""
    if data.draft:
        gw.paragraph(doc, "草稿（未报送）", HEADING_FONT, META_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
    gw.paragraph(doc, "突发事件信息报告" + ("（演练）" if data.drill else ""), TITLE_FONT, MASTHEAD_PT,
               align=WD_ALIGN_PARAGRAPH.CENTER, colour=RED)
    gw.paragraph(doc, f"（{data.kind}）", BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE_PT / 4)
    gw.two_ends(doc, f"报送单位：{data.sender}", f"签发人：{data.signed_by or '　　　　'}")
    last = gw.two_ends(doc, f"事件编号：{data.number}", f"报送时间：{data.issued_at or '　　年　月　日　时　分'}")
    gw.border(last, "bottom", RED, 12)


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
    paragraph = gw.paragraph(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE_PT / 2, size=TITLE_PT)
    paragraph.paragraph_format.space_before = Pt(LINE_PT)
    for index, line in enumerate(title_lines(title)):
        run = paragraph.add_run(line)
        gw.fonts(run, TITLE_FONT, TITLE_PT)
        if index:
            run._element.addprevious(OxmlElement("w:br"))


def _body(doc, data: ReportDocument):
    _title(doc, data.title)
    gw.paragraph(doc, f"{data.recipient}：")  # 主送机关, flush left
    if data.opening:
        gw.paragraph(doc, data.opening, indent=True)
    for index, (heading, text) in enumerate(data.sections):
        numeral = NUMERALS[index] if index < len(NUMERALS) else str(index + 1)
        gw.paragraph(doc, f"{numeral}、{heading}", HEADING_FONT, BODY_PT, indent=True).paragraph_format.keep_with_next = True
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()] or ["无。"]
        for line in lines:
            gw.paragraph(doc, line, indent=True)
    # 特此报告, then the 发文机关署名 and 成文日期 right-aligned with two characters to spare (GB/T 9704), kept on
    # one page so the signature never stands alone at the top of the next.
    gw.paragraph(doc, "特此报告。", indent=True, space_after=LINE_PT).paragraph_format.keep_with_next = True
    for line in (data.sender, data.dated or "　　年　月　日"):
        paragraph = gw.paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        paragraph.paragraph_format.keep_with_next = True


def _colophon(doc, data: ReportDocument):
    """版记: 抄送, then 联系人 and 电话, between rules."""
    gw.paragraph(doc, "", space_after=LINE_PT / 2)
    contact = f"联系人：{data.filled_by or '　　　　'}　　联系电话：{data.phone or '　　　　'}"
    lines = ([f"抄送：{data.copy_to.strip().rstrip('。')}。"] if data.copy_to.strip() else []) + [contact]
    for index, text in enumerate(lines):
        paragraph = gw.paragraph(doc, text, BODY_FONT, META_PT)
        paragraph.paragraph_format.keep_with_next = index < len(lines) - 1
        paragraph.paragraph_format.left_indent = Pt(META_PT)
        paragraph.paragraph_format.right_indent = Pt(META_PT)
        gw.border(paragraph, "top", eighths=8 if index == 0 else 4)
    gw.border(paragraph, "bottom")


def render(data: ReportDocument) -> bytes:
    doc = gw.new_document()
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
