"""GB/T 38565-2020 supply codes: four levels, seven digits, 01–99 per level."""

import pytest

from yingji.standards import supplies


@pytest.mark.parametrize("code, level", [("1", 1), ("201", 2), ("20101", 3), ("2010199", 4), ("3999999", 4)])
def test_levels(code, level):
    assert supplies.parse(code) == (code, level)


@pytest.mark.parametrize("code", ["0", "4", "10", "1010", "10101010", "1A10101", "1000101", "1010001", "1010100",
                                  "１０１", ""])
def test_bad_codes(code):
    with pytest.raises(ValueError, match="物资代码"):
        supplies.parse(code)


def test_parents_and_top_classes():
    assert supplies.parent_code("2010304") == "20103"
    assert supplies.parent_code("20103") == "201"
    assert supplies.parent_code("201") == "2"
    assert supplies.parent_code("2") is None
    assert supplies.top_class_name("1020301") == "基本生活保障物资"
    assert supplies.top_class_name("3") == "工程材料与机械加工设备"
