"""国务院令第493号 第三条: every boundary ("以上" includes the number, "以下" excludes it)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from yingji.standards import levels
from yingji.standards.accidents import grade_accident

GENERAL, LARGER, MAJOR, GRAVE = "一般事故", "较大事故", "重大事故", "特别重大事故"


@pytest.mark.parametrize("deaths, grade", [(0, GENERAL), (2, GENERAL), (3, LARGER), (9, LARGER), (10, MAJOR),
                                           (29, MAJOR), (30, GRAVE), (300, GRAVE)])
def test_deaths(deaths, grade):
    assert grade_accident(deaths=deaths).grade == grade


@pytest.mark.parametrize("injuries, grade", [(9, GENERAL), (10, LARGER), (49, LARGER), (50, MAJOR), (99, MAJOR),
                                             (100, GRAVE)])
def test_serious_injuries(injuries, grade):
    assert grade_accident(serious_injuries=injuries).grade == grade


@pytest.mark.parametrize("loss, grade", [("999.99", GENERAL), ("1000", LARGER), ("4999.99", LARGER),
                                         ("5000", MAJOR), ("9999.99", MAJOR), ("10000", GRAVE)])
def test_direct_loss_in_wan_yuan(loss, grade):
    # 1000万元以上5000万元以下 较大; 5000万元以上1亿元（10000万元）以下 重大.
    assert grade_accident(direct_loss_wan=loss).grade == grade


def test_any_one_criterion_decides_and_is_named():
    result = grade_accident(deaths=2, serious_injuries=12, direct_loss_wan="6000")
    assert result.grade == MAJOR and result.decided_by == ["直接经济损失"]
    both = grade_accident(deaths=3, serious_injuries=10)
    assert both.grade == LARGER and both.decided_by == ["死亡", "重伤"]
    assert grade_accident().decided_by == []


def test_reporting_level_and_casualty_window():
    assert grade_accident(deaths=1).report_up_to.startswith("设区的市级")
    assert grade_accident(deaths=3).report_up_to.startswith("省")
    assert grade_accident(deaths=10).report_up_to == grade_accident(deaths=30).report_up_to == "国务院安全生产监督管理部门"
    assert grade_accident(deaths=1, event_code="12H01").casualty_window_days == 7  # road traffic
    assert grade_accident(deaths=1, event_code="12G03").casualty_window_days == 7  # fire
    assert grade_accident(deaths=1, event_code="12D02").casualty_window_days == 30
    assert grade_accident(deaths=1).casualty_window_days == 30


@pytest.mark.parametrize("kwargs, message", [({"deaths": -1}, "不能为负数"), ({"serious_injuries": "2.5"}, "应为整数"),
                                             ({"direct_loss_wan": "很多"}, "不是有效的数字")])
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        grade_accident(**kwargs)


def test_levels_and_colours():
    assert [(lv.roman, lv.colour_en) for lv in levels.levels().values()] == [
        ("Ⅰ", "red"), ("Ⅱ", "orange"), ("Ⅲ", "yellow"), ("Ⅳ", "blue")]
    assert levels.by_colour("红色").level == 1 and levels.by_colour("blue").roman == "Ⅳ"
    assert levels.by_level("III").colour == "黄色" and levels.by_level("重大").warning_level == "二级"
    with pytest.raises(ValueError, match="未知预警颜色"):
        levels.by_colour("紫")


YINGJI = str(Path(sys.executable).parent / "yingji")


def test_cli_accident_grade_and_event_code():
    out = subprocess.run([YINGJI, "standards", "accident-grade", "--deaths", "10", "--type", "12H00", "--json"],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["grade"] == MAJOR and result["casualty_window_days"] == 7
    bad = subprocess.run([YINGJI, "standards", "accident-grade", "--deaths", "-1"], capture_output=True, text=True)
    assert bad.returncode == 1 and "不能为负数" in bad.stderr
    codes = json.loads(subprocess.run([YINGJI, "standards", "event-code", "12G00", "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    assert codes == [{"code": "12G00", "name": "火灾事故", "level": "类", "parent": "12000", "parent_name": "事故灾难",
                      "top_code": "12000", "top_name": "事故灾难", "class_code": "12G00"}]
    missing = subprocess.run([YINGJI, "standards", "event-code", "不存在"], capture_output=True, text=True)
    assert missing.returncode == 1


# --- 第二条: scope; 下落不明 counts with deaths; 第十条: whom to notify -----------------------------------

from yingji.standards import accidents  # noqa: E402


@pytest.mark.parametrize("deaths, missing, grade", [(0, 4, LARGER), (2, 1, LARGER), (2, 0, GENERAL), (9, 1, MAJOR),
                                                    (8, 1, LARGER), (29, 1, GRAVE), (28, 1, MAJOR)])
def test_missing_counts_with_deaths(deaths, missing, grade):
    # 以上含本数: 2 dead + 1 missing = 3 → 较大; 9 + 1 = 10 → 重大; 29 + 1 = 30 → 特别重大.
    result = grade_accident(deaths=deaths, missing=missing)
    assert result.grade == grade
    if grade != GENERAL:
        assert result.decided_by == ["死亡（含下落不明）"] if missing else ["死亡"]


def test_missing_is_checked_like_deaths():
    with pytest.raises(ValueError, match="下落不明人数不能为负数"):
        grade_accident(missing=-1)


@pytest.mark.parametrize("code, answer, applies, provisional", [
    ("12A01", None, True, False),    # 煤矿: 生产经营活动, pre-filled 是
    ("12B03", None, True, False), ("12C01", None, True, False), ("12D02", None, True, False),
    ("12G01", None, True, False),    # 一般工业建筑火灾
    ("12G03", None, False, False),   # 一般民用建筑火灾 (a home kitchen): pre-filled 否
    ("12G03", "yes", True, False),   # …a shop in it: the duty officer says 是
    ("12G00", None, True, True),     # 火灾 of unknown kind: 待核实, graded by 493 until verified
    ("11A02", None, False, False),   # 自然灾害
    ("12Q01", None, False, False), ("12Q01", "yes", False, False),  # 环境污染: excluded whatever the answer
    ("12T01", "yes", False, False),  # 核设施事故: excluded
    ("12D01", "defence", False, False),  # 国防科研生产事故: excluded
    ("12D01", "no", False, False),
])
def test_scope_of_article_2(code, answer, applies, provisional):
    scope = accidents.order493_scope(code, answer)
    assert (scope.applies, scope.provisional) == (applies, provisional)
    assert "第二条" in scope.reason or applies


def test_scope_defaults_come_from_the_table_by_class():
    assert accidents.production_default("12A07") == "yes"  # from the 类 row 12A00
    assert accidents.production_default("11B03") == "no"   # from the 大类 row 11000
    assert accidents.production_default("12G04") == "no"   # a 细类 row overrides its 类
    assert accidents.excluded_as("12Q05") == "环境污染事故" and accidents.excluded_as("12T01") == "核设施事故"
    assert accidents.excluded_as("12D02") == ""
    assert "环境污染事故" in accidents.order493_scope("12Q01").reason
    with pytest.raises(ValueError, match="是否生产经营活动"):
        accidents.order493_scope("12D01", "maybe")


def test_excluded_classes_are_never_graded_by_493():
    with pytest.raises(ValueError, match="第二条"):
        grade_accident(deaths=5, event_code="12Q01")


def test_article_10_parties():
    parties = accidents.article10_parties("乐至县")
    assert [(p.role, p.name, p.duty) for p in parties] == [
        ("本级人民政府", "乐至县人民政府", "报告"), ("公安机关", "乐至县公安局", "通知"),
        ("劳动保障行政部门", "乐至县人力资源和社会保障局", "通知"), ("工会", "乐至县总工会", "通知"),
        ("人民检察院", "乐至县人民检察院", "通知")]
    assert [p.name for p in accidents.article10_parties()][1] == "公安机关"


def test_cli_scope_and_missing():
    out = subprocess.run([YINGJI, "standards", "accident-grade", "--deaths", "0", "--missing", "4", "--type", "12A01",
                          "--json"], capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["grade"] == LARGER
    out = subprocess.run([YINGJI, "standards", "accident-grade", "--deaths", "5", "--type", "12Q01"],
                         capture_output=True, text=True, check=True).stdout
    assert "不适用" in out and "第二条" in out and "较大事故" not in out
    out = subprocess.run([YINGJI, "standards", "accident-grade", "--deaths", "5", "--type", "12G03", "--json"],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["applies"] is False and result["grade"] is None
