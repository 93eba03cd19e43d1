"""GB/T 2260 and statistical division codes: levels, folding, parent prefixes, bad input."""

import pytest

from yingji.standards.divisions import (
    CITY,
    COUNTY,
    PROVINCE,
    TOWNSHIP,
    VILLAGE,
    DivisionCodeError,
    check_child_code,
    child_level,
    parse_code,
)


@pytest.mark.parametrize("raw, code, level", [
    ("510000", "510000", PROVINCE),
    ("512000", "512000", CITY),
    ("512022", "512022", COUNTY),
    ("512001", "512001", COUNTY),  # 市辖区 is a county-level code
    ("512022101", "512022101", TOWNSHIP),
    ("512022101001", "512022101001", VILLAGE),
    ("512022000000", "512022", COUNTY),  # 12-digit statistical form of a county folds to 6 digits
    ("512022101000", "512022101", TOWNSHIP),
    ("512022000", "512022", COUNTY),
    ("510000000000", "510000", PROVINCE),
    (" 512022 ", "512022", COUNTY),
])
def test_parse_code(raw, code, level):
    parsed = parse_code(raw)
    assert (parsed.code, parsed.level) == (code, level)


@pytest.mark.parametrize("raw, message", [
    ("51202A", "只能由数字组成"),
    ("５１２０２２", "只能由数字组成"),  # full-width digits are not ASCII digits
    ("", "只能由数字组成"),
    ("51202", "6 位"),
    ("5120221", "6 位"),
    ("000000", "省级代码不能为 00"),
    ("001122101", "省级代码不能为 00"),  # 9- and 12-digit codes need a real province too
    ("001122101001", "省级代码不能为 00"),
    ("512022000001", "前 9 位必须是乡级代码"),  # a village straight under a county
    ("51202210100", "6 位"),
    ("510000101", "前 6 位必须是县级代码"),
    ("512000101001", "前 9 位必须是乡级代码"),
])
def test_bad_codes_are_refused_in_chinese(raw, message):
    with pytest.raises(DivisionCodeError, match=message):
        parse_code(raw)


def test_prefix_of_each_level():
    assert parse_code("510000").prefix == "51"
    assert parse_code("512000").prefix == "5120"
    assert parse_code("512022").prefix == "512022"
    assert parse_code("512022101").prefix == "512022101"


def test_child_code_must_start_with_the_ancestor_prefix():
    check_child_code(parse_code("512022101"), parse_code("512022"))
    check_child_code(parse_code("512022101001"), parse_code("512000"))  # any coded ancestor will do
    with pytest.raises(DivisionCodeError, match="应以 512022 开头"):
        check_child_code(parse_code("512021101"), parse_code("512022"))


def test_child_cannot_be_of_the_same_or_a_higher_level():
    with pytest.raises(DivisionCodeError, match="不能隶属于"):
        check_child_code(parse_code("512021"), parse_code("512022"))
    with pytest.raises(DivisionCodeError, match="不能隶属于"):
        check_child_code(parse_code("512000"), parse_code("512022"))


def test_child_level_goes_down_one_step_and_stops_at_villages():
    assert child_level(None) == PROVINCE
    assert child_level(PROVINCE) == CITY
    assert child_level(CITY) == COUNTY
    assert child_level(COUNTY) == TOWNSHIP
    assert child_level(TOWNSHIP) == VILLAGE
    with pytest.raises(DivisionCodeError, match="村级区划之下"):
        child_level(VILLAGE)
