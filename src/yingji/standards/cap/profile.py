"""GB/T 35965.1-2018 附录A value rules: sender code, identifier, Beijing time, level → CAP values, categories."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from ..levels import by_colour, levels
from ..tables import read_table

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
LEVELS_DATA = Path(__file__).parent.parent / "data" / "gbt35965_1_2018_levels.csv"

SENDER_CODE = re.compile(r"^\d{14}$")
IDENTIFIER = re.compile(r"^(\d{6})(\d{3})(\d{3})(\d{2})_(\d{14})_(\d)$")
IDENTIFIER_LENGTH = 31  # ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N

EVENT_CODE_NAME = "GB/T 35561"  # eventCode valueName carrying the 5-character event code
GEOCODE_NAME = "GB/T 2260"  # geocode valueName carrying a region's administrative code
LEVEL_PARAMETER = "预警级别"  # parameter carrying the colour ("橙色"); the national feed's own name is unverified
LANGUAGE = "zh-CN"


def _digits(value, length: int, field: str) -> str:
    text = str(value).strip()
    if len(text) != length or not text.isascii() or not text.isdigit():
        raise ValueError(f"{field}“{value}”无效：应为 {length} 位数字。")
    return text


def sender_code(region_code: str, institution: str = "000", unit: str = "000", ext: str = "00") -> str:
    """发布单位代码 ZZZZZZDDDUUUXX (附录A A.1.2), 14 digits.

    ZZZZZZ: the GB/T 2260 code of the county/city (the first 6 digits of a 9- or 12-digit 统计用区划代码);
    DDD: the institution code (GB/T 4657; "000" is only a placeholder — set the bureau's own code in settings);
    UUU: internal sub-unit, default "000"; XX: extension, default "00".
    """
    region = str(region_code).strip()
    if len(region) not in (6, 9, 12) or not region.isascii() or not region.isdigit():
        raise ValueError(f"行政区划代码“{region_code}”无效：应为 6、9 或 12 位数字（GB/T 2260 / 统计用区划代码）。")
    if region[:6] == "000000" or region[:2] == "00":
        raise ValueError(f"行政区划代码“{region_code}”无效：前 6 位不是 GB/T 2260 代码。")
    return (region[:6] + _digits(institution, 3, "发布机构代码（DDD）") + _digits(unit, 3, "内设单位代码（UUU）")
            + _digits(ext, 2, "扩展码（XX）"))


def beijing(when: datetime, field: str = "时间") -> datetime:
    if not isinstance(when, datetime):
        raise ValueError(f"{field}“{when}”无效：应为日期时间。")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{field}“{when}”缺少时区：CAP 时间必须带时区（北京时间 +08:00）。")
    return when.astimezone(BEIJING).replace(microsecond=0)


def format_time(when: datetime, field: str = "时间") -> str:
    """YYYY-MM-DDThh:mm:ss+08:00 (CAP 1.2 dateTime, Beijing time as A.1.3 requires)."""
    return beijing(when, field).strftime("%Y-%m-%dT%H:%M:%S+08:00")


def identifier(sender_code: str, when: datetime, n: int) -> str:
    """预警信息唯一标识 ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (A.1.1): entry time in Beijing time, N 0–9 for the
    same unit and second, starting from 0."""
    if not SENDER_CODE.match(str(sender_code)):
        raise ValueError(f"发布单位代码“{sender_code}”无效：应为 14 位数字（ZZZZZZDDDUUUXX）。")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 9:
        raise ValueError(f"标识序号 N“{n}”无效：同一单位同一秒内的序号只能是 0–9。")
    return f"{sender_code}_{beijing(when, '标识时间'):%Y%m%d%H%M%S}_{n}"


@dataclass(frozen=True)
class IdentifierParts:
    sender_code: str
    region_code: str
    institution: str
    unit: str
    ext: str
    when: datetime  # Beijing time
    n: int


def parse_identifier(text: str) -> IdentifierParts:
    text = str(text)
    if len(text) != IDENTIFIER_LENGTH:
        raise ValueError(f"<identifier>“{text}”无效：GB/T 35965.1 标识应为 {IDENTIFIER_LENGTH} 个字符"
                         f"（ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N），实际 {len(text)} 个。")
    match = IDENTIFIER.match(text)
    if not match:
        raise ValueError(f"<identifier>“{text}”无效：应为 14 位发布单位代码_14 位北京时间_1 位序号。")
    region, institution, unit, ext, stamp, n = match.groups()
    try:
        when = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    except ValueError:
        raise ValueError(f"<identifier>“{text}”无效：时间“{stamp}”不是有效的日期时间。") from None
    return IdentifierParts(region + institution + unit + ext, region, institution, unit, ext, when, int(n))


@dataclass(frozen=True)
class LevelProfile:
    level: int  # 1 红 … 4 蓝
    roman: str  # Ⅰ … Ⅳ
    warning_level: str  # 一级 … 四级
    colour: str  # 红色 …
    colour_en: str  # red …
    urgency: str
    severity: str
    certainty: str


@lru_cache(maxsize=1)
def _profiles() -> dict[int, LevelProfile]:
    return {int(r["level"]): LevelProfile(int(r["level"]), r["roman"], r["warning_level"], r["colour"],
                                          r["colour_en"], r["urgency"], r["severity"], r["certainty"])
            for r in read_table(LEVELS_DATA)}


def level_profile(level: int) -> LevelProfile:
    if isinstance(level, bool) or level not in _profiles():
        raise ValueError(f"预警级别“{level}”无效：应为 1（红色/一级）、2（橙色/二级）、3（黄色/三级）或 4（蓝色/四级）。")
    return _profiles()[level]


def level_from_colour(text: str) -> int:
    """"橙色", "橙" or "orange" → 2 (ValueError in Chinese otherwise)."""
    return by_colour(text).level


def level_from_severity(severity: str) -> int | None:
    """Extreme → 1 … Minor → 4 (the mapping above); None for Unknown: an import without the level parameter."""
    return next((p.level for p in _profiles().values() if p.severity == severity), None)


# CAP <category> by GB/T 35561 类 (or 大类 as a fallback), for drafting; the sender may override it.
_CATEGORIES = {
    "11A": "Met", "11B": "Met", "11C": "Geo", "11D": "Geo", "11E": "Met", "11F": "Env", "11G": "Fire",
    "12D": "CBRNE", "12E": "Safety", "12G": "Fire", "12H": "Transport", "12J": "Transport", "12K": "Transport",
    "12L": "Transport", "12M": "Transport", "12P": "Infra", "12Q": "Env", "12T": "CBRNE", "12U": "Infra",
    "11": "Other", "12": "Safety", "13": "Health", "14": "Security",
}
_SPECIAL = {"11B25": "Fire"}  # 森林火险


def category_for(event_code: str) -> str:
    code = str(event_code).strip().upper()
    return _SPECIAL.get(code) or _CATEGORIES.get(code[:3]) or _CATEGORIES.get(code[:2], "Other")


def colour_names() -> dict[int, str]:
    return {level: item.colour for level, item in levels().items()}
