"""Statistics for leadership (领导统计): each chart is a Chart — categories, series and an optional target — from
which both the drawing (its JSON for ECharts, planning/static/planning/stats.js) and its table (the page's 表格
view and the .xlsx export) are derived, so the table is exactly what the chart draws. Charts are built per
region and year from the records the user may see (`charts(user, region, year)`)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from yingji.core.imports import _book, _bytes


@dataclass
class Series:
    name: str
    data: list  # one value per category; None where there is no figure
    unit: str = ""
    type: str = "bar"  # bar / line
    stack: str = ""
    axis: int = 0  # 0: left axis, 1: right axis


@dataclass
class Chart:
    key: str  # unique on the page, in the export's URL
    title: str
    category_label: str  # header of the categories' column: 乡镇 / 月份 / 年度
    categories: list[str]
    series: list[Series]
    note: str = ""
    target: dict | None = None  # {"label": "目标 <15000", "value": 15000, "unit": "人次"}: a line across the chart
    group: str = ""  # the section of the page: 指标 / 灾情 / 任务与项目
    empty_text: str = "本期没有数据。"
    axes: list[str] = field(default_factory=list)  # axis names (units), left then right

    @property
    def is_empty(self) -> bool:
        """No category, or no figure at all (a zero is a figure: no deaths is a result, not a gap)."""
        return not self.categories or all(v is None for s in self.series for v in s.data)

    def header(self) -> list[str]:
        return [self.category_label] + [f"{s.name}（{s.unit}）" if s.unit else s.name for s in self.series]

    def rows(self) -> list[list]:
        """One row per category: the category, then each series' value as drawn."""
        return [[category] + [s.data[i] for s in self.series] for i, category in enumerate(self.categories)]

    def as_json(self) -> dict:
        return {"key": self.key, "title": self.title, "categories": self.categories, "target": self.target,
                "axes": self.axes or sorted({s.unit for s in self.series}, key=[s.unit for s in self.series].index),
                "series": [{"name": s.name, "data": [_plain(v) for v in s.data], "unit": s.unit, "type": s.type,
                            "stack": s.stack, "axis": s.axis} for s in self.series]}


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def table_xlsx(chart: Chart) -> bytes:
    """The chart's table as a one-sheet workbook (header styled, formulas escaped: core's export helpers), with
    the target and the note under it."""
    rows = chart.rows()
    if chart.target:
        rows += [[], [chart.target["label"]]]
    if chart.note:
        rows += [[], [chart.note]]
    book = _book(chart.title[:31], chart.header(), rows)
    sheet = book.active
    for r, row in enumerate(chart.rows(), start=2):  # money and areas keep their two decimals on screen
        for c, value in enumerate(row, start=1):
            if isinstance(value, Decimal):
                sheet.cell(r, c).number_format = "#,##0.00"
    return _bytes(book)


def find(charts: list[Chart], key: str) -> Chart:
    for chart in charts:
        if chart.key == key:
            return chart
    raise ValidationError({"chart": [f"没有名为“{key}”的图表。"]})


# --- the charts of the statistics page ---------------------------------------------------------------------------

GROUPS = ("规划指标", "灾情统计", "任务与项目")


def _indicator_charts(period) -> list[Chart]:
    from ..models import Indicator
    from .indicators import compute

    charts = []
    for r in compute(Indicator.objects.filter(region=period.region).select_related("region")
                     .order_by("plan", "number", "code")):
        ind = r.indicator
        figures = [f for f in r.figures if f.year <= period.year]
        missing = [f"{f.year}年{f.missing}" for f in figures if f.value is None and f.missing]
        target = None
        if r.goal is not None:
            target = {"label": f"目标 {ind.target_label}（{ind.target_year}年）", "value": _shown(r.goal),
                      "unit": ind.unit}
        charts.append(Chart(
            key=f"indicator-{ind.pk}", title=ind.name, category_label="年度", group="规划指标",
            categories=[f"{f.year}年" for f in figures], target=target,
            series=[Series("实际值", [_shown(f.value) for f in figures], ind.unit, "line")],
            note="；".join(missing + [f"{f.year}年为手工填报：{f.source_note}" for f in figures if f.manual]),
            empty_text="尚无计算值（缺少记录或分母数据）。"))
    return charts


