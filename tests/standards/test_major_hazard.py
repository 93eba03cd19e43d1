"""GB 18218-2018 identification and grading at every boundary of its tables (以上含本数), and the CLI."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from yingji.standards import major_hazard as gb18218
from yingji.standards.tables import read_table

YINGJI = str(Path(sys.executable).parent / "yingji")


def one(name, tonnes, people=0, categories=()):
    return gb18218.assess([(gb18218.substance(name, categories), tonnes)], people)


def test_table1_has_the_85_rows_and_their_q():
    rows = read_table(gb18218.DATA / "gb18218_2018_table1.csv")
    assert [int(r["no"]) for r in rows] == list(range(1, 86))
    q = {r["name"]: Decimal(r["critical_t"]) for r in rows}
    assert q["碳酰氯"] == Decimal("0.3") and q["异氰酸甲酯"] == Decimal("0.75") and q["硝酸钾"] == 1000
    assert q["氧(压缩的或液化的)"] == 200 and q["硝酸胍"] == 50  # the 2018 edition's additions
    assert [q[n] for n in q if n.startswith("硝酸铵")] == [5, 50, 200]


def test_every_table1_row_has_a_beta():
    for name in gb18218.table1_names():
        sub = gb18218.substance(name)
        assert sub.beta in {Decimal(b) for b in ("1", "1.5", "2", "3", "4", "5", "10", "20")}, name


@pytest.mark.parametrize("key", ["氯", "液氯", "氯气", "7782-50-5"])
def test_a_table1_chemical_by_name_alias_or_cas(key):
    sub = gb18218.substance(key)
    assert (sub.name, sub.critical_t, sub.beta, sub.q_source, sub.beta_source) == ("氯", 5, 4, "表1 第12项", "表3")


def test_identification_boundary_s_just_below_and_at_one():
    assert not one("氯", "4.999").major and one("氯", "4.999").S == Decimal("0.9998")
    at = one("氯", 5)
    assert at.major and at.S == 1  # q = Q counts
    # Several chemicals: S = Σ q/Q; 2.5/5 + 25/50 = 1 exactly.
    both = gb18218.assess([(gb18218.substance("氯"), "2.5"), (gb18218.substance("液化石油气"), 25)])
    assert both.S == 1 and both.major
    below = gb18218.assess([(gb18218.substance("氯"), "2.5"), (gb18218.substance("液化石油气"), "24.99")])
    assert not below.major and below.R is None and below.level is None


@pytest.mark.parametrize("people, alpha", [(0, "0.5"), (1, "1.0"), (29, "1.0"), (30, "1.2"), (49, "1.2"),
                                           (50, "1.5"), (99, "1.5"), (100, "2.0"), (5000, "2.0")])
def test_alpha_bands_of_table5(people, alpha):
    assert gb18218.alpha(people) == Decimal(alpha)
    assert one("氯", 5, people).alpha == Decimal(alpha)


@pytest.mark.parametrize("r, level", [("100", "一级"), ("99.999", "二级"), ("50", "二级"), ("49.999", "三级"),
                                      ("10", "三级"), ("9.999", "四级"), ("2", "四级")])
def test_level_boundaries_of_table6(r, level):
    assert gb18218.level(Decimal(r)) == level


@pytest.mark.parametrize("tonnes, people, r, level", [
    # 氯 (Q 5, β 4): R = α · 4 · q/5.
    (125, 100, 200, "一级"), (62.5, 100, 100, "一级"), (62.4, 100, "99.84", "二级"), (62.5, 50, 75, "二级"),
    (62.5, 30, 60, "二级"), (52.5, 30, "50.4", "二级"), (52, 30, "49.92", "三级"), (12.5, 1, 10, "三级"),
    (12.49, 1, "9.992", "四级"), (5, 0, 2, "四级"),
])
def test_grading_r_and_level(tonnes, people, r, level):
    result = one("氯", Decimal(str(tonnes)), people)
    assert result.R == Decimal(str(r)) and result.level == level


def test_table2_category_and_lowest_q_for_several_hazards():
    sub = gb18218.substance("W5.1")
    assert (sub.critical_t, sub.beta, sub.q_source) == (10, Decimal("1.5"), "表2 W5.1")
    # A toxic, flammable liquid not in 表1: the lowest Q (J2, 50 t) and that category's β.
    sub = gb18218.substance("某农药中间体", ["W5.3", "J2"])
    assert (sub.critical_t, sub.beta, sub.q_source, sub.beta_source) == (50, 1, "表2 J2", "表4 J2")
    # 一氧化碳 is not in 表1 but is a 表3 gas: Q from its category, β = 2 from 表3.
    co = gb18218.substance("一氧化碳", ["W2"])
    assert (co.critical_t, co.beta, co.beta_source) == (10, 2, "表3")


def test_betas_from_table4_for_table1_rows_not_in_table3():
    assert gb18218.substance("液化石油气").beta == Decimal("1.5")  # W2
    assert gb18218.substance("2,4,6-三硝基甲苯").beta == 2  # W1.1
    assert gb18218.substance("甲醇").beta == 1  # W5.3
    assert gb18218.substance("甲醇", ["W5.1"]).beta == Decimal("1.5")  # declared above its boiling point


def test_a_worked_storage_unit():
    # LPG 100 t + 氯 5 t, 100 people: S = 2 + 1 = 3; R = 2 · (1.5·2 + 4·1) = 14 → 三级.
    result = gb18218.assess([(gb18218.substance("液化石油气"), 100), (gb18218.substance("氯"), 5)], 100)
    assert (result.S, result.R, result.level) == (3, 14, "三级")
    assert [(line.ratio, line.weighted) for line in result.lines] == [(2, 3), (1, 4)]


@pytest.mark.parametrize("name, message", [
    ("氯汽", "是否是：氯"), ("苯甲酸", "不在GB 18218-2018表1中"), ("硝化纤维素", "请写明具体条目"),
])
def test_unknown_or_ambiguous_names_suggest_table1_rows(name, message):
    with pytest.raises(ValueError, match=message):
        gb18218.substance(name)


@pytest.mark.parametrize("tonnes, message", [("-1", "不能为负数"), ("abc", "不是有效的数字"), ("1e9", "超出合理范围"),
                                             ("NaN", "不能为负数|不是有效的数字")])
def test_bad_quantities_are_refused(tonnes, message):
    with pytest.raises(ValueError, match=message):
        one("氯", tonnes)


@pytest.mark.parametrize("people", ["-1", "2.5", "x"])
def test_bad_population_is_refused(people):
    with pytest.raises(ValueError, match="暴露人数"):
        one("氯", 5, people)


def test_unknown_category_is_refused():
    with pytest.raises(ValueError, match="未知的危险性类别：W99"):
        gb18218.substance("某物质", ["W99"])


def cli(*args):
    return subprocess.run([YINGJI, "standards", "major-hazard", *args], capture_output=True, text=True)


def test_cli_major_hazard_json():
    out = cli("--item", "氯:5", "--item", "液化石油气:100", "--population", "100", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"S": 3.0, "major": True, "R": 14.0, "level": "三级", "alpha": 2.0}
    below = json.loads(cli("--item", "W5.1:9.99", "--json").stdout)
    assert below == {"S": 0.999, "major": False}
    text = cli("--item", "丁酮/W5.3:2000", "--population", "0").stdout
    assert "Q = 1000 t（表2 W5.3）" in text and "α = 0.5（厂外500米内 0 人），R = 1.0000，四级重大危险源" in text


def test_cli_refuses_bad_items_with_a_chinese_message():
    bad = cli("--item", "氯汽:5", "--json")
    assert bad.returncode == 1 and "是否是：氯" in bad.stderr
    assert "应写成 名称或类别:吨数" in cli("--item", "氯").stderr


def test_many_units_at_once_agree_with_one_by_one_including_boundaries():
    import numpy as np

    rng = np.random.default_rng(7)
    names = gb18218.table1_names()
    subs = [gb18218.substance(n) for n in names]
    units, lines = 400, 6
    pick = rng.integers(0, len(subs), size=(units, lines))
    critical = np.array([[float(subs[k].critical_t) for k in row] for row in pick])
    beta = np.array([[float(subs[k].beta) for k in row] for row in pick])
    tonnes = np.round(critical * rng.uniform(0, 0.6, size=(units, lines)), 3)
    tonnes[:, 3:] = 0  # three lines in use
    people = rng.integers(0, 150, size=units)
    # Boundary units: q = Q exactly; 0.1/0.3 + 0.2/0.3 (floats sum below 1); R = 100 and R = 50 exactly.
    tonnes[0, :3], critical[0, :3] = (5, 0, 0), (5, 1, 1)
    tonnes[1, :3], critical[1, :3], beta[1, :3] = (0.1, 0.2, 0), (0.3, 0.3, 1), (1, 1, 1)
    tonnes[2, :3], critical[2, :3], beta[2, :3], people[2] = (62.5, 0, 0), (5, 1, 1), (4, 1, 1), 100
    tonnes[3, :3], critical[3, :3], beta[3, :3], people[3] = (62.5, 0, 0), (5, 1, 1), (4, 1, 1), 50
    batch = gb18218.assess_many(tonnes, critical, beta, people)
    for i in range(units):
        items = [(gb18218.Substance("", gb18218._dec(critical[i, j]), gb18218._dec(beta[i, j]), "", ""),
                  gb18218._dec(tonnes[i, j])) for j in range(lines) if tonnes[i, j]]
        one = gb18218.assess(items, int(people[i]))
        assert bool(batch.major[i]) == one.major, i
        if one.major:
            assert gb18218.LEVEL_NAMES[batch.level[i] - 1] == one.level, i
            assert batch.R[i] == pytest.approx(float(one.R), rel=1e-12)
    assert list(batch.level[:4]) == [4, 4, 1, 2] and batch.major[1]
