"""GB/T 38565-2020《应急物资分类及编码》: four levels, seven digits (D NN NN NN).

Level 1 (大类) is one digit: 1 基本生活保障物资, 2 应急装备及配套物资, 3 工程材料与机械加工设备;
levels 2–4 (中类, 小类, 细类) are two digits each, 01–99, with 99 the catch-all at every level.
The 大类 table is in data/gbt38565_top_classes.csv; the 中类 list of the standard was not
available (shared/reference/standards.md §5), so catalogues below 大类 are the user's own.
"""

import re
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "gbt38565_top_classes.csv"
LEVEL_LENGTHS = {1: 1, 2: 3, 3: 5, 4: 7}
LEVEL_NAMES = {1: "大类", 2: "中类", 3: "小类", 4: "细类"}
_PATTERN = re.compile(r"^[1-3](\d\d){0,3}$")


@lru_cache(maxsize=1)
def top_classes() -> dict[str, str]:
    return {row["code"]: row["name"] for row in read_table(DATA)}


def parse(code: str) -> tuple[str, int]:
    """(code, level 1–4) or ValueError with a Chinese reason."""
    code = (code or "").strip()
    if not code.isascii() or not _PATTERN.match(code):
        raise ValueError(f"物资代码“{code}”不符合 GB/T 38565：首位为大类 1～3，其后每层两位（01～99），共 1、3、5 或 7 位。")
    for start in (1, 3, 5):
        if code[start:start + 2] == "00":
            raise ValueError(f"物资代码“{code}”第 {start // 2 + 2} 层为 00：每层代码应在 01～99 之间。")
    level = {1: 1, 3: 2, 5: 3, 7: 4}[len(code)]
    return code, level


def parent_code(code: str) -> str | None:
    code, level = parse(code)
    return None if level == 1 else code[: LEVEL_LENGTHS[level - 1]]


def top_class_name(code: str) -> str:
    return top_classes()[parse(code)[0][0]]
