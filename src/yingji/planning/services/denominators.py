"""The yearly denominators of the indicators: 常住人口 and 工矿商贸就业人员 (planning.RegionYearStat) and GDP.

GDP has one home: core.RegionGDP (地区生产总值, 万元 as the design's money unit), which the region page and
/api/region-gdp/ also write. The year-stat form, API and Excel sheet here carry a `gdp_wan` (万元) value
that is written through to that row in the same transaction, never kept a second time; the indicators divide
by it converted to 亿元 (gdp_yi = gdp_wan / WAN_PER_YI). An empty GDP means "not published": the row goes
and the figures that divide by it say 缺少分母数据."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery

from yingji.core.imports import CellError, Column, SheetSpec, integer, lookup, money, text
from yingji.core.models import Region, RegionGDP
from yingji.core.scoping import require_region, scope_actor
from yingji.core.services import delete_scoped, save_scoped, set_region_gdp

from ..models import RegionYearStat

WAN_PER_YI = Decimal(10_000)  # 1 亿元 = 10 000 万元
GDP_LABEL = "地区生产总值（万元）"
UNSET = object()


def with_gdp(queryset):
    """Year-stat rows annotated with `gdp_wan`, the region's GDP of that year from core.RegionGDP (or None)."""
    gdp = RegionGDP.objects.filter(region=OuterRef("region"), year=OuterRef("year")).values("gdp_wan")[:1]
    return queryset.annotate(gdp_wan=Subquery(gdp))


def gdp_of(region_id, year):
    return RegionGDP.objects.filter(region_id=region_id, year=year).values_list("gdp_wan", flat=True).first()


def _check_gdp(gdp_wan, errors: dict):
    if gdp_wan is UNSET or gdp_wan is None:
        return
    if gdp_wan <= 0:
        errors["gdp_wan"] = [f"{GDP_LABEL}应大于0；尚未公布请留空。"]
    elif -gdp_wan.as_tuple().exponent > 2:
        errors["gdp_wan"] = [f"{GDP_LABEL}最多2位小数（精确到百元）。"]
    elif gdp_wan >= Decimal("1e14"):
        errors["gdp_wan"] = [f"{GDP_LABEL}超出范围。"]


def _checker(gdp_wan):
    def check(stat: RegionYearStat):
        errors = {}
        _check_gdp(gdp_wan, errors)
        if stat.population == 0:
            errors["population"] = ["常住人口（人）应大于0；尚未公布请留空。"]
        if stat.region_id and stat.year and RegionYearStat.objects.filter(region_id=stat.region_id, year=stat.year) \
                .exclude(pk=stat.pk).exists():
            errors["year"] = [f"年份：{stat.region.name} {stat.year} 年的统计数据已登记，请修改原记录。"]
        if errors:
            raise ValidationError(errors)
    return check


def _write_gdp(actor, stat: RegionYearStat, gdp_wan, is_demo=False):
    """The GDP of the stat's region and year in core.RegionGDP: set, or removed when None (not published)."""
    if gdp_wan is None:
        entry = RegionGDP.objects.filter(region_id=stat.region_id, year=stat.year).first()
        if entry is not None:
            delete_scoped(actor, entry)
    else:
        set_region_gdp(actor, stat.region, stat.year, gdp_wan, is_demo=is_demo)
    stat.gdp_wan = gdp_wan


@transaction.atomic
def save_year_stat(actor, stat: RegionYearStat, data: dict) -> RegionYearStat:
    """Save the row; a `gdp_wan` key (万元, None = not published) sets the region's GDP of that year in core."""
    data = dict(data)
    gdp_wan = data.pop("gdp_wan", UNSET)
    save_scoped(actor, stat, data, validate=_checker(gdp_wan))
    if gdp_wan is not UNSET:
        _write_gdp(actor, stat, gdp_wan, is_demo=bool(data.get("is_demo")))
    elif not hasattr(stat, "gdp_wan"):
        stat.gdp_wan = gdp_of(stat.region_id, stat.year)
    return stat


def delete_year_stat(actor, stat: RegionYearStat):
    """Deletes the population and employee figures; the GDP stays in core (the region page shows and edits it)."""
    delete_scoped(actor, stat)


@transaction.atomic
def upsert_year_stat(actor, data: dict) -> tuple[RegionYearStat, bool]:
    """Save the (region, year) row, updating the one already there: the import's and the CLI's way in."""
    region = data.get("region")
    if region is not None:
        require_region(actor, region)
    existing = RegionYearStat.objects.filter(region=region, year=data.get("year")).first() if region else None
    return save_year_stat(actor, existing or RegionYearStat(), data), existing is None


def import_year_stat(actor, data: dict) -> tuple[RegionYearStat, bool]:
    """A sheet row: an empty GDP cell (or no GDP column, e.g. an old template in 亿元) leaves the region's GDP
    as it is: GDP lives in core and may have been entered on the region page; clearing it takes the form or API."""
    if data.get("gdp_wan") is None:
        data.pop("gdp_wan", None)
    return upsert_year_stat(actor, data)


# --- Excel: the yearly denominators, imported all-or-nothing (core.imports.run_import) -------------------------

def _gdp(value):
    amount = money(value)
    if amount is not None and -amount.as_tuple().exponent > 2:
        raise CellError("最多2位小数（万元）")
    return amount


YEAR_STATS_SHEET = SheetSpec(
    kind="region_year_stats", title="年度统计分母（人口、GDP、工矿商贸就业人员）", permission="planning.view_regionyearstat",
    queryset=lambda actor: with_gdp(scope_actor(RegionYearStat.objects.select_related("region"), actor)),
    save_row=import_year_stat,
    notes=["按“区划 + 年份”匹配：已登记的更新，其余新增；任何一行有错则整表不写入。",
           "常住人口、工矿商贸就业人员以“人”为单位；地区生产总值以“万元”为单位（与区划页的地区生产总值为同一数据）。"
           "尚未公布的留空，不要估填；地区生产总值留空时保留已登记的数值（清除请在区划页或表单中操作）。"],
    columns=[
        Column("区划", "region", lookup(lambda a: scope_actor(Region.objects.all(), a), "code", "name", label="区划"),
               required=True, example="512022", export=lambda s: s.region.code or s.region.name),
        Column("年份", "year", integer, required=True, example=2023),
        Column("常住人口（人）", "population", integer, example=438000),
        Column(GDP_LABEL, "gdp_wan", _gdp, example="2153600.00"),
        Column("工矿商贸就业人员（人）", "industrial_employees", integer, example=52000),
        Column("数据来源", "source", text, example="乐至县2023年国民经济和社会发展统计公报"),
    ])
