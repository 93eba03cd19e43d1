"""统一社会信用代码 (GB 32100-2015) check character and GB/T 4754-2017 industry divisions."""

import pytest

from yingji.standards import credit_code, industries

GB32100_EXAMPLE = "91350100M000100Y43"  # the standard's own example


def test_the_standards_example_is_valid_and_normalised():
    assert credit_code.WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert credit_code.normalise(" 9135 0100m000 100y43 ") == GB32100_EXAMPLE


@pytest.mark.parametrize("first17", ["91510000MA62X0000", "12512022000000000", "52512022MJQ000000"])
def test_every_computed_check_character_validates_and_every_other_is_refused(first17):
    right = credit_code.check_character(first17)
    assert credit_code.normalise(first17 + right) == first17 + right
    for wrong in set(credit_code.CHARSET) - {right}:
        with pytest.raises(ValueError, match=f"校验位错误：按前17位应为“{right}”"):
            credit_code.normalise(first17 + wrong)


def test_check_character_zero_when_the_sum_is_a_multiple_of_31():
    assert credit_code.check_character("0" * 17) == "0"


@pytest.mark.parametrize("code, message", [
    ("9135010OM000100Y43", "不能含有字符：O"), ("91350100M000100Y4", "应为18位，收到 17 位"),
    ("91AB0100M000100Y43", "行政区划代码"), ("", "应为18位，收到 0 位"),
])
def test_malformed_codes_are_refused_with_the_reason(code, message):
    with pytest.raises(ValueError, match=message):
        credit_code.normalise(code)


def test_industries_have_20_sections_and_97_divisions():
    assert len(industries.sections()) == 20 and len(industries.divisions()) == 97
    assert [d.code for d in industries.divisions().values()] == [f"{n:02d}" for n in range(1, 98)]
    chem = industries.get("C26")
    assert chem.label == "C26 化学原料和化学制品制造业" and chem.section_name == "制造业"
    assert industries.get("06").name == "煤炭开采和洗选业" and industries.get("b 07").section == "B"


@pytest.mark.parametrize("code", ["98", "A26", "xx", ""])
def test_unknown_industry_codes_are_refused(code):
    with pytest.raises(ValueError, match="不是GB/T 4754-2017的行业大类代码"):
        industries.get(code)
