"""Services of plan indicators (指标) with targets, yearly denominators and computed actuals.

Three layers:
- pure, numpy only (rollup, yearly_values, running_mean, assess): group sums → figures, no Django, tested and
  benchmarked on their own;
- a thin query layer (incident_sums, loss_sums, denominator_arrays): one grouped query each, by region and year;
- compute(): the figures of indicators per year (and per township) with the records behind each figure.

What counts (decided with seed 002 and 493号令):
- 生产安全事故死亡人数 = 死亡 + 下落不明 of incidents that are not drills, not merged into another incident, answered
  "在生产经营活动中发生 = 是" (Incident.production_activity == "yes"; 待核实 is not counted until verified) and whose
  class 493号令第二条 does not exclude (环境污染、核设施: data/order493_scope.csv excluded_as). Year: 发生时间 in
  Asia/Shanghai.
- 工矿商贸: the 事故灾难 classes 12A 煤矿、12B 金属非金属矿山、12C 建筑业、12D 危险化学品、12E 烟花爆竹和民用爆炸物、
  12F 其他工矿商贸 (GB/T 35561), as 安全生产统计 separates 工矿商贸 from 道路交通、水上、铁路、民航、农机 and 火灾.
- Natural-disaster figures: planning.DisasterLossReport rows with is_current=True (deaths, missing,
  affected_people, direct_loss 万元), year of event.started_on.
- 预警信息登记人员覆盖率 (warning_recipient_coverage): Σ reached ÷ Σ total × 100 % over warnings.WarningCoverage
  rows — per warning and township, the registered recipients (登记接收人) inside the warning's area of those
  registered in the township — of the messages we published that year (our own, status Actual, Alert or Update:
  a Cancel ends a warning, it does not warn again; year of `sent` in Asia/Shanghai), counted where the township lies.
  It measures registered people, not the public that broadcasts, TV and operator-wide SMS reach (the plan's
  预警信息发布覆盖率): its label says so, and the plan's own figure stays a manual value with its source.
- Rates divide by the region's own figures of that year: 常住人口 and 工矿商贸就业人员 from RegionYearStat, GDP from
  core.RegionGDP (万元, its one home; shown and divided as 亿元); a missing or zero denominator gives no number
  (MISSING_DENOMINATOR), never an estimate.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import numpy as np
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone

from yingji.core import roles
from yingji.core.imports import register
from yingji.core.models import Region, RegionGDP
from yingji.core.services import delete_scoped, save_scoped
from yingji.standards import accidents

from ..models import Indicator, IndicatorManualValue, RegionYearStat
from .denominators import (  # noqa: F401 — the year-stat services are reached through this module too
    WAN_PER_YI,
    YEAR_STATS_SHEET,
    delete_year_stat,
    save_year_stat,
    upsert_year_stat,
    with_gdp,
)

MISSING_DENOMINATOR = "缺少分母数据"
NO_LOSS_RECORDS = "灾情报告模块未安装"
TZ = ZoneInfo("Asia/Shanghai")
INDUSTRIAL_CLASSES = ("12A", "12B", "12C", "12D", "12E", "12F")  # 工矿商贸 (see above)
# formula → (numerator, denominator or None, scale, unit, source of records)
FORMULAS = {
    "production_deaths": ("production", None, 1, "人", "incidents"),
    "deaths_per_gdp": ("production", "gdp_yi", 1, "人/亿元", "incidents"),
    "industrial_deaths_per_100k": ("industrial", "employees", 100_000, "人/10万人", "incidents"),
    "disaster_deaths_missing": ("disaster_dead", None, 1, "人", "losses"),
    "disaster_affected": ("affected", None, 1, "人次", "losses"),
    "disaster_loss": ("loss", None, 1, "万元", "losses"),
    # 万元 / (亿元 × 10⁴) × 100 %
    "disaster_loss_share": ("loss", "gdp_yi", 0.01, "%", "losses"),
    "disaster_deaths_per_million": ("disaster_dead", "population", 1_000_000, "人/百万人", "losses"),
    "affected_per_100k": ("affected", "population", 100_000, "人次/10万人", "losses"),
    "warning_recipient_coverage": ("warning_reached", "warning_total", 100, "%", "warnings"),
}
DENOMINATOR_LABELS = {"gdp_yi": "地区生产总值（亿元）", "employees": "工矿商贸就业人员（人）", "population": "常住人口（人）",
                      "warning_total": "各条预警所及乡镇的登记接收人数之和（人次）"}
NUMERATOR_LABELS = {"production": "生产安全事故死亡（含下落不明）人数", "industrial": "工矿商贸事故死亡（含下落不明）人数",
                    "disaster_dead": "因灾死亡失踪人数", "affected": "受灾人次", "loss": "直接经济损失（万元）",
                    "warning_reached": "各条预警覆盖的登记接收人数之和（人次）"}
SUM_KEYS = ("production", "industrial", "disaster_dead", "affected", "loss", "warning_reached", "warning_total")
NO_WARNINGS = "当年无已发布预警"
NO_WARNING_RECORDS = "预警发布模块未安装"


# --- pure: numpy only -------------------------------------------------------------------------------------------

def rollup(group_regions, group_years, values: dict, region_paths: dict, targets, years) -> dict:
    """Sums of grouped rows (one row per region and year, e.g. from a GROUP BY) into each target region and
    its descendants, per year: {key: int64 array [len(targets), len(years)]}.

    `region_paths` maps every region id of the groups to its materialised path ("/1/7/42/"); a row counts for
    each target on its path. Work is over distinct regions (a membership matrix), never per record."""
    group_regions = np.asarray(group_regions, dtype=np.int64)
    group_years = np.asarray(group_years, dtype=np.int64)
    targets, years = list(targets), list(years)
    out = {key: np.zeros((len(targets), len(years)), dtype=np.int64) for key in values}
    if not len(group_regions) or not targets or not years:
        return out
    distinct, inverse = np.unique(group_regions, return_inverse=True)
    target_index = {t: i for i, t in enumerate(targets)}
    membership = np.zeros((len(distinct), len(targets)), dtype=np.int64)
    for row, region in enumerate(distinct.tolist()):
        for part in region_paths.get(region, f"/{region}/").strip("/").split("/"):
            column = target_index.get(int(part)) if part else None
            if column is not None:
                membership[row, column] = 1
    year_index = np.searchsorted(years, group_years)
    inside = (year_index < len(years)) & (np.asarray(years)[np.minimum(year_index, len(years) - 1)] == group_years)
    for key, column in values.items():
        grid = np.zeros((len(distinct), len(years)), dtype=np.int64)
        np.add.at(grid, (inverse[inside], year_index[inside]), np.asarray(column, dtype=np.int64)[inside])
        out[key] = membership.T @ grid
    return out


def yearly_values(numerator, denominator, scale) -> np.ndarray:
    """numerator × scale / denominator as float; NaN where the denominator is missing (NaN) or not positive.
    Without a denominator (None) the numerator itself."""
    numerator = np.asarray(numerator, dtype=np.float64)
    if denominator is None:
        return numerator * scale
    denominator = np.asarray(denominator, dtype=np.float64)
    ok = np.isfinite(denominator) & (denominator > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, numerator * scale / np.where(ok, denominator, 1.0), np.nan)


def running_mean(values, years, start: int) -> np.ndarray:
    """年均: for each year from `start` on, the mean of the yearly values start…year (NaN if any is NaN);
    years before `start` keep their yearly value. Works along the last axis."""
    values = np.asarray(values, dtype=np.float64)
    years = np.asarray(years)
    inside = years >= start
    out = values.copy()
    if inside.any():
        window = values[..., inside]
        counts = np.arange(1, window.shape[-1] + 1)
        out[..., inside] = np.cumsum(window, axis=-1) / counts  # NaN propagates through cumsum
    return out


def goal(kind: str, target: float, baseline: float | None) -> float | None:
    """The value the target asks for: baseline × (1 − X%) for 下降X%, X itself for <X …; None without a baseline."""
    if kind in ("decrease_pct", "increase_pct"):
        if baseline is None or not np.isfinite(baseline):
            return None
        return baseline * (1 - target / 100) if kind == "decrease_pct" else baseline * (1 + target / 100)
    return target


def assess(kind: str, target: float, baseline: float | None, value: float | None) -> bool | None:
    """Whether `value` meets the target (None: cannot tell, no value or no baseline)."""
    wanted = goal(kind, target, baseline)
    if wanted is None or value is None or not np.isfinite(value):
        return None
    return {"decrease_pct": value <= wanted + 1e-12, "increase_pct": value >= wanted - 1e-12, "lt": value < wanted,
            "le": value <= wanted, "gt": value > wanted, "ge": value >= wanted}[kind]


# --- query layer: one grouped query per source --------------------------------------------------------------------

def _year_bounds(years):
    first = datetime(min(years), 1, 1, tzinfo=TZ)
    after = datetime(max(years) + 1, 1, 1, tzinfo=TZ)
    return first, after


def year_of(field: str, years, dates=False):
    """The local calendar year of `field` as plain comparisons with each year's bounds (CASE WHEN …): no per-row
    time-zone conversion (on SQLite ExtractYear with a tzinfo is a Python function called for every row)."""
    whens = []
    for year in years:
        if dates:
            first, after = date(year, 1, 1), date(year + 1, 1, 1)
        else:
            first, after = _year_bounds([year])
        whens.append(When(**{f"{field}__gte": first, f"{field}__lt": after}, then=Value(year)))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def production_filter() -> Q:
    """Incidents whose deaths and missing count as 生产安全事故 deaths (see the module's note)."""
    excluded = {code[:3] for code, row in accidents._scope_rows().items() if row["excluded_as"]}
    condition = Q(is_drill=False, merged_into__isnull=True, production_activity=accidents.YES)
    for prefix in sorted(excluded):
        condition &= ~Q(event_code__startswith=prefix)
    return condition


def industrial_filter() -> Q:
    condition = Q()
    for prefix in INDUSTRIAL_CLASSES:
        condition |= Q(event_code__startswith=prefix)
    return condition


def incident_queryset(root: Region, years):
    from yingji.incidents.models import Incident

    first, after = _year_bounds(years)
    return Incident.objects.filter(production_filter(), region__path__startswith=root.path,
                                   occurred_at__gte=first, occurred_at__lt=after)


def incident_sums(root: Region, years) -> tuple:
    """(region ids, years, {production, industrial}) of production-safety deaths + missing, grouped in SQL."""
    dead = F("deaths") + F("missing")
    rows = list(incident_queryset(root, years).annotate(year=year_of("occurred_at", years))
                .values("region_id", "year")
                .annotate(production=Sum(dead),
                          industrial=Sum(Case(When(industrial_filter(), then=dead), default=Value(0),
                                              output_field=IntegerField())))
                .order_by())
    return (np.array([r["region_id"] for r in rows], dtype=np.int64), np.array([r["year"] for r in rows], dtype=np.int64),
            {"production": [r["production"] or 0 for r in rows], "industrial": [r["industrial"] or 0 for r in rows]})


def loss_model():
    """planning.DisasterLossReport (灾情报告, built in its own area), or None while it is not installed."""
    try:
        return apps.get_model("planning", "DisasterLossReport")
    except LookupError:
        return None


def loss_queryset(root: Region, years):
    model = loss_model()
    if model is None:
        return None
    return model.objects.filter(is_current=True, region__path__startswith=root.path,
                                event__started_on__gte=date(min(years), 1, 1),
                                event__started_on__lt=date(max(years) + 1, 1, 1))


def loss_sums(root: Region, years) -> tuple | None:
    """(region ids, years, {disaster_dead, affected, loss (in 分 of 万元, exact)}) of current loss reports, or
    None when the loss-report area is not installed."""
    queryset = loss_queryset(root, years)
    if queryset is None:
        return None
    rows = list(queryset.annotate(year=year_of("event__started_on", years, dates=True)).values("region_id", "year")
                .annotate(dead=Sum(F("deaths") + F("missing")), affected=Sum("affected_people"),
                          loss=Sum("direct_loss")).order_by())
    cents = [int((r["loss"] or Decimal(0)) * 100) for r in rows]
    return (np.array([r["region_id"] for r in rows], dtype=np.int64), np.array([r["year"] for r in rows], dtype=np.int64),
            {"disaster_dead": [r["dead"] or 0 for r in rows], "affected": [r["affected"] or 0 for r in rows],
             "loss": cents})


def coverage_model():
    """warnings.WarningCoverage, or None when the warnings app is not installed (planning does not import it)."""
    try:
        return apps.get_model("warnings", "WarningCoverage")
    except LookupError:
        return None


def coverage_queryset(root: Region, years):
    """The coverage rows counted for `root` in `years` (see the module's note), or None without warnings."""
    model = coverage_model()
    if model is None:
        return None
    first, after = _year_bounds(years)
    return model.objects.filter(township__path__startswith=root.path, warning__source="local",
                                warning__status="Actual", warning__msg_type__in=("Alert", "Update"),
                                warning__sent__gte=first, warning__sent__lt=after)


def coverage_sums(root: Region, years) -> tuple | None:
    """(township ids, years, {warning_reached, warning_total}) of the coverage rows, grouped in SQL; None when
    the warnings app is not installed."""
    queryset = coverage_queryset(root, years)
    if queryset is None:
        return None
    rows = list(queryset.annotate(year=year_of("warning__sent", years)).values("township_id", "year")
                .annotate(reached=Sum("reached"), total=Sum("total")).order_by())
    return (np.array([r["township_id"] for r in rows], dtype=np.int64),
            np.array([r["year"] for r in rows], dtype=np.int64),
            {"warning_reached": [r["reached"] or 0 for r in rows], "warning_total": [r["total"] or 0 for r in rows]})


def coverage_records(root: Region, years):
    """The published messages behind the coverage figure, each with its reached/total inside `root`."""
    queryset = coverage_queryset(root, years)
    if queryset is None:
        return None
    warning = apps.get_model("warnings", "Warning")
    inside = Q(coverage__in=queryset)
    return (warning.objects.filter(pk__in=queryset.values("warning_id"))
            .annotate(reached_here=Sum("coverage__reached", filter=inside), total_here=Sum("coverage__total",
                                                                                              filter=inside)))


def denominator_arrays(targets, years) -> dict:
    """{population, gdp_yi, employees: float arrays [targets, years]}; NaN where the region's own row or the
    figure is missing. GDP comes from core.RegionGDP (万元) and is divided into 亿元 here."""
    index_t, index_y = {t: i for i, t in enumerate(targets)}, {y: j for j, y in enumerate(years)}
    out = {key: np.full((len(targets), len(years)), np.nan) for key in ("population", "gdp_yi", "employees")}
    rows = RegionYearStat.objects.filter(region_id__in=list(targets), year__in=list(years)).values_list(
        "region_id", "year", "population", "industrial_employees")
    for region_id, year, population, employees in rows:  # one row per region and year: ≤ targets × years
        i, j = index_t[region_id], index_y[year]
        for key, value in (("population", population), ("employees", employees)):
            if value is not None:
                out[key][i, j] = float(value)
    gdp = RegionGDP.objects.filter(region_id__in=list(targets), year__in=list(years)).values_list(
        "region_id", "year", "gdp_wan")
    for region_id, year, gdp_wan in gdp:
        out["gdp_yi"][index_t[region_id], index_y[year]] = float(gdp_wan / WAN_PER_YI)
    return out


# --- figures ------------------------------------------------------------------------------------------------------

@dataclass
class Figure:
    year: int
    value: float | None = None  # the figure compared with the target (年均 when the indicator says so)
    yearly: float | None = None  # that year's own value
    numerator: float | None = None
    denominator: float | None = None
    missing: str = ""  # why there is no value: 缺少分母数据 …
    manual: bool = False
    source_note: str = ""
    computed: float | None = None  # the computed value beside a manual one
    records_url: str = ""
    reference: float | None = None  # a manual indicator's reference_formula, computed (never compared)
    reference_missing: str = ""

    def as_dict(self) -> dict:
        return {"year": self.year, "value": _round(self.value), "yearly": _round(self.yearly),
                "numerator": _round(self.numerator), "denominator": _round(self.denominator),
                "missing": self.missing, "manual": self.manual, "source_note": self.source_note,
                "computed": _round(self.computed), "records_url": self.records_url,
                "reference": _round(self.reference), "reference_missing": self.reference_missing}


@dataclass
class Result:
    indicator: Indicator
    region: Region
    figures: list[Figure]
    baseline: float | None = None
    baseline_computed: bool = False  # the baseline came from the records, not from the plan
    goal: float | None = None
    latest: Figure | None = None
    met: bool | None = None
    townships: list = field(default_factory=list)  # [(region, [Figure])] when asked for

    def figures_of(self, region) -> list:
        """The figures of the indicator's region, or of a region right below it (when computed with townships)."""
        if region.pk == self.region.pk:
            return self.figures
        return next((figures for r, figures in self.townships if r.pk == region.pk), [])

    @property
    def status(self) -> str:
        if self.latest is None:
            return "暂无数据"
        word = {True: "达到目标", False: "未达目标", None: "无法判断"}[self.met]
        return f"{word}（按{self.latest.year}年）"

    @property
    def trend(self) -> str:
        values = [f.value for f in self.figures if f.value is not None]
        if len(values) < 2:
            return ""
        return "↑" if values[-1] > values[-2] else "↓" if values[-1] < values[-2] else "→"

    def as_dict(self) -> dict:
        ind = self.indicator
        return {"id": ind.pk, "plan": ind.plan, "number": ind.number, "code": ind.code, "name": ind.name,
                "unit": ind.unit, "region": ind.region.name, "formula": ind.formula,
                "formula_label": ind.get_formula_display(), "annual_average": ind.annual_average,
                "target": {"kind": ind.target_kind, "value": str(ind.target_value.normalize()), "label": ind.target_label,
                           "year": ind.target_year},
                "attribute": ind.attribute, "responsible_units": ind.responsible_units,
                "baseline": {"year": ind.baseline_year, "value": _round(self.baseline),
                             "computed": self.baseline_computed},
                "goal": _round(self.goal), "status": self.status, "met": self.met,
                "actuals": [f.as_dict() for f in self.figures]}


def _round(value):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def indicator_years(indicator: Indicator, today=None) -> list[int]:
    """Baseline year (or period start) up to the target year, not past this year."""
    this_year = (today or timezone.localdate()).year
    first = indicator.baseline_year or indicator.period_start
    return list(range(first, max(first, min(indicator.target_year, this_year)) + 1))


class Table:
    """Group sums and denominators of one root region for given target regions and years, from the queries above."""

    def __init__(self, root: Region, targets: list[Region], years: list[int]):
        self.root, self.targets, self.years = root, targets, years
        ids = [t.pk for t in targets]
        paths = {}
        self.sums = {key: np.zeros((len(ids), len(years)), dtype=np.int64) for key in SUM_KEYS}
        self.has_losses = self.has_warnings = True
        for name, source in (("incidents", incident_sums(root, years)), ("losses", loss_sums(root, years)),
                             ("warnings", coverage_sums(root, years))):
            if source is None:
                setattr(self, f"has_{name}", False)
                continue
            regions, group_years, values = source
            missing = set(regions.tolist()) - paths.keys()
            paths.update(Region.objects.filter(pk__in=missing).values_list("pk", "path"))
            self.sums.update(rollup(regions, group_years, values, paths, ids, years))
        self.denominators = denominator_arrays(ids, years)
        total = self.sums["warning_total"].astype(np.float64)
        self.denominators["warning_total"] = np.where(total > 0, total, np.nan)  # no warning: no figure, not 0 %

    def values(self, formula: str) -> tuple:
        """(yearly values, numerators, denominators or None), arrays [targets, years]."""
        numerator_key, denominator_key, scale, _, _ = FORMULAS[formula]
        numerator = self.sums[numerator_key].astype(np.float64)
        if numerator_key == "loss":
            numerator = numerator / 100  # 分 → 万元
        denominator = self.denominators[denominator_key] if denominator_key else None
        return yearly_values(numerator, denominator, scale), numerator, denominator


def _figures(indicator, table, row, manual, user_urls=True) -> list[Figure]:
    years = table.years
    if indicator.is_manual:
        yearly = numerator = np.full(len(years), np.nan)
        denominator = None
    else:
        all_values, all_numerators, all_denominators = table.values(indicator.formula)
        yearly, numerator = all_values[row], all_numerators[row]
        denominator = all_denominators[row] if all_denominators is not None else None
    compared = running_mean(yearly, years, indicator.period_start) if indicator.annual_average else yearly
    source = FORMULAS.get(indicator.formula, (None,) * 5)[4]
    figures = []
    for j, year in enumerate(years):
        figure = Figure(year=year)
        if not indicator.is_manual:
            figure.numerator = float(numerator[j])
            figure.denominator = None if denominator is None or not np.isfinite(denominator[j]) else float(denominator[j])
            if source == "losses" and not table.has_losses:
                figure.missing = NO_LOSS_RECORDS
            elif source == "warnings" and not table.has_warnings:
                figure.missing = NO_WARNING_RECORDS
            elif np.isfinite(compared[j]):
                figure.value, figure.yearly = float(compared[j]), float(yearly[j]) if np.isfinite(yearly[j]) else None
            else:
                figure.missing = NO_WARNINGS if source == "warnings" else MISSING_DENOMINATOR
                figure.yearly = float(yearly[j]) if np.isfinite(yearly[j]) else None
            if user_urls:
                figure.records_url = (reverse("planning:indicator_records", args=[indicator.pk])
                                      + f"?year={year}&region={table.targets[row].pk}")
        entry = manual.get(year)
        if entry is not None:
            figure.computed, figure.value, figure.yearly = figure.value, float(entry.value), float(entry.value)
            figure.manual, figure.source_note, figure.missing = True, entry.source_note, ""
        elif indicator.is_manual:
            figure.missing = "未填报"
        figures.append(figure)
    if indicator.is_manual and indicator.reference_formula:
        _add_reference(indicator.reference_formula, table, row, figures)
    return figures


def _add_reference(formula, table, row, figures):
    """The reference figure of a manual indicator: its reference_formula's yearly value, shown beside."""
    values = table.values(formula)[0][row]
    source = FORMULAS[formula][4]
    for figure, value in zip(figures, values, strict=True):
        if source == "losses" and not table.has_losses:
            figure.reference_missing = NO_LOSS_RECORDS
        elif source == "warnings" and not table.has_warnings:
            figure.reference_missing = NO_WARNING_RECORDS
        elif np.isfinite(value):
            figure.reference = float(value)
        else:
            figure.reference_missing = NO_WARNINGS if source == "warnings" else MISSING_DENOMINATOR


def _baseline(indicator, figures) -> tuple:
    if indicator.baseline_value is not None:
        return float(indicator.baseline_value), False
    at = next((f for f in figures if f.year == indicator.baseline_year), None)
    value = at.yearly if at is not None else None
    return value, value is not None


def compute(indicators, *, townships=False, today=None) -> list[Result]:
    """The figures of each indicator for its region per year (and for each region directly below, if asked):
    one Table (a few grouped queries) per region and year span, shared by the indicators that use it."""
    tables, results = {}, []
    indicators = list(indicators)
    manual = {}
    for entry in IndicatorManualValue.objects.filter(indicator__in=indicators):
        manual.setdefault(entry.indicator_id, {})[entry.year] = entry
    for indicator in indicators:
        years = indicator_years(indicator, today)
        region = indicator.region
        children = list(Region.objects.filter(parent=region).order_by("code", "name")) if townships else []
        key = (region.pk, tuple(years), townships)
        if key not in tables:
            tables[key] = Table(region, [region, *children], years)
        table = tables[key]
        figures = _figures(indicator, table, 0, manual.get(indicator.pk, {}))
        result = Result(indicator, region, figures)
        result.baseline, result.baseline_computed = _baseline(indicator, figures)
        target = float(indicator.target_value)
        result.goal = goal(indicator.target_kind, target, result.baseline)
        latest = [f for f in figures if f.value is not None and f.year > (indicator.baseline_year or 0)]
        result.latest = latest[-1] if latest else None
        if result.latest is not None:
            result.met = assess(indicator.target_kind, target, result.baseline, result.latest.value)
        result.townships = [(child, _figures(indicator, table, i + 1, {})) for i, child in enumerate(children)]
        results.append(result)
    return results


def records(indicator: Indicator, region: Region, year: int):
    """The records a figure was computed from: ("incidents" | "losses", queryset), unscoped (the caller scopes)."""
    source = FORMULAS.get(indicator.formula, (None,) * 5)[4]
    if source == "incidents":
        queryset = incident_queryset(region, [year])
        if indicator.formula == "industrial_deaths_per_100k":
            queryset = queryset.filter(industrial_filter())
        return source, queryset.select_related("region").order_by("occurred_at")
    if source == "losses":
        queryset = loss_queryset(region, [year])
        return source, None if queryset is None else queryset.select_related("region", "event")
    if source == "warnings":
        queryset = coverage_records(region, [year])
        return source, None if queryset is None else queryset.select_related("region").order_by("sent", "pk")
    return None, None


# --- changes: one transaction and an audit entry each (core.services.save_scoped) -----------------------------

def _check_indicator(indicator: Indicator):
    errors = {}
    if indicator.target_kind == "decrease_pct" and indicator.target_value is not None \
            and indicator.target_value > 100:
        errors["target_value"] = ["目标值X：下降幅度不能超过100%。"]
    if indicator.period_start and indicator.target_year and indicator.period_start > indicator.target_year:
        errors["period_start"] = ["规划期起始年不能晚于目标年份。"]
    if indicator.baseline_year and indicator.target_year and indicator.baseline_year >= indicator.target_year:
        errors["baseline_year"] = ["基期年份应早于目标年份。"]
    if indicator.target_kind in ("decrease_pct", "increase_pct") and not indicator.baseline_year:
        errors["baseline_year"] = ["“比基期下降/上升”的目标须填写基期年份。"]
    if indicator.baseline_value is not None and indicator.baseline_value < 0:
        errors["baseline_value"] = ["基期值不能为负数。"]
    if indicator.reference_formula and indicator.formula != "manual":
        errors["reference_formula"] = ["参考计算方法只用于“手工填报”的指标：按记录计算的指标本身已有计算值。"]
    if errors:
        raise ValidationError(errors)


def save_indicator(actor, indicator: Indicator, data: dict) -> Indicator:
    return save_scoped(actor, indicator, data, validate=_check_indicator)


def delete_indicator(actor, indicator: Indicator):
    delete_scoped(actor, indicator)


def _check_manual(entry: IndicatorManualValue):
    errors = {}
    if not (entry.source_note or "").strip():
        errors["source_note"] = ["数据来源说明：手工填报的数值必须注明来源（如统计公报、文件文号）。"]
    if entry.value is not None and entry.value < 0:
        errors["value"] = ["数值不能为负数。"]
    if errors:
        raise ValidationError(errors)


def save_manual_value(actor, entry: IndicatorManualValue, data: dict) -> IndicatorManualValue:
    return save_scoped(actor, entry, data, validate=_check_manual, field="indicator")


def delete_manual_value(actor, entry: IndicatorManualValue):
    delete_scoped(actor, entry, field="indicator")


@transaction.atomic
def set_manual_value(actor, indicator: Indicator, year: int, value, source_note: str):
    """The API's way in: the year's manual value created or corrected; value None removes it."""
    entry = IndicatorManualValue.objects.filter(indicator=indicator, year=year).first()
    if value is None:
        if entry is not None:
            delete_manual_value(actor, entry)
        return None
    return save_manual_value(actor, entry or IndicatorManualValue(),
                             {"indicator": indicator, "year": year, "value": value, "source_note": source_note})


def ready():
    """Roles: the bureau's planning staff (管理员) and leadership keep the indicators; townships enter their own
    denominators; everyone who follows the plan reads."""
    models = ("indicator", "indicatormanualvalue", "regionyearstat")
    readers = ("管理员", "领导", "指挥长", "值班员", "安全监管员", "乡镇用户")
    for role in readers:
        roles.grant(role, [f"planning.view_{m}" for m in models])
    for role in ("管理员", "领导"):
        roles.grant(role, [f"planning.{a}_{m}" for m in models for a in ("add", "change", "delete")])
    roles.grant("乡镇用户", ["planning.add_regionyearstat", "planning.change_regionyearstat"])
    # GDP is core.RegionGDP (services/denominators.py): who enters the denominators enters it there too.
    for role in ("领导", "乡镇用户"):
        roles.grant(role, [f"core.{a}_regiongdp" for a in ("add", "change", "delete")])
    register(YEAR_STATS_SHEET)
