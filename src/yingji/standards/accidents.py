"""Production-safety accidents per 国务院令第493号: scope (第二条), grades (第三条), whom to notify (第十条),
casualty window (第十三条).

Scope: the regulation covers 生产安全事故 arising in 生产经营活动 and excludes 环境污染事故、核设施事故、国防科研
生产事故. Whether an event arose in 生产经营活动 is asked at intake, pre-filled by event class from
data/order493_scope.csv; events outside the scope are graded by the matching emergency plan instead.

Grades: "以上" includes the number and "以下" excludes it, so each grade's lower bound is inclusive;
any one criterion (deaths incl. 下落不明, serious injuries incl. acute industrial poisoning, direct loss)
is enough. The thresholds are in data/order493_accident_grades.csv.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "order493_accident_grades.csv"
SCOPE_DATA = Path(__file__).parent / "data" / "order493_scope.csv"
PARTIES_DATA = Path(__file__).parent / "data" / "order493_article10_parties.csv"
# Answers to "是否在生产经营活动中发生" (Incident.production_activity).
YES, NO, UNKNOWN, DEFENCE = "yes", "no", "unknown", "defence"
ANSWERS = {YES: "是", NO: "否", UNKNOWN: "待核实", DEFENCE: "国防科研生产"}
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


def grade_accident(deaths=0, serious_injuries=0, direct_loss_wan=0, event_code=None, missing=0) -> AccidentGrade:
    """The 493号令 grade of an accident, which criteria decided it, and whom it is reported up to.

    下落不明 count with deaths (第十二条 "伤亡人数（包括下落不明的人数）"; the 统计报表制度 counts 死亡和失踪
    together). A code that 第二条 excludes (环境污染、核设施) is refused: it is never graded here."""
    deaths = _number(deaths, "死亡人数") + _number(missing, "下落不明人数")
    injuries = _number(serious_injuries, "重伤人数")
    loss = _number(direct_loss_wan, "直接经济损失（万元）", integer=False)
    if event_code and excluded_as(event_code):
        raise ValueError(order493_scope(event_code).reason)
    death_label = "死亡（含下落不明）" if _number(missing, "下落不明人数") else "死亡"
    for grade, d_min, s_min, loss_min, report_up_to, investigated_by in _grades():
        decided = [name for name, value, minimum in ((death_label, deaths, d_min), ("重伤", injuries, s_min),
                                                     ("直接经济损失", loss, loss_min)) if minimum and value >= minimum]
        if decided or not (d_min or s_min or loss_min):
            return AccidentGrade(grade, decided, report_up_to, investigated_by, casualty_window_days(event_code))
    raise AssertionError("the grade table must end with a grade without thresholds")


# --- 第二条: scope -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    applies: bool  # graded and reported under 493号令
    provisional: bool  # applies only until 是否生产经营活动 is verified (answer 待核实)
    answer: str  # yes / no / unknown / defence
    reason: str  # why, in Chinese, citing the article

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _scope_rows() -> dict:
    return {row["code"]: row for row in read_table(SCOPE_DATA)}


def _scope_row(event_code) -> dict:
    """The row of the 细类, else of its 类, else of its 大类 (data/order493_scope.csv)."""
    code = (event_code or "").strip().upper()
    for key in (code, code[:3] + "00", code[:2] + "000"):
        if key in _scope_rows():
            return _scope_rows()[key]
    return {"production_activity": UNKNOWN, "excluded_as": "", "basis": ""}


def production_default(event_code) -> str:
    """The pre-filled answer to "是否在生产经营活动中发生" for an event class: yes, no or unknown."""
    return _scope_row(event_code)["production_activity"]


def production_defaults() -> dict[str, str]:
    """{code: yes/no/unknown} as the table gives them (细类, 类 and 大类 rows), for a form to pre-fill from."""
    return {code: row["production_activity"] for code, row in _scope_rows().items()}


def excluded_as(event_code) -> str:
    """"环境污染事故" / "核设施事故" … when 第二条 excludes the class whatever the answer, else ""."""
    return _scope_row(event_code)["excluded_as"]


def _is_accident_class(event_code) -> bool:
    return (event_code or "").strip().upper().startswith("12")  # GB/T 35561 大类 12000 事故灾难


def order493_scope(event_code, production_activity=None) -> Scope:
    """Whether 493号令 applies to an event of this class with this answer (None: the class's default)."""
    answer = production_activity or production_default(event_code)
    if answer not in ANSWERS:
        raise ValueError(f"是否生产经营活动中发生：“{answer}”不是有效选项（可选：{'、'.join(ANSWERS.values())}）。")
    row = _scope_row(event_code)
    plan = "，按相应应急预案的分级标准定级"
    if row["excluded_as"]:
        basis = f"（{row['basis']}）" if row["basis"] else ""
        return Scope(False, False, answer, f"属{row['excluded_as']}，493号令第二条规定不适用本条例{plan}{basis}")
    if answer == DEFENCE:
        return Scope(False, False, answer, f"国防科研生产事故，493号令第二条规定不适用本条例{plan}")
    if answer == NO:
        return Scope(False, False, answer, f"非生产经营活动中发生，不属493号令第二条所称生产安全事故{plan}")
    if answer == YES:
        return Scope(True, False, answer, "生产经营活动中发生的生产安全事故，按493号令第三条定级")
    if _is_accident_class(event_code):
        return Scope(True, True, answer, "是否在生产经营活动中发生待核实，暂按493号令第三条定级上报（第四条：不得漏报）")
    return Scope(False, False, answer, f"非事故灾难类事件，不按493号令（第二条）{plan}")


# --- 第十条: whom the bureau notifies and reports to -------------------------------------------------------

@dataclass(frozen=True)
class Article10Party:
    key: str  # government / police / labour / union / procuratorate
    role: str  # as the article names it: 公安机关 …
    duty: str  # 报告 (本级人民政府) or 通知
    name: str  # the body of the jurisdiction: 乐至县公安局 (the role when no jurisdiction is given)

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _party_rows() -> list:
    return read_table(PARTIES_DATA)


def article10_parties(jurisdiction: str = "") -> list[Article10Party]:
    """Who the 安全生产监督管理部门 receiving an accident report notifies (公安机关、劳动保障行政部门、工会、
    人民检察院) and reports to (本级人民政府), per 第十条, named after `jurisdiction` ("乐至县" → 乐至县公安局),
    in the order a 公文 lists them under 抄送."""
    jurisdiction = (jurisdiction or "").strip()
    return [Article10Party(row["key"], row["role"], row["duty"],
                           jurisdiction + row["suffix"] if jurisdiction else row["role"]) for row in _party_rows()]
