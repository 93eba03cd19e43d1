"""GB/T 35561-2017 event classification: five-character codes, 大类 → 类 (→ 细类).

Code structure: "1" (突发事件) + 大类 digit (1 自然灾害, 2 事故灾难, 3 公共卫生, 4 社会安全)
+ 类 letter (A…, I and O skipped, Y = 其他) + two digits for the 细类 ("00" = the class itself).
The table lives in data/gbt35561_event_classes.csv.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "gbt35561_event_classes.csv"
CODE_PATTERN = re.compile(r"^1[1-4](0|[A-HJ-NP-Y])\d\d$")


@dataclass(frozen=True)
class EventClass:
    code: str
    name: str

    @property
    def is_top(self) -> bool:
        return self.code[2:] == "000"

    @property
    def top_code(self) -> str:
        return self.code[:2] + "000"

    @property
    def class_code(self) -> str:
        """The 类 this code belongs to (itself for a 类, e.g. 11B03 → 11B00)."""
        return self.code if self.is_top else self.code[:3] + "00"


@lru_cache(maxsize=1)
def table() -> dict[str, EventClass]:
    return {row["code"]: EventClass(row["code"], row["name"]) for row in read_table(DATA)}


def top_classes() -> list[EventClass]:
    return [c for c in table().values() if c.is_top]


def classes() -> list[EventClass]:
    """The 类 level (e.g. 12G00 火灾事故), what rescue capabilities are expressed in."""
    return [c for c in table().values() if not c.is_top]


def get(code: str) -> EventClass:
    code = (code or "").strip().upper()
    if code not in table():
        if not CODE_PATTERN.match(code):
            raise ValueError(f"“{code}”不是 GB/T 35561 事件代码（5 位，如 12G00 火灾事故）。")
        raise ValueError(f"事件代码“{code}”不在分类表中。")
    return table()[code]


def covers(capabilities, event_code: str) -> bool:
    """Whether a list of class codes covers an event code (its 类 or its whole 大类 is listed)."""
    code = (event_code or "").strip().upper()
    if len(code) != 5:
        return False
    wanted = {code, code[:3] + "00", code[:2] + "000"}
    return any(c in wanted for c in capabilities)


def search(text: str) -> list[EventClass]:
    return [c for c in table().values() if text and text in c.name]
