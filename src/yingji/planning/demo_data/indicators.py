"""Demo data of plan indicators: 乐至's six 主要指标 of seed 002 transcribed exactly
(data/lezhi_14th_five_year_indicators.csv), and demo denominators for 乐至县 and its townships 2020–2025
(data/demo_lezhi_denominators.csv, marked as demo values) so that the computed figures show."""

from decimal import Decimal
from pathlib import Path

from yingji.core.models import Region
from yingji.standards.tables import read_table

from ..models import Indicator, RegionYearStat
from ..services import indicators as services

DATA = Path(__file__).resolve().parent.parent / "data"
SEED_TABLE = DATA / "lezhi_14th_five_year_indicators.csv"
DEMO_DENOMINATORS = DATA / "demo_lezhi_denominators.csv"
PLAN = "乐至县“十四五”应急体系规划"
SOURCE = "乐至县“十四五”应急体系规划 · 乐至县十四五应急体系规划主要指标（种子 002）"
DEMO_SOURCE = "演示数据（非统计部门公布值）"


def _optional(value, kind=int):
    return kind(value) if value not in (None, "") else None


def seed_rows() -> list[dict]:
    return read_table(SEED_TABLE)


def load_indicators(county: Region) -> int:
    for row in seed_rows():
        data = {
            "region": county, "plan": PLAN, "number": int(row["number"]), "code": row["code"],
            "name": row["printed_name"], "unit": row["unit"], "formula": row["formula"],
            "annual_average": row["annual_average"] == "1", "period_start": int(row["period_start"]),
            "baseline_year": _optional(row["baseline_year"]), "baseline_value": _optional(row["baseline_value"], Decimal),
            "target_kind": row["target_kind"], "target_value": Decimal(row["target_value"]),
            "target_year": int(row["target_year"]), "attribute": row["printed_attribute"],
            "responsible_units": row["responsible_units"], "source": SOURCE, "is_demo": True,
        }
        existing = Indicator.objects.filter(region=county, plan=PLAN, code=row["code"]).first()
        services.save_indicator(None, existing or Indicator(), data)
    return len(seed_rows())


def load_denominators() -> int:
    regions = {r.code: r for r in Region.objects.filter(code__startswith="512022")}
    rows = read_table(DEMO_DENOMINATORS)
    for row in rows:
        services.upsert_year_stat(None, {
            "region": regions[row["region_code"]], "year": int(row["year"]),
            "population": _optional(row["population"]), "gdp_yi": _optional(row["gdp_yi"], Decimal),
            "industrial_employees": _optional(row["industrial_employees"]), "source": DEMO_SOURCE, "is_demo": True})
    return len(rows)


def load(log):
    county = Region.objects.filter(code="512022").first()
    if county is None:
        log("规划指标：没有乐至县区划，跳过")
        return
    indicators = load_indicators(county)
    stats = load_denominators()
    log(f"规划指标 {indicators} 项（乐至县“十四五”主要指标，种子 002）；年度统计分母 {stats} 条（演示值，2020—2025）")
