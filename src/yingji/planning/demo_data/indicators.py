"""Demo data of plan indicators: 乐至's six 主要指标 of seed 002 transcribed exactly
(data/lezhi_14th_five_year_indicators.csv), and demo denominators for 乐至县 and its townships 2020–2025
(data/demo_lezhi_denominators.csv, marked as demo values) so that the computed figures show."""

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from yingji.core.models import Region, User
from yingji.core.services import update_audited
from yingji.standards.tables import read_table

from ..models import Indicator
from ..services import indicators as services

DATA = Path(__file__).resolve().parent.parent / "data"
SEED_TABLE = DATA / "lezhi_14th_five_year_indicators.csv"
DEMO_DENOMINATORS = DATA / "demo_lezhi_denominators.csv"
PLAN = "乐至县“十四五”应急体系规划"
SOURCE = "乐至县“十四五”应急体系规划 · 乐至县十四五应急体系规划主要指标（种子 002）"
DEMO_SOURCE = "演示数据（非统计部门公布值）"
DEMO_ACCIDENTS = DATA / "demo_lezhi_accidents_2020_2025.csv"


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
            "population": _optional(row["population"]), "gdp_wan": _optional(row["gdp_wan"], Decimal),
            "industrial_employees": _optional(row["industrial_employees"]), "source": DEMO_SOURCE, "is_demo": True})
    return len(rows)


def load_accidents() -> int:
    """Archived production-safety accidents of 2020–2025 (invented, marked demo), opened through the intake
    service and archived in bulk with audit entries, as the incidents demo writes its history."""
    from yingji.incidents.models import Incident
    from yingji.incidents.services import incidents

    rows = read_table(DEMO_ACCIDENTS)
    if Incident.objects.filter(is_demo=True, title=rows[0]["title"]).exists():
        return 0
    duty = User.objects.filter(username="duty").first()
    if duty is None:
        return 0
    for row in rows:
        township = Region.objects.get(code=row["region_code"])
        when = datetime.fromisoformat(row["date"]).replace(hour=10, tzinfo=ZoneInfo("Asia/Shanghai"))
        incident = incidents.create_incident(duty, {
            "title": row["title"], "source": "duty_phone", "reported_at": when + timedelta(minutes=20),
            "occurred_at": when, "event_code": row["event_code"], "region": township,
            "longitude": township.longitude, "latitude": township.latitude, "deaths": int(row["deaths"]),
            "missing": int(row["missing"]), "description": "演示数据（虚构的历史事故）。", "is_demo": True})
        update_audited(duty, Incident.objects.filter(pk=incident.pk), status=Incident.ARCHIVED,
                       ended_at=when + timedelta(hours=6))
        update_audited(duty, incident.reports.filter(status="due"), status="cancelled", trigger="演示历史数据")
    return len(rows)


def load(log):
    county = Region.objects.filter(code="512022").first()
    if county is None:
        log("规划指标：没有乐至县区划，跳过")
        return
    indicators = load_indicators(county)
    stats = load_denominators()
    accidents = load_accidents()
    log(f"规划指标 {indicators} 项（乐至县“十四五”主要指标，种子 002）；年度统计分母 {stats} 条（演示值，2020—2025）；"
        f"演示历史生产安全事故 {accidents} 起")
