"""Administrative-division codes: GB/T 2260 (province/city/county, 6 digits) and the
statistical codes built on them by GB/T 10114 (township 9 digits, village 12 digits).

Pure functions: the core app calls them to validate regions; the errors are Chinese
sentences ready for a user.
"""

from dataclasses import dataclass

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = "province", "city", "county", "township", "village"
LEVELS = (PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE)
LEVEL_NAMES = {PROVINCE: "省级", CITY: "地级", COUNTY: "县级", TOWNSHIP: "乡级", VILLAGE: "村级"}
# How many leading digits of a code identify a unit of each level.
PREFIX_LENGTH = {PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12}


class DivisionCodeError(ValueError):
    """A code that is not a valid division code; str() is a Chinese sentence."""


@dataclass(frozen=True)
class DivisionCode:
    code: str  # canonical: 6 digits for province/city/county, 9 for township, 12 for village
    level: str

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]


def parse_code(raw: str) -> DivisionCode:
    """Parse a 6-, 9- or 12-digit code into its canonical form and level.

    A 12-digit statistical code with trailing zeros (512022000000) is the same unit as
    its shorter form (512022) and is folded into it.
    """
    code = (raw or "").strip()
    if not code.isdigit() or not code.isascii():
        raise DivisionCodeError(f"区划代码“{raw}”只能由数字组成。")
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    if len(code) in (6, 9, 12) and code[:2] == "00":
        raise DivisionCodeError(f"区划代码“{raw}”的省级代码不能为 00。")
    if len(code) == 6:
        if code[2:] == "0000":
            return DivisionCode(code, PROVINCE)
        if code[4:] == "00":
            return DivisionCode(code, CITY)
        return DivisionCode(code, COUNTY)
    if len(code) == 9:
        if code[4:6] == "00":
            raise DivisionCodeError(f"乡级区划代码“{raw}”的前 6 位必须是县级代码。")
        return DivisionCode(code, TOWNSHIP)
    if len(code) == 12:
        if code[4:6] == "00" or code[6:9] == "000":
            raise DivisionCodeError(f"村级区划代码“{raw}”的前 9 位必须是乡级代码。")
        return DivisionCode(code, VILLAGE)
    raise DivisionCodeError(f"区划代码“{raw}”应为 6 位（省、市、县）、9 位（乡镇街道）或 12 位（村、社区）数字。")


def check_child_code(child: DivisionCode, ancestor: DivisionCode) -> None:
    """The child's code must begin with the code of the (nearest coded) ancestor."""
    if LEVELS.index(child.level) <= LEVELS.index(ancestor.level):
        raise DivisionCodeError(
            f"{LEVEL_NAMES[child.level]}代码 {child.code} 不能隶属于{LEVEL_NAMES[ancestor.level]}单位。"
        )
    if not child.code.startswith(ancestor.prefix):
        raise DivisionCodeError(
            f"区划代码 {child.code} 与上级代码 {ancestor.code} 不符：应以 {ancestor.prefix} 开头。"
        )


def child_level(parent_level: str | None) -> str:
    """The only level a region directly under `parent_level` may have."""
    if parent_level is None:
        return PROVINCE
    index = LEVELS.index(parent_level)
    if index + 1 >= len(LEVELS):
        raise DivisionCodeError("村级区划之下不能再设下级区划。")
    return LEVELS[index + 1]
