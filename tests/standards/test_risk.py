"""Risk points in four colours: LEC and LS at their band boundaries, bad scores named, the CLI."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from yingji.standards import risk

YINGJI = str(Path(sys.executable).parent / "yingji")


@pytest.mark.parametrize("score, colour, level, control", [
    ("320.1", "红", "重大风险", "公司级"), ("320", "橙", "较大风险", "车间级"), ("160.1", "橙", "较大风险", "车间级"),
    ("160", "黄", "一般风险", "班组级"), ("70.1", "黄", "一般风险", "班组级"), ("70", "蓝", "低风险", "岗位级"),
    ("0.05", "蓝", "低风险", "岗位级"),
])
def test_lec_bands_are_exclusive_at_their_lower_end(score, colour, level, control):
    band = risk._band("lec", Decimal(score))
    assert (band.colour, band.level, band.control_level) == (colour, level, control)


@pytest.mark.parametrize("likelihood, exposure, consequence, d, colour", [
    ("10", "6", "40", 2400, "红"), ("6", "6", "15", 540, "红"), ("3", "6", "15", 270, "橙"), ("3", "6", "7", 126, "黄"),
    ("1", "6", "15", 90, "黄"), ("3", "3", "7", 63, "蓝"), ("0.1", "0.5", "1", "0.05", "蓝"),
])
def test_lec_scores(likelihood, exposure, consequence, d, colour):
    result = risk.lec(likelihood, exposure, consequence)
    assert result.score == Decimal(str(d)) and result.band.colour == colour


def test_lec_refuses_scores_not_in_the_tables_naming_each():
    with pytest.raises(ValueError) as caught:
        risk.lec("5", "6", "abc")
    message = str(caught.value)
    assert "事故发生的可能性 L的分值 5 不在LEC取值表中" in message and "10（完全可以预料）" in message
    assert "发生事故可能造成的后果 C“abc”不是有效的数字" in message


@pytest.mark.parametrize("likelihood, severity, colour", [(5, 5, "红"), (4, 5, "红"), (4, 4, "橙"), (3, 5, "橙"), (3, 4, "黄"),
                                          (3, 3, "黄"), (2, 4, "蓝"), (1, 1, "蓝")])
def test_ls_matrix_bands_include_their_lower_bound(likelihood, severity, colour):
    assert risk.ls(likelihood, severity).band.colour == colour


@pytest.mark.parametrize("likelihood, severity", [(0, 3), (6, 1), ("2.5", 2), ("x", 1)])
def test_ls_refuses_scores_outside_one_to_five(likelihood, severity):
    with pytest.raises(ValueError, match="可能性 L"):
        risk.ls(likelihood, severity)


def test_bands_may_be_set_by_a_bureau():
    strict = [risk.Band("lec", Decimal(bound), grade, level, colour, "#000", "", "")
              for bound, grade, level, colour in ((160, 1, "重大风险", "红"), (70, 2, "较大风险", "橙"),
                                                 (20, 3, "一般风险", "黄"), (-1, 4, "低风险", "蓝"))]
    assert risk.lec("3", "6", "15", bands=strict).band.colour == "红"  # 270 is red under the stricter scheme


def test_cli_lec():
    out = subprocess.run([YINGJI, "standards", "lec", "--l", "3", "--e", "6", "--c", "15", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"D": 270.0, "level": "较大风险", "grade": 2, "colour": "橙",
                                      "colour_code": "#f28c28", "control_level": "车间级"}
    bad = subprocess.run([YINGJI, "standards", "lec", "--l", "4", "--e", "6", "--c", "15"], capture_output=True,
                         text=True)
    assert bad.returncode == 1 and "不在LEC取值表中" in bad.stderr
