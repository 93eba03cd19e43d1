"""GB/T 35561-2017 event classification: five-character codes, 大类 → 类 → 细类.

Code structure: "1" (突发事件) + 大类 digit (1 自然灾害, 2 事故灾难, 3 公共卫生, 4 社会安全)
+ 类 letter (A…, I and O skipped, Y = 其他) + two digits for the 细类 ("00" = the class itself,
"99" = 其他). A 大类 is "1x000". The table lives in data/gbt35561_event_classes.csv, in source
order (each 类 followed by its 细类); its header says where it comes from and what was corrected, and its
`source` column marks the few 细类 that only the national warning feeds carry (11B19 霾 …).

Rescue capabilities are expressed at the 类 level (`classes()`); incidents and warnings may carry
a 细类 (e.g. 11B03 暴雨事件), which `covers()` matches against its 类 and 大类.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "gbt35561_event_classes.csv"
CODE_PATTERN = re.compile(r"^1[1-4](000|[A-HJ-NP-Y]\d\d)$")

TOP, CLASS, DETAIL = "大类", "类", "细类"
ACCIDENT_TOP_CODE = "12000"  # 事故灾难: graded per 国务院令第493号


@dataclass(frozen=True)
class EventClass:
    code: str
    name: str
    source: str = "dump"  # "dump" (the national table as found) or "warning-feed" (codes only the warning feeds carry)

    @property
    def is_top(self) -> bool:
        return self.code[2:] == "000"

    @property
    def is_detail(self) -> bool:
        return not self.is_top and self.code[3:] != "00"

    @property
    def level(self) -> str:
        """One of "大类", "类", "细类"."""
        return TOP if self.is_top else DETAIL if self.is_detail else CLASS

    @property
    def top_code(self) -> str:
        return self.code[:2] + "000"

    @property
    def class_code(self) -> str:
        """The 类 this code belongs to (itself for a 类 or a 大类, e.g. 11B03 → 11B00)."""
        return self.code if self.is_top else self.code[:3] + "00"

    @property
    def parent_code(self) -> str | None:
        """细类 → its 类, 类 → its 大类, 大类 → None."""
        if self.is_top:
            return None
        return self.class_code if self.is_detail else self.top_code


@lru_cache(maxsize=1)
def table() -> dict[str, EventClass]:
    return {row["code"]: EventClass(row["code"], row["name"], row["source"]) for row in read_table(DATA)}


@lru_cache(maxsize=1)
def initials() -> dict[str, str]:
    """Pinyin initials of every name, by code (森林火灾 → "slhz"): what a duty officer types to find a class
    in the event-type picker. Computed once per process (pypinyin's phrase table reads 重大 as zhòng dà)."""
    from pypinyin import Style, lazy_pinyin

    def letters(name: str) -> str:
        return "".join(ch for part in lazy_pinyin(name, style=Style.FIRST_LETTER) for ch in part.lower()
                       if "a" <= ch <= "z")

    return {code: letters(item.name) for code, item in table().items()}


def top_classes() -> list[EventClass]:
    return [c for c in table().values() if c.is_top]


def classes() -> list[EventClass]:
    """The 类 level (e.g. 12G00 火灾事故), what rescue capabilities are expressed in; no 细类."""
    return [c for c in table().values() if c.level == CLASS]


def details() -> list[EventClass]:
    """The 细类 level (e.g. 11B03 暴雨事件), in table order."""
    return [c for c in table().values() if c.is_detail]


def _normalise(code) -> str:
    return (code or "").strip().upper()


def get(code: str) -> EventClass:
    code = _normalise(code)
    if code not in table():
        if not CODE_PATTERN.match(code):
            raise ValueError(f"“{code}”不是 GB/T 35561 事件代码（5 位，如 12G00 火灾事故）。")
        raise ValueError(f"事件代码“{code}”不在分类表中。")
    return table()[code]


def parent(code: str) -> EventClass | None:
    """The 类 of a 细类, the 大类 of a 类, None for a 大类. Raises ValueError for an unknown code."""
    parent_code = get(code).parent_code
    return table()[parent_code] if parent_code else None


def children(code: str) -> list[EventClass]:
    """Direct children in table order: the 类 of a 大类, the 细类 of a 类, none for a 细类."""
    code = get(code).code
    return [c for c in table().values() if c.parent_code == code]


def path(code: str) -> list[EventClass]:
    """From the 大类 down to the code itself, e.g. 11B03 → [11000 自然灾害, 11B00 气象灾害, 11B03 暴雨事件]."""
    node: EventClass | None = get(code)
    chain = []
    while node is not None:
        chain.append(node)
        node = table()[node.parent_code] if node.parent_code else None
    return chain[::-1]


def is_accident(code: str | None) -> bool:
    """Whether an event code is a 事故灾难 (12000 or below it), the events 国务院令第493号 grades.

    A blank code is not an accident; a code that is not in the table raises ValueError.
    """
    if not _normalise(code):
        return False
    return get(code).top_code == ACCIDENT_TOP_CODE


def covers(capabilities, event_code: str) -> bool:
    """Whether a list of codes covers an event code: the code itself, its 类 or its whole 大类 is listed.

    The event code may be at any level (a 细类 such as 12G03 is covered by 12G00 or 12000).
    """
    code = _normalise(event_code)
    if len(code) != 5:
        return False
    wanted = {code, code[:3] + "00", code[:2] + "000"}
    return any(c in wanted for c in capabilities)


def search(text: str) -> list[EventClass]:
    """Classes at every level whose name, code or pinyin initials match, best first.

    Rank: exact name or code (case-insensitive), then name or code prefix, then name containing
    the text, then pinyin initials (latin letters only: "slhz" → 森林火灾) starting with, then (from three
    letters on) containing the text; ties keep table order (so a 类 comes before its 细类).
    """
    text = (text or "").strip()
    if not text:
        return []
    upper, lower = text.upper(), text.lower()
    letters = lower.isascii() and lower.isalpha()
    ranked = []
    for index, item in enumerate(table().values()):
        if item.name == text or item.code == upper:
            rank = 0
        elif item.name.startswith(text) or item.code.startswith(upper):
            rank = 1
        elif text in item.name:
            rank = 2
        elif letters and initials()[item.code].startswith(lower):
            rank = 3
        elif letters and len(lower) >= 3 and lower in initials()[item.code]:  # "by" inside names: noise
            rank = 4
        else:
            continue
        ranked.append((rank, index, item))
    return [item for _, _, item in sorted(ranked, key=lambda entry: entry[:2])]
