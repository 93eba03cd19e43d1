"""GB/T 50493-2019 setpoints: the bounds from the data file, inclusive at the boundary, refusals naming the clause."""

from decimal import Decimal

import pytest

from yingji.standards import gas_alarms


def test_setpoints_come_from_the_data_file():
    assert gas_alarms.setpoints("lel") == (Decimal("25"), Decimal("50"))
    assert gas_alarms.setpoints("toxic") == (Decimal("100"), Decimal("200"))
    assert gas_alarms.setpoints("toxic", "idlh") == (Decimal("5"), Decimal("10"))
    lel, oel = gas_alarms.bounds("lel"), gas_alarms.bounds("toxic")
    assert (lel.range_min, lel.range_max, oel.range_min, oel.range_max) == (0, 100, 0, 300)
    assert "未核实" in lel.range_clause  # the range's clause number is marked as not confirmed
    assert (lel.level1_clause, lel.level2_clause, oel.level1_clause) == ("第5.5.2条第1款", "第5.5.2条第2款",
                                                                         "第5.5.2条第3款")


@pytest.mark.parametrize("kind, level1, level2", [
    ("lel", 25, 50), ("lel", "25", "50.0"), ("lel", 10, 20), ("lel", 0, None), ("lel", 25.0, None),
    ("toxic", 100, 200), ("toxic", 99.9999, 199.9999),
])
def test_at_or_below_the_bound_complies(kind, level1, level2):
    gas_alarms.check(kind, level1, level2)
    assert gas_alarms.violations(kind, level1, level2) == {}


@pytest.mark.parametrize("kind, level1, level2, fields", [
    ("lel", 25.0001, 50, {"level1"}), ("lel", 25, 50.0001, {"level2"}), ("lel", 30, 60, {"level1", "level2"}),
    ("lel", 26, None, {"level1"}), ("toxic", 100.0001, 200, {"level1"}), ("toxic", 100, 200.0001, {"level2"}),
])
def test_above_the_bound_is_refused(kind, level1, level2, fields):
    assert set(gas_alarms.violations(kind, level1, level2)) == fields
    with pytest.raises(ValueError):
        gas_alarms.check(kind, level1, level2)


def test_the_refusal_names_level_value_bound_and_clause():
    with pytest.raises(ValueError) as caught:
        gas_alarms.check("lel", 30, 50)
    message = str(caught.value)
    assert "可燃气体的一级报警设定值（30 %LEL）" in message and "应小于或等于25%LEL" in message
    assert "GB/T 50493-2019" in message and "第5.5.2条第1款" in message and "二级" not in message
    level2 = gas_alarms.violations("lel", 20, 55)["level2"]
    assert "二级报警设定值（55 %LEL）" in level2 and "第5.5.2条第2款" in level2 and "50%LEL" in level2


def test_toxic_in_ppm_against_the_gas_oel():
    # ammonia: 100 % OEL taken as 43 ppm → 一级 ≤ 43 ppm, 二级 ≤ 86 ppm
    gas_alarms.check("toxic", 43, 86, reference=43, unit="ppm")
    gas_alarms.check("toxic", 40, 80, reference=43, unit="ppm")
    errors = gas_alarms.violations("toxic", 43.01, 86.01, reference=43, unit="ppm")
    assert set(errors) == {"level1", "level2"}
    assert "（43.01 ppm）" in errors["level1"] and "100%OEL，即 43 ppm" in errors["level1"]
    assert "200%OEL，即 86 ppm" in errors["level2"] and "第5.5.2条第3款" in errors["level2"]
    assert set(gas_alarms.violations("toxic", 21.5, 43.01, basis="idlh", reference=430, unit="ppm")) == {"level2"}


@pytest.mark.parametrize("call, text", [
    (lambda: gas_alarms.setpoints("temperature"), "不在 GB/T 50493-2019"),
    (lambda: gas_alarms.setpoints("lel", "oel"), "不适用于监测类型“lel”"),
    (lambda: gas_alarms.check("lel", "abc"), "一级报警设定值“abc”不是有效的数字"),
    (lambda: gas_alarms.check("lel", 20, float("nan")), "二级报警设定值“nan”不是有效的数字"),
    (lambda: gas_alarms.check("toxic", 10, reference=0), "应大于 0"),
])
def test_bad_input_is_named(call, text):
    with pytest.raises(ValueError) as caught:
        call()
    assert text in str(caught.value)
