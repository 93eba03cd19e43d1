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