def _shown(value):
    """An indicator's value as the chart labels it and the table lists it: two decimals, four below 1 (a share of
    GDP in % is small)."""
    if value is None:
        return None
    return round(value, 4 if abs(value) < 1 else 2)


def _loss_series(rows: list[dict]) -> list[Series]:
    return [Series("受灾人口", [r["affected_people"] or 0 for r in rows], "人次"),
            Series("紧急转移安置", [r["relocated"] or 0 for r in rows], "人次"),
            Series("直接经济损失", [Decimal(r["direct_loss"] or 0).quantize(Decimal("0.01")) for r in rows], "万元",
                   "line", axis=1)]


def _loss_charts(period) -> list[Chart]:
    from .reports_sections import losses_by_month, losses_by_township

    townships = losses_by_township(period)
    months = losses_by_month(period)
    note = "按经县级审核的各乡镇最新一次灾情报告统计，年份、月份按灾害过程开始日期。"
    return [
        Chart("losses-township", f"{period.year}年分乡镇（街道）灾情", "乡镇（街道）",
              [r["region__name"] for r in townships], _loss_series(townships), note, group="灾情统计",
              axes=["人次", "万元"]),
        Chart("losses-month", f"{period.year}年分月灾情", "月份", [f"{m}月" for m in months],
              _loss_series(list(months.values())), note, group="灾情统计", axes=["人次", "万元"]),
    ]


def _task_chart(period) -> list[Chart]:
    from .tasks import progress_summary

    summary = progress_summary(period.region, period.start, period.end)
    by_unit: dict[str, dict] = {}
    for task in summary["tasks"]:
        for unit in task["lead_units"] or ["未指定牵头单位"]:
            counts = by_unit.setdefault(unit, {"done": 0, "in_progress": 0, "not_started": 0, "overdue": 0})
            counts[task["status"]] += 1
            counts["overdue"] += task["overdue"]
    units = sorted(by_unit, key=lambda u: (-sum(by_unit[u][k] for k in ("done", "in_progress", "not_started")), u))
    decisions = summary["decision_totals"]
    return [Chart("tasks", f"{period.year}年规划任务推进（按牵头单位）", "牵头单位", units, [
        Series("已完成", [by_unit[u]["done"] for u in units], "项", stack="tasks"),
        Series("推进中", [by_unit[u]["in_progress"] for u in units], "项", stack="tasks"),
        Series("未开始", [by_unit[u]["not_started"] for u in units], "项", stack="tasks"),
        Series("其中逾期", [by_unit[u]["overdue"] for u in units], "项", "line"),
    ], f"截至{period.end:%Y-%m-%d}。联席会议议定事项{decisions['total']}项：已办结{decisions['closed']}项，"
       f"落实中{decisions['open']}项（逾期{decisions['overdue']}项）。", group="任务与项目")]


def _project_chart(period) -> list[Chart]:
    from .projects import funding_summary

    projects = funding_summary(period.region, period.year, until=period.end)["projects"]
    names = [f"{p['number']}. {p['name']}" for p in projects]
    by = f"截至{period.end.month}月{period.end.day}日"
    return [Chart("projects", f"{period.year}年重点项目资金执行（{by}）", "重点项目", names, [
        Series("年度计划（全年）", [p["planned"] for p in projects], "万元"),
        Series("到位", [p["received"] for p in projects], "万元"),
        Series("支出", [p["spent"] for p in projects], "万元"),
        Series("支出占年度计划", [p["rate"] for p in projects], "%", "line", axis=1),
    ], f"资金计划按年度编制：年度计划为当年全年计划合计；到位、支出为当年1月1日至{period.end.month}月{period.end.day}日"
       "已登记的资金记录；支出占年度计划 = 支出 ÷ 年度计划。",
        group="任务与项目", axes=["万元", "%"])]


SOURCES = (("Indicator", _indicator_charts), ("DisasterLossReport", _loss_charts), ("PlanTask", _task_chart),
           ("KeyProject", _project_chart))


def charts(period) -> list[Chart]:
    """Every chart of the page for a region and a whole year (Period with half WHOLE_YEAR), from the areas that
    are installed."""
    from .reports_sections import _model

    return [chart for model, build in SOURCES if _model(model) is not None for chart in build(period)]
