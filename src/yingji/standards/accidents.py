"""Production-safety accident grading per 国务院令第493号 (第三条, 第十条, 第十三条).

"以上" includes the number and "以下" excludes it, so each grade's lower bound is inclusive;
any one criterion (deaths, serious injuries incl. acute industrial poisoning, direct loss)
is enough. The thresholds are in data/order493_accident_grades.csv.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "order493_accident_grades.csv"
# 第十三条: casualty changes within 30 days are reported; 7 days for road-traffic and fire accidents.
CASUALTY_WINDOW_DAYS = 30
SHORT_WINDOW_DAYS = 7
SHORT_WINDOW_CLASSES = {"12H00": "道路交通事故", "12G00": "火灾事故"}


@dataclass(frozen=True)
class AccidentGrade:
    grade: str  # 特别重大事故 / 重大事故 / 较大事故 / 一般事故
    decided_by: list  # which criteria reached the grade ("死亡", "重伤", "直接经济损失")
    report_up_to: str
    investigated_by: str
    casualty_window_days: int

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _grades():
    return [
        (row["grade"], int(row["deaths_min"]), int(row["serious_injuries_min"]), Decimal(row["direct_loss_wan_min"]),
         row["report_up_to"], row["investigated_by"])
        for row in read_table(DATA)
    ]


def _number(value, name, integer=True):
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValueError(f"{name}“{value}”不是有效的数字。") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{name}不能为负数。")
    if integer and number != number.to_integral_value():
        raise ValueError(f"{name}应为整数（人）。")
    return number


def casualty_window_days(event_code: str | None) -> int:
    """30 days, or 7 for road-traffic (12H…) and fire (12G…) accidents."""
    code = (event_code or "").strip().upper()
    return SHORT_WINDOW_DAYS if code[:3] + "00" in SHORT_WINDOW_CLASSES else CASUALTY_WINDOW_DAYS


def grade_accident(deaths=0, serious_injuries=0, direct_loss_wan=0, event_code=None) -> AccidentGrade:
    """The 493号令 grade of an accident, which criteria decided it, and whom it is reported up to."""
    deaths = _number(deaths, "死亡人数")
    injuries = _number(serious_injuries, "重伤人数")
    loss = _number(direct_loss_wan, "直接经济损失（万元）", integer=False)
    for grade, d_min, s_min, loss_min, report_up_to, investigated_by in _grades():
        decided = [name for name, value, minimum in (("死亡", deaths, d_min), ("重伤", injuries, s_min),
                                                     ("直接经济损失", loss, loss_min)) if minimum and value >= minimum]
        if decided or not (d_min or s_min or loss_min):
            return AccidentGrade(grade, decided, report_up_to, investigated_by, casualty_window_days(event_code))
    raise AssertionError("the grade table must end with a grade without thresholds")
