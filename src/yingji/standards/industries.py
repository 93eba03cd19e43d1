"""Industries per GB/T 4754-2017 国民经济行业分类 at 门类 and 大类 level (data/gbt4754_2017_divisions.csv)."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "gbt4754_2017_divisions.csv"


@dataclass(frozen=True)
class Division:
    code: str  # "26"
    name: str  # 化学原料和化学制品制造业
    section: str  # "C"
    section_name: str  # 制造业

    @property
    def label(self) -> str:
        return f"{self.section}{self.code} {self.name}"


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    return {r["division"]: Division(r["division"], r["division_name"], r["section"], r["section_name"])
            for r in read_table(DATA)}


def sections() -> dict[str, str]:
    return {d.section: d.section_name for d in divisions().values()}


def get(code: str) -> Division:
    """"26", "C26" or "c 26" → its 大类; a clear Chinese error otherwise."""
    key = str(code or "").replace(" ", "").upper()
    if key[:1].isalpha():
        section, key = key[0], key[1:]
    else:
        section = None
    division = divisions().get(key)
    if division is None or (section and division.section != section):
        raise ValueError(f"“{code}”不是GB/T 4754-2017的行业大类代码（两位数字，如 26 化学原料和化学制品制造业）。")
    return division


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a form select: 门类 → its 大类."""
    grouped: dict[str, list] = {}
    for d in divisions().values():
        grouped.setdefault(f"{d.section} {d.section_name}", []).append((d.code, f"{d.code} {d.name}"))
    return list(grouped.items())
