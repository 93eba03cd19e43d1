"""GB/T 35561 event classes: lookup, search, coverage of a detailed code by a class or a 大类."""

import pytest

from yingji.standards import event_codes


def test_table_has_four_top_classes_and_their_classes():
    assert [c.name for c in event_codes.top_classes()] == ["自然灾害", "事故灾难", "公共卫生事件", "社会安全事件"]
    assert len(event_codes.classes()) == 45
    assert all(not c.is_top and c.top_code in event_codes.table() for c in event_codes.classes())


def test_get_normalises_and_explains():
    assert event_codes.get(" 12g00 ").name == "火灾事故"
    with pytest.raises(ValueError, match="不是 GB/T 35561 事件代码"):
        event_codes.get("12I00")  # letters I and O are not used
    with pytest.raises(ValueError, match="不在分类表中"):
        event_codes.get("12X00")  # well-formed, but no such class


@pytest.mark.parametrize("capabilities, code, covered", [
    (["12G00"], "12G03", True), (["12000"], "12D02", True), (["12G00"], "12D02", False),
    (["11A00"], "11A00", True), ([], "12G00", False), (["12G00"], "", False),
])
def test_covers(capabilities, code, covered):
    assert event_codes.covers(capabilities, code) is covered


def test_search_by_chinese_name():
    assert {c.code for c in event_codes.search("火灾")} == {"11G00", "12G00"}
    assert event_codes.search("") == []
