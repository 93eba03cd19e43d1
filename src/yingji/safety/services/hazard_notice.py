"""The 重大事故隐患挂牌督办通知书 as a Word document in the house style of 公文 (GB/T 9704), as the information
reports are written: A4, the issuing bureau in red over a red line with the notice number (发文字号), the title
in 小标宋 二号, the 主送 (the enterprise, or the township for a public place), the 正文 in numbered parts
(黑体 headings, 仿宋 三号 body with a two-character indent, fixed 28 pt lines), the bureau and the date, and a
版记 with 抄送 between rules. `render(supervision)` returns the file's bytes."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
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
    TITLE_FONT,
    TITLE_PT,
)


def _para(doc, text: str = "", font=BODY_FONT, size=BODY_PT, align=None, indent=False, after=0.0, colour=""):
    return gw.paragraph(doc, text, font, size, align=align, indent=indent, space_after=after, colour=colour)


def sections(supervision) -> list[tuple[str, list[str]]]:
    """The numbered parts of the notice: the hazard, what is required, and how it is closed."""
    from .hazards import criteria

    hazard = supervision.hazard
    where = hazard.enterprise.name if hazard.enterprise_id else f"{hazard.region.name}（公共场所）"
    facts = [f"隐患名称：{hazard.title}。", f"隐患单位（地点）：{where}{('，' + hazard.location) if hazard.location else ''}。",
             f"发现日期：{gw.cn_date(hazard.found_on)}，来源：{hazard.get_source_display()}。"]
    if hazard.description:
        facts.append(f"隐患情况：{hazard.description.strip().rstrip('。')}。")
    item = criteria().get(hazard.criterion)
    if item is not None:
        facts.append(f"判定依据：{item.source}，“{item.text}”。")
    elif hazard.criterion_basis:
        facts.append(f"判定依据：{hazard.criterion_basis.strip().rstrip('。')}。")
    demands = [f"请于{gw.cn_date(supervision.deadline)}前完成整改，落实整改措施、责任、资金、时限和预案“五到位”。",
               "整改期间应采取有效的安全防范措施，防止事故发生；不能确保安全的，应当停产停业或者停止使用相关设施、设备。"]
    if supervision.requirements:
        demands.append(supervision.requirements.strip().rstrip("。") + "。")
    closing = ["整改完成后，请向我局书面申请复查验收，经验收合格后予以销号。逾期未完成整改的，将依法予以处理。"]
    return [("隐患基本情况", facts), ("督办要求", demands), ("验收销号", closing)]


def render(supervision) -> bytes:
    hazard = supervision.hazard
    doc = gw.new_document(page_numbers=False)
    doc.core_properties.title = f"重大事故隐患挂牌督办通知书 {supervision.number}"
    doc.core_properties.author = supervision.authority
    _para(doc, supervision.authority, TITLE_FONT, MASTHEAD_PT, WD_ALIGN_PARAGRAPH.CENTER, colour=RED, after=LINE_PT / 2)
    number = _para(doc, supervision.number, BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.CENTER)
    gw.border(number, "bottom", RED, 12)
    title = _para(doc, "重大事故隐患挂牌督办通知书", TITLE_FONT, TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, after=LINE_PT / 2)
    title.paragraph_format.space_before = Pt(LINE_PT)
    recipient = hazard.enterprise.name if hazard.enterprise_id else f"{hazard.region.name}人民政府"
    _para(doc, f"{recipient}：")
    _para(doc, f"经{hazard.get_source_display()}发现，{'你单位' if hazard.enterprise_id else '你辖区'}存在重大事故隐患。"
               f"依据《中华人民共和国安全生产法》和《安全生产事故隐患排查治理暂行规定》，现对该隐患实行"
               f"{supervision.get_level_display()}挂牌督办。有关事项通知如下：", indent=True)
    for index, (heading, lines) in enumerate(sections(supervision)):
        _para(doc, f"{NUMERALS[index]}、{heading}", HEADING_FONT, indent=True).paragraph_format.keep_with_next = True
        for line in lines:
            _para(doc, line, indent=True)
    _para(doc, "", after=LINE_PT / 2)
    for line in (supervision.authority, gw.cn_date(supervision.listed_on)):
        paragraph = _para(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        paragraph.paragraph_format.keep_with_next = True
    _para(doc, "", after=LINE_PT / 2)
    copy_to = _para(doc, f"抄送：{hazard.region.name}人民政府。", BODY_FONT, META_PT)
    copy_to.paragraph_format.left_indent = copy_to.paragraph_format.right_indent = Pt(META_PT)
    gw.border(copy_to, "top")
    gw.border(copy_to, "bottom")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def read_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(request, hazard):
    """The notice of the hazard's latest 挂牌督办 as a download (recorded), for the page and the API alike; a
    hazard never listed is a 404."""
    from urllib.parse import quote

    from django.http import Http404, HttpResponse

    from yingji.core.downloads import record_download

    from ..models import HazardSupervision

    listing = (HazardSupervision.objects.select_related("hazard__enterprise", "hazard__region")
               .filter(hazard=hazard).order_by("-listed_on", "-id").first())
    if listing is None:
        raise Http404("该隐患未挂牌督办。")
    name = f"重大事故隐患挂牌督办通知书（{listing.number}）.docx"
    response = HttpResponse(render(listing), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    record_download(request, name, hazard)
    return response
