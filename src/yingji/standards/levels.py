"""Event levels Ⅰ–Ⅳ and warning levels 一级–四级 with their colours (red/orange/yellow/blue)."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "event_levels.csv"


@dataclass(frozen=True)
class Level:
    level: int  # 1 is the highest
    roman: str
    event_grade: str
    warning_level: str
    colour: str
    colour_en: str
    warning_degree: str


@lru_cache(maxsize=1)
def levels() -> dict[int, Level]:
    return {int(row["level"]): Level(int(row["level"]), row["roman"], row["event_grade"], row["warning_level"],
                                     row["colour"], row["colour_en"], row["warning_degree"])
            for row in read_table(DATA)}


def by_colour(colour: str) -> Level:
    """"red", "红色" or "红" → the level."""
    wanted = colour.strip().lower()
    for level in levels().values():
        if wanted in (level.colour_en, level.colour, level.colour[0]):
            return level
    raise ValueError(f"未知预警颜色“{colour}”，可选：红、橙、黄、蓝。")


def by_level(value) -> Level:
    """1–4, "Ⅰ"–"Ⅳ", "I"–"IV" or the event grade name → the level."""
    text = str(value).strip().upper()
    ascii_roman = {"I": 1, "II": 2, "III": 3, "IV": 4}
    for level in levels().values():
        if text in (str(level.level), level.roman, level.event_grade) or ascii_roman.get(text) == level.level:
            return level
    raise ValueError(f"未知事件级别“{value}”，可选：Ⅰ、Ⅱ、Ⅲ、Ⅳ（1–4）。")
