"""The 公文 building blocks (GB/T 9704-2012): page, margins, fonts on the East Asian slot, fixed lines, rules."""

import io

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from yingji.standards import gbt9704 as gw


def test_a_new_document_has_the_standards_page_and_body_font():
    doc = gw.new_document()
    section = doc.sections[0]
    # Word keeps lengths in twips: compare in whole millimetres.
    assert [round(x.mm) for x in (section.page_width, section.page_height)] == [210, 297]
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋" and doc.styles["Normal"].font.size == Pt(16)
    assert "PAGE" in "".join(section.footer.paragraphs[0]._p.itertext())


def test_paragraph_runs_fonts_lines_and_rules_survive_a_round_trip():
    doc = gw.new_document(page_numbers=False)
    gw.paragraph(doc, "一、基本情况", gw.HEADING_FONT, indent=True)
    body = gw.paragraph(doc, "正文", space_after=7)
    gw.border(body, "bottom", gw.RED, 12)
    out = io.BytesIO()
    doc.save(out)
    again = Document(io.BytesIO(out.getvalue()))
    first, second = again.paragraphs[0], again.paragraphs[1]
    assert first.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert first.paragraph_format.first_line_indent == Pt(32) and first.paragraph_format.line_spacing == Pt(28)
    rule = second._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000" and rule.get(qn("w:sz")) == "12"
    assert gw.cn_date(__import__("datetime").date(2026, 3, 5)) == "2026年3月5日"
