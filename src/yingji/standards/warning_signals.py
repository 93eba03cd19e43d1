"""Which warning levels an event allows, and its 气象灾害预警信号 template (标准 and 防御指南).

The 14 national weather-warning signals of 《气象灾害预警信号发布与传播办法》(中国气象局令第16号) each allow
only some colours (高温 黄/橙/红, 冰雹 橙/红, 霜冻 蓝/黄/橙, 霾 黄/橙, 干旱 橙/红 …). The table is
data/cma16_2007_warning_signals.csv, one row per (GB/T 35561 event code, level) the 办法 defines, with its
sources in the header. Any other event (地质灾害, 洪水 11A01, 山洪 11A51, 森林火险 11B25, 雷雨大风 11B20, …)
allows all four levels, because no national rule restricts it.

Levels are 1 红色 (一级, highest) … 4 蓝色 (四级), as in levels.py.

API:
- ``allowed_levels(event_code) -> tuple[int, ...]``: ascending, e.g. 11B09 高温 → (1, 2, 3).
- ``check_level(event_code, level) -> None``: Chinese ValueError naming the event, the colour and the allowed ones.
- ``template(event_code, level) -> (headline_pattern, instruction) | None``: the headline has a ``{sender}``
  placeholder ("{sender}发布暴雨橙色预警信号"); None where the national 防御指南 was not transcribed.
- ``criteria(event_code, level) -> str | None``: the signal's 标准 (issuing criterion) text.
- ``signal(event_code) -> Signal | None``: the whole row set of a national signal.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import event_codes
from .levels import levels
from .tables import read_table

DATA = Path(__file__).parent / "data" / "cma16_2007_warning_signals.csv"
ALL_LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class SignalLevel:
    level: int
    criteria: str
    instruction: str  # "" where the national 防御指南 was not transcribed
    instruction_source: str  # "V" two agreeing sources, "S" one source, "" none


@dataclass(frozen=True)
class Signal:
    event_code: str
    name: str  # 台风, 暴雨, … as the signal is named ("暴雨预警信号")
    levels: dict[int, SignalLevel]


@lru_cache(maxsize=1)
def signals() -> dict[str, Signal]:
    rows: dict[str, list[dict[str, str]]] = {}
    for row in read_table(DATA):
        rows.setdefault(row["event_code"], []).append(row)
    return {code: Signal(code, items[0]["signal"],
                         {int(r["level"]): SignalLevel(int(r["level"]), r["criteria"], r["instruction"],
                                                       r["instruction_source"]) for r in items})
            for code, items in rows.items()}


def _code(event_code: str) -> str:
    return event_codes.get(event_code).code  # ValueError (Chinese) for an unknown or malformed code


def signal(event_code: str) -> Signal | None:
    return signals().get(_code(event_code))


def allowed_levels(event_code: str) -> tuple[int, ...]:
    found = signal(event_code)
    return tuple(sorted(found.levels)) if found else ALL_LEVELS


def _level_name(level: int) -> str:
    item = levels()[level]
    return f"{item.colour}（{item.warning_level}）"


def check_level(event_code: str, level: int) -> None:
    """Raises a Chinese ValueError when the event does not allow that level (or the level is not 1–4)."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in ALL_LEVELS:
        raise ValueError(f"预警级别“{level}”无效：应为 1（红色）、2（橙色）、3（黄色）或 4（蓝色）。")
    allowed = allowed_levels(event_code)
    if level not in allowed:
        item = event_codes.get(event_code)
        names = "、".join(_level_name(x) for x in allowed)
        raise ValueError(f"预警级别：{item.name}（{item.code}）没有{_level_name(level)}预警，"
                         f"《气象灾害预警信号发布与传播办法》只规定了{names}。")


def criteria(event_code: str, level: int) -> str | None:
    check_level(event_code, level)
    found = signal(event_code)
    return found.levels[level].criteria if found else None


def template(event_code: str, level: int) -> tuple[str, str] | None:
    """(headline pattern with a {sender} placeholder, 防御指南) for a national signal, else None."""
    check_level(event_code, level)
    found = signal(event_code)
    if not found or not found.levels[level].instruction:
        return None
    headline = f"{{sender}}发布{found.name}{levels()[level].colour}预警信号"
    return headline, found.levels[level].instruction
