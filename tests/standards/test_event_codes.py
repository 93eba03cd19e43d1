"""GB/T 35561 event classes: the three-level table, lookup, hierarchy, search, coverage, accident test."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from yingji.standards import event_codes
from yingji.standards.tables import read_table

YINGJI = str(Path(sys.executable).parent / "yingji")


def test_table_has_four_top_classes_and_their_classes():
    assert [c.name for c in event_codes.top_classes()] == ["自然灾害", "事故灾难", "公共卫生事件", "社会安全事件"]
    assert len(event_codes.classes()) == 45
    assert all(c.level == "类" and c.top_code in event_codes.table() for c in event_codes.classes())


def test_rows_per_level():
    assert Counter(c.level for c in event_codes.table().values()) == {"大类": 4, "类": 45, "细类": 326}
    assert len(event_codes.details()) == 326
    assert all(c.is_detail for c in event_codes.details())


def test_every_code_is_well_formed_and_unique():
    rows = read_table(event_codes.DATA)
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes)) == len(event_codes.table()) == 375
    assert [c for c in codes if not event_codes.CODE_PATTERN.match(c)] == []
    assert all(row["name"] and row["name"] == row["name"].strip() for row in rows)
    assert len({row["name"] for row in rows}) == len(rows)  # names are unique too (spreadsheets match by name)


def test_every_code_has_its_parents_in_the_table_and_comes_after_them():
    order = list(event_codes.table())
    for item in event_codes.table().values():
        if item.parent_code is not None:
            assert item.parent_code in event_codes.table(), item
            assert order.index(item.parent_code) < order.index(item.code)
            assert event_codes.parent(item.code).level == {"类": "大类", "细类": "类"}[item.level]


def test_classes_exclude_details():
    codes = {c.code for c in event_codes.classes()}
    assert "12G00" in codes and "12G03" not in codes and "11B03" not in codes and "12000" not in codes


@pytest.mark.parametrize("code, name, parent", [
    ("11B03", "暴雨事件", "11B00"),
    ("12G99", "其它火灾事故", "12G00"),  # the dump's "12099"
    ("12S01", "公园组织大型群众性活动或聚会踩踏事件", "12S00"),  # the dump's "12801"
    ("11G01", "境内森林火灾事件", "11G00"),  # the dump's "11001"
    ("14A10", "罢课", "14A00"),  # the dump's "14AI0"
    ("14B15", "攻击破坏计算机网络案件", "14B00"),  # the dump's "14BJ5"
    ("13G00", "其它严重影响公共健康和卫生安全事件", "13000"),  # the dump's "13600"
    ("11F12", "外来有害动植物威胁林业生产事件", "11F00"),
    ("12L01", "地铁、轻轨、单轨列车脱轨事故", "12L00"),
    ("12A01", "煤矿瓦斯事故", "12A00"),
    ("13E11", "反刍兽疫", "13E00"),
    ("14F24", "袭击警卫对象、警卫现场事件", "14F00"),
    ("12000", "事故灾难", None),
])
def test_spot_checks(code, name, parent):
    item = event_codes.get(code)
    assert (item.name, item.parent_code) == (name, parent)


def test_eleven_b_zero_three_climbs_to_natural_disasters():
    item = event_codes.get("11b03")
    assert (item.level, item.is_detail, item.is_top) == ("细类", True, False)
    assert (item.class_code, item.top_code) == ("11B00", "11000")
    assert event_codes.parent("11B03").code == "11B00"
    assert event_codes.parent("11B00").code == "11000"
    assert event_codes.parent("11000") is None
    assert [c.code for c in event_codes.path("11B03")] == ["11000", "11B00", "11B03"]
    assert [c.code for c in event_codes.path("11B00")] == ["11000", "11B00"]
    assert [c.code for c in event_codes.path("11000")] == ["11000"]
    top = event_codes.get("11000")
    assert (top.level, top.parent_code, top.class_code) == ("大类", None, "11000")


def test_children_in_table_order():
    assert [c.code for c in event_codes.children("12S00")] == ["12S01", "12S02", "12S99"]
    assert [c.code for c in event_codes.children("11A00")] == [  # 11A10 follows 11A54, as in the source
        "11A01", "11A02", "11A03", "11A04", "11A05", "11A51", "11A52", "11A53", "11A54", "11A10", "11A99"]
    assert [c.code for c in event_codes.children("14F00")] == [f"14F{n:02d}" for n in range(1, 25)] + ["14F99"]
    assert [c.code for c in event_codes.children("13000")] == [
        "13A00", "13B00", "13C00", "13D00", "13E00", "13F00", "13G00", "13Y00"]
    assert event_codes.children("11B03") == []
    assert event_codes.children("12F00") == []  # a 类 without 细类
    assert sum(len(event_codes.children(c.code)) for c in event_codes.classes()) == 326
    with pytest.raises(ValueError, match="不在分类表中"):
        event_codes.children("12X00")


def test_get_normalises_and_explains():
    assert event_codes.get(" 12g00 ").name == "火灾事故"
    with pytest.raises(ValueError, match="不是 GB/T 35561 事件代码"):
        event_codes.get("12I00")  # letters I and O are not used
    with pytest.raises(ValueError, match="不在分类表中"):
        event_codes.get("12X00")  # well-formed, but no such class
    for code in ("11001", "12099", "19000", "10000", "1200", ""):  # the dump's OCR forms, out-of-range, short
        with pytest.raises(ValueError, match="不是 GB/T 35561 事件代码"):
            event_codes.get(code)


@pytest.mark.parametrize("capabilities, code, covered", [
    (["12G00"], "12G03", True), (["12000"], "12D02", True), (["12G00"], "12D02", False),
    (["11A00"], "11A00", True), ([], "12G00", False), (["12G00"], "", False),
    (["11B00"], "11b03", True), (["11000"], "11B03", True), (["11B03"], "11B03", True),
    (["11B03"], "11B04", False), (["12G00"], "11G01", False), (["12S00"], "12S01", True),
])
def test_covers(capabilities, code, covered):
    assert event_codes.covers(capabilities, code) is covered


def test_search_ranks_exact_then_prefix_then_contains():
    # 12G00 火灾事故 starts with 火灾, so it beats 11G00 森林草原火灾, which only contains it (yet comes first in the table)
    found = [c.code for c in event_codes.search("火灾")]
    assert found[:4] == ["12G00", "11G00", "11G01", "11G02"]
    assert {"12A07", "12D03", "12G01", "12J06"} <= set(found)
    assert all("火灾" in event_codes.get(c).name for c in found)
    # the exact name beats 12A07 煤矿火灾事故 and 12B05 金属与非金属矿火灾事故, which come earlier in the table
    found = [c.code for c in event_codes.search("火灾事故")]
    assert found[0] == "12G00" and found.index("12A07") > 0 and "12G99" in found
    assert [c.code for c in event_codes.search("踩踏事件")] == ["12S00", "12S01", "12S02", "12S99"]
    assert [c.code for c in event_codes.search("暴雨")] == ["11B03"]
    assert event_codes.search("") == event_codes.search("   ") == []


def test_search_matches_codes_case_insensitively():
    assert [c.code for c in event_codes.search("11b03")] == ["11B03"]
    assert [c.code for c in event_codes.search("12s")] == ["12S00", "12S01", "12S02", "12S99"]
    assert [c.code for c in event_codes.search("13G")] == ["13G00"]
    assert event_codes.search("99999") == []


@pytest.mark.parametrize("code, accident", [
    ("12000", True), ("12G00", True), ("12G03", True), ("12s01", True), ("12Y00", True),
    ("11B03", False), ("13A01", False), ("14000", False), ("", False), (None, False),
])
def test_is_accident(code, accident):
    assert event_codes.is_accident(code) is accident


def test_is_accident_rejects_unknown_codes():
    with pytest.raises(ValueError):
        event_codes.is_accident("12X00")


def test_cli_event_code_shows_level_and_parent():
    def run(*args):
        return subprocess.run([YINGJI, "standards", "event-code", *args], capture_output=True, text=True)

    rows = json.loads(run("11b03", "--json").stdout)
    assert rows == [{"code": "11B03", "name": "暴雨事件", "level": "细类", "parent": "11B00",
                     "parent_name": "气象灾害", "top_code": "11000", "top_name": "自然灾害", "class_code": "11B00"}]
    rows = json.loads(run("踩踏", "--json").stdout)
    assert [(r["code"], r["level"], r["parent"]) for r in rows] == [
        ("12S00", "类", "12000"), ("12S01", "细类", "12S00"), ("12S02", "细类", "12S00"), ("12S99", "细类", "12S00")]
    top = json.loads(run("12000", "--json").stdout)
    assert (top[0]["level"], top[0]["parent"]) == ("大类", None)
    text = run("11B03").stdout
    assert text.strip() == "11B03  暴雨事件（细类，属 11000 自然灾害 › 11B00 气象灾害）"
    assert run("不存在").returncode == 1


@pytest.mark.parametrize("code, name, parent", [
    ("11B19", "霾", "11B00"), ("11B20", "雷雨大风", "11B00"), ("11B21", "道路结冰", "11B00"),
    ("11B22", "干旱", "11B00"), ("11B25", "森林火险", "11B00"), ("11E06", "海浪", "11E00"),
])
def test_codes_of_the_warning_feeds_are_accepted_and_marked(code, name, parent):
    event = event_codes.get(code)
    assert (event.name, event.level, event.parent_code, event.source) == (name, "细类", parent, "warning-feed")
    assert event_codes.covers([parent], code)  # a 气象灾害/海洋灾害 capability covers the feed's 细类


def test_only_the_feed_codes_are_marked_as_such():
    feed = {c.code for c in event_codes.table().values() if c.source == "warning-feed"}
    assert feed == {"11B19", "11B20", "11B21", "11B22", "11B25", "11E06"}
    assert {c.source for c in event_codes.table().values()} == {"dump", "warning-feed"}
    with pytest.raises(ValueError, match="不在分类表中"):
        event_codes.get("11B23")  # between the feed's codes, but not known: not invented
