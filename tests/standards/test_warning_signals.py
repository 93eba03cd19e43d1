"""Warning signals of 中国气象局令第16号: allowed colours per event, templates, the table's integrity."""

import pytest

from yingji.standards import event_codes, warning_signals
from yingji.standards.tables import read_table

# The 14 national signals and their colours (1 红 2 橙 3 黄 4 蓝), as the 16号令 lists them.
EXPECTED = {
    "11B01": (1, 2, 3, 4),  # 台风
    "11B03": (1, 2, 3, 4),  # 暴雨
    "11B04": (1, 2, 3, 4),  # 暴雪
    "11B05": (1, 2, 3, 4),  # 寒潮
    "11B06": (1, 2, 3, 4),  # 大风
    "11B07": (1, 2, 3),  # 沙尘暴 黄/橙/红
    "11B09": (1, 2, 3),  # 高温 黄/橙/红
    "11B22": (1, 2),  # 干旱 橙/红
    "11B14": (1, 2, 3),  # 雷电 黄/橙/红
    "11B15": (1, 2),  # 冰雹 橙/红
    "11B16": (2, 3, 4),  # 霜冻 蓝/黄/橙
    "11B17": (1, 2, 3),  # 大雾 黄/橙/红
    "11B19": (2, 3),  # 霾 黄/橙
    "11B21": (1, 2, 3),  # 道路结冰 黄/橙/红
}


def test_the_table_has_the_fourteen_national_signals():
    assert {code: warning_signals.allowed_levels(code) for code in warning_signals.signals()} == EXPECTED
    names = [s.name for s in warning_signals.signals().values()]
    assert names == ["台风", "暴雨", "暴雪", "寒潮", "大风", "沙尘暴", "高温", "干旱", "雷电", "冰雹", "霜冻", "大雾",
                     "霾", "道路结冰"]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_allowed_levels_boundary_per_signal(code):
    allowed = EXPECTED[code]
    for level in allowed:
        warning_signals.check_level(code, level)
        assert warning_signals.criteria(code, level)
    for level in sorted({1, 2, 3, 4} - set(allowed)):
        with pytest.raises(ValueError, match="预警级别") as caught:
            warning_signals.check_level(code, level)
        assert event_codes.get(code).name in str(caught.value)
        with pytest.raises(ValueError):
            warning_signals.template(code, level)
    for level in (0, 5, True, "2"):
        with pytest.raises(ValueError, match="无效"):
            warning_signals.check_level(code, level)


def test_the_reason_names_the_allowed_colours():
    with pytest.raises(ValueError) as caught:
        warning_signals.check_level("11B09", 4)
    assert str(caught.value) == ("预警级别：高温事件（11B09）没有蓝色（四级）预警，《气象灾害预警信号发布与传播办法》"
                                 "只规定了红色（一级）、橙色（二级）、黄色（三级）。")


@pytest.mark.parametrize("code", ["11A01", "11A51", "11D01", "11D02", "11B25", "11B20", "11B02", "12D02", "13A01"])
def test_events_without_a_national_signal_allow_all_four_levels(code):
    assert warning_signals.allowed_levels(code) == (1, 2, 3, 4)
    assert warning_signals.template(code, 4) is None
    assert warning_signals.criteria(code, 1) is None


def test_unknown_event_codes_are_refused_in_chinese():
    for bad in ("11B23", "99X99", ""):
        with pytest.raises(ValueError, match="事件代码"):
            warning_signals.allowed_levels(bad)


def test_templates_where_the_national_guide_was_transcribed():
    for level, colour in ((1, "红色"), (2, "橙色"), (3, "黄色"), (4, "蓝色")):
        headline, instruction = warning_signals.template("11B03", level)
        assert headline == f"{{sender}}发布暴雨{colour}预警信号"
        assert headline.format(sender="乐至县气象台") == f"乐至县气象台发布暴雨{colour}预警信号"
        assert instruction.startswith("1.政府及相关部门按照职责做好防暴雨")
    assert "停止集会、停课、停业（除特殊行业外）" in warning_signals.template("11B03", 1)[1]
    assert warning_signals.template("11B09", 3)[0] == "{sender}发布高温黄色预警信号"
    assert warning_signals.template("11B09", 1) is None  # only an abridged red 高温 guide was found
    assert warning_signals.template("11B01", 1) is None


def test_every_row_is_a_weather_detail_code_with_its_criteria_and_source():
    rows = read_table(warning_signals.DATA)
    assert len(rows) == sum(len(v) for v in EXPECTED.values()) == 44
    assert len({(r["event_code"], r["level"]) for r in rows}) == len(rows)
    for row in rows:
        item = event_codes.get(row["event_code"])
        assert item.is_detail and item.class_code == "11B00"
        assert row["criteria"].endswith("。")
        assert (row["instruction"] == "") == (row["instruction_source"] == "")
        assert row["instruction_source"] in ("", "V", "S")
