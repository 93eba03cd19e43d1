"""执法文书 as Word documents, laid out as the 安全生产监管执法文书 forms are: the bureau, the title, the number
on the right, the enterprise addressed, the findings numbered, the legal basis and the deadline, the rights of
appeal, the signatures of the two (or more) inspectors with their 执法证号, the bureau's seal line and the copy
note. A4, 仿宋 三号 body on fixed 28 pt lines (standards/gbt9704.py, the kit every document shares). `render(document)` returns
the file's bytes."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from yingji.standards.gbt9704 import (
    BODY_FONT,
    BODY_PT,
    LINE_PT,
    META_PT,
    TITLE_FONT,
    TITLE_PT,
    border,
    cn_date,
    new_document,
)
from yingji.standards.gbt9704 import paragraph as _gb_paragraph


def _para(doc, text: str = "", font=BODY_FONT, size=BODY_PT, align=None, indent=False, after=0.0):
    return _gb_paragraph(doc, text, font, size, align=align, indent=indent, space_after=after)


SMALL_LINE_PT = 22  # the appeal clause and the signature block, in 四号 on closer lines, as the printed forms have them


def _small(doc, text: str, **kwargs):
    paragraph = _para(doc, text, BODY_FONT, META_PT, **kwargs)
    paragraph.paragraph_format.line_spacing = Pt(SMALL_LINE_PT)
    return paragraph


CLOSING = {
    "rectify": ["整改期间，你单位应当采取措施，确保安全生产。对安全生产违法行为，将依法予以行政处罚。"],
    "on_site": ["你单位应当立即执行上述现场处理措施，并将执行情况书面报告我局。"],
    "review": ["对复查中发现的问题，你单位应当按要求继续整改，并将整改情况书面报告我局。"],
}


def _order(document) -> str:
    basis = document.legal_basis.strip().rstrip("。；;")
    if document.kind == "rectify":
        return (f"依据{basis}的规定，现责令你单位于{cn_date(document.deadline)}前整改完毕，达到有关法律法规规章和"
                "标准规定的要求。由此造成事故的，依法追究有关人员的责任。")
    if document.kind == "on_site":
        return f"依据{basis}的规定，现作出现场处理决定：对上述问题立即停止作业（使用），排除隐患后方可恢复。"
    return f"依据{basis}的规定，经复查，提出以上意见。"


def _appeal(region_name: str, what: str) -> str:
    return (f"如果不服本{what}，可以依法在60日内向{region_name}人民政府或者上一级应急管理部门申请行政复议，"
            f"或者在6个月内依法向人民法院提起行政诉讼，但本{what}不停止执行，法律另有规定的除外。")


def render(document) -> bytes:
    enterprise = document.enterprise
    doc = new_document(page_numbers=False)  # a one-page form
    section = doc.sections[0]  # a form, not a 公文: the narrower margins of the 执法文书 forms
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    doc.core_properties.title = f"{document.get_kind_display()} {document.number}"
    doc.core_properties.author = document.authority
    _para(doc, document.authority, TITLE_FONT, TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, document.get_kind_display(), TITLE_FONT, TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, after=LINE_PT / 2)
    _para(doc, document.number, BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.RIGHT, after=LINE_PT / 2)
    _para(doc, f"{enterprise.name}：")
    _para(doc, "经查，你单位存在下列问题：", indent=True)
    for index, line in enumerate(document.finding_lines, start=1):
        _para(doc, f"{index}. {line.rstrip('。')}。", indent=True)
    _para(doc, _order(document), indent=True)
    for line in CLOSING[document.kind]:
        _para(doc, line, indent=True)
    bureau_region = document.authority.removesuffix("应急管理局") or enterprise.region.name
    what = {"rectify": "指令", "on_site": "决定", "review": "意见"}[document.kind]
    _small(doc, _appeal(bureau_region, what), indent=True, after=LINE_PT / 2)
    for inspector in document.inspectors.order_by("badge_number"):
        line = _small(doc, f"安全生产执法人员（签名）：{inspector.name}　执法证号：{inspector.badge_number}")
        line.paragraph_format.keep_with_next = True  # the signatures stay together
    _small(doc, "被检查单位负责人（签名）：　　　　　　　年　　月　　日", after=LINE_PT / 2).paragraph_format.keep_with_next = True
    for line in (f"{document.authority}（印章）", cn_date(document.issued_on)):
        paragraph = _para(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        paragraph.paragraph_format.keep_with_next = True
    note = _small(doc, "本文书一式两份：一份由应急管理部门存档，一份交被检查单位。")
    border(note, "top")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def filename(document) -> str:
    return f"{document.get_kind_display()}（{document.number}）.docx"


def read_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(request, document) -> "HttpResponse":  # noqa: F821 (imported below: no Django at import time)
    """The document as a .docx download (recorded), for the page and the API alike."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from yingji.core.downloads import record_download

    name = filename(document)
    response = HttpResponse(render(document), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    record_download(request, name, document)
    return response
