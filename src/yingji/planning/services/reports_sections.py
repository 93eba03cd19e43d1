"""The sections of the half-year report, each built from one area's records for a Period (region, year, half,
actor): a Section is (title, paragraphs, tables, subsections) — see reports_docx.Section. Figures come from each
area's own service (indicators.compute, tasks.progress_summary, projects.funding_summary) or its models, for the
report's region (which the actor's scope was checked against), so the report says what the pages say. A section
whose area has nothing for the period says so in words, never with made-up numbers; an area not installed in
this build says that."""

from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth

from .reports import Period
from .reports_docx import Section, Table

UNAVAILABLE = "{name}模块尚未启用，本部分暂无数据。"
ZERO = Decimal("0.00")
DOCX_ROWS = 10  # a long list (overdue tasks) prints its first rows in the document, all of them in the workbook


def _model(name: str):
    """A planning model of another area, or None while that area is not installed in this build."""
    try:
        return apps.get_model("planning", name)
    except LookupError:
        return None


def _needs(model_name: str, title: str, label: str):
    """Decorator: the section says its area is not installed instead of failing."""
    def wrap(build):
        def section(period: Period) -> Section:
            if _model(model_name) is None:
                return Section(title, [UNAVAILABLE.format(name=label)])
            return build(period)
        section.__name__ = build.__name__
        return section
    return wrap


def _num(value, places: int = 2):
    """A figure for a table: a whole number stays whole (deaths: 0, not 0.00), others Decimal to `places`."""
    if value is None:
        return None
    if float(value).is_integer():
        return int(value)
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _cents(value) -> Decimal:
    """公顷 and 万元 always with their two decimals (500.00, not 500)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


# --- 一、indicators -----------------------------------------------------------------------------------------------

def _indicator_value(figure) -> object:
    if figure is None:
        return None
    if figure.value is None:
        return figure.missing or None
    text = f"{_num(figure.value, 2)}"
    return text + "（手工填报）" if figure.manual else _num(figure.value, 2)


@_needs("Indicator", "规划主要指标完成情况", "规划指标")
def indicators_section(period: Period) -> Section:
    from ..models import Indicator
    from .indicators import compute

    title = "规划主要指标完成情况"
    indicators = Indicator.objects.filter(region=period.region).select_related("region").order_by(
        "plan", "number", "code")
    results = compute(indicators)
    if not results:
        return Section(title, [f"{period.region.name}尚未录入规划主要指标。"])
    year, last = period.year, period.year - 1
    rows, met, unmet, missing = [], [], [], []
    for r in results:
        by_year = {f.year: f for f in r.figures}
        current, previous = by_year.get(year), by_year.get(last)
        ind = r.indicator
        rows.append([ind.name, ind.attribute, ind.unit or "—",
                     _num(r.baseline, 2) if r.baseline is not None else None, ind.target_label,
                     _indicator_value(previous), _indicator_value(current), _trend(previous, current), r.status])
        (met if r.met else unmet if r.met is False else missing).append(ind.name)
    paragraphs = [f"规划确定的主要指标共{len(results)}项，按已审核的事故、灾情记录和年度统计数据计算："
                  f"达到目标{len(met)}项，未达目标{len(unmet)}项，暂无法判断{len(missing)}项。"]
    if unmet:
        paragraphs.append(f"未达目标的指标：{'、'.join(unmet)}，需加大工作力度。")
    lacking = [r.indicator.name for r in results if any(f.missing for f in r.figures if f.year in (last, year))]
    if lacking:
        paragraphs.append(f"以下指标缺少分母数据或未填报，未计算数值：{'、'.join(lacking)}。请统计部门补录年度常住人口、"
                          "地区生产总值或工矿商贸就业人员数据。")
    table = Table("规划主要指标完成情况", ["指标", "属性", "单位", "基期值", "目标", f"{last}年", f"{year}年（截至报告期）",
                                           "趋势", "评价"], rows,
                  note=f"注：{year}年数值为截至{period.end.month}月{period.end.day}日已审核记录的计算值；"
                       "年均类指标为规划期起始年至当年的平均值；趋势为与上年比较。")
    return Section(title, paragraphs, [table])


def _trend(previous, current) -> str:
    if previous is None or current is None or previous.value is None or current.value is None:
        return "—"
    if current.value > previous.value:
        return "上升"
    return "下降" if current.value < previous.value else "持平"


# --- 二、tasks and 五、meetings ---------------------------------------------------------------------------------------

def _summary(period: Period) -> dict:
    from .tasks import progress_summary

    return progress_summary(period.region, period.start, period.end)


@_needs("PlanTask", "规划任务推进情况", "规划任务")
def tasks_section(period: Period) -> Section:
    title = "规划任务推进情况"
    summary = _summary(period)
    tasks, totals = summary["tasks"], summary["task_totals"]
    if not tasks:
        return Section(title, [f"{period.region.name}本报告期内没有实施中的规划任务。"])
    paragraphs = [f"纳入分工方案的规划任务共{totals['total']}项，截至{period.end.month}月{period.end.day}日，"
                  f"已完成{totals['done']}项，推进中{totals['in_progress']}项，未开始{totals['not_started']}项，"
                  f"逾期未完成{totals['overdue']}项。"]
    by_unit: dict[str, list] = defaultdict(list)
    for task in tasks:
        for unit in task["lead_units"] or ["（未指定牵头单位）"]:
            by_unit[unit].append(task)
    unit_rows = [[unit, len(items), sum(t["status"] == "done" for t in items),
                  sum(t["overdue"] for t in items), _num(sum(t["percent"] for t in items) / len(items), 1)]
                 for unit, items in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    units = Section("牵头单位推进情况", [], [Table("各牵头单位规划任务推进情况",
                                                   ["牵头单位", "任务数", "已完成", "逾期", "平均进度（%）"], unit_rows)])
    overdue = [t for t in tasks if t["overdue"]]
    late = Section("逾期任务", [f"逾期未完成的任务{len(overdue)}项，已通过消息中心提醒牵头单位。" if overdue
                                else "本报告期没有逾期未完成的任务。"],
                   [Table("逾期未完成任务", ["序号", "任务", "牵头单位", "完成期限", "进度（%）", "最近进展"],
                          [[t["number"], t["title"], "、".join(t["lead_units"]) or "—", t["deadline"], t["percent"],
                            (t["last_report"] or {}).get("text", "未报告")[:60]] for t in _most_behind(overdue)],
                          limit=DOCX_ROWS)] if overdue else [])
    return Section(title, paragraphs, [], [units, late])


def _most_behind(tasks: list[dict]) -> list[dict]:
    """Overdue tasks, the longest overdue and least advanced first."""
    return sorted(tasks, key=lambda t: (t["deadline"] is None, t["deadline"] or "", t["percent"], t["number"]))


@_needs("JointMeeting", "联席会议议定事项落实情况", "联席会议")
def meetings_section(period: Period) -> Section:
    title = "联席会议议定事项落实情况"
    summary = _summary(period)
    meetings, totals = summary["meetings"], summary["decision_totals"]
    if not meetings:
        return Section(title, ["本报告期内未召开联席会议。"])
    names = "、".join(f"{m['date'].month}月{m['date'].day}日{m['title']}" for m in meetings)
    paragraphs = [f"本报告期召开联席会议{len(meetings)}次（{names}），形成议定事项{totals['total']}项，"
                  f"已办结{totals['closed']}项，落实中{totals['open']}项，其中逾期{totals['overdue']}项。"]
    rows = [[d["number"], d["text"][:80], d["responsible"], d["deadline"],
             "已办结" if d["status"] == "done" else ("逾期" if d["overdue"] else "落实中"),
             d["closing_note"][:60] if d["status"] == "done" else ""]
            for m in meetings for d in m["decisions"]]
    return Section(title, paragraphs, [Table("联席会议议定事项落实情况", ["序号", "议定事项", "责任单位", "完成期限",
                                                                       "状态", "办结情况"], rows)])


# --- 三、projects -------------------------------------------------------------------------------------------------

@_needs("KeyProject", "重点项目资金执行情况", "重点项目")
def projects_section(period: Period) -> Section:
    from .projects import funding_summary

    title = "重点项目资金执行情况"
    summary = funding_summary(period.region, period.year, until=period.end)
    projects, totals = summary["projects"], summary["totals"]
    if not projects:
        return Section(title, [f"{period.region.name}没有登记重点项目。"])
    rate = f"，占年度计划的{totals['rate']}%" if totals["rate"] is not None else ""
    by = f"截至{period.end.month}月{period.end.day}日"
    paragraphs = [f"纳入规划的重点项目{len(projects)}个，{period.year}年度计划投资{_money(totals['planned'])}万元；"
                  f"{by}，资金到位{_money(totals['received'])}万元，已支出{_money(totals['spent'])}万元{rate}。"]
    behind = [p["name"] for p in projects if p["planned"] and p["rate"] is not None and p["rate"] < 50]
    if behind:
        paragraphs.append(f"支出率低于50%的项目：{'、'.join(behind)}，请牵头单位加快资金拨付和项目实施。")
    rows = [[p["number"], p["name"], p["lead_units"], p["planned"], p["received"], p["spent"], p["rate"],
             p["progress_percent"]] for p in projects]
    rows.append(["合计", "", "", totals["planned"], totals["received"], totals["spent"], totals["rate"], None])
    table = Table(f"重点项目{period.year}年资金执行情况（到位、支出{by}）",
                  ["序号", "项目", "牵头单位", "年度计划", "到位", "支出", "支出率（%）", "进度（%）"], rows,
                  unit="单位：万元",
                  note=f"注：资金计划按年度编制，“年度计划”为{period.year}年全年计划合计，不按半年拆分；到位、支出为"
                       f"{period.year}年1月1日至{period.end.month}月{period.end.day}日已登记的资金记录；"
                       "支出率 = 支出 ÷ 年度计划。")
    return Section(title, paragraphs, [table])


# --- 四、disaster losses --------------------------------------------------------------------------------------------

LOSS_SUMS = ("affected_people", "deaths", "missing", "relocated", "crop_affected_ha", "direct_loss")


def loss_reports(period: Period):
    """The accepted current township reports of events that began in the period, in the report's region."""
    model = _model("DisasterLossReport")
    return model.objects.filter(is_current=True, region__path__startswith=period.region.path,
                                event__started_on__range=(period.start, period.end)).order_by()


def losses_by_township(period: Period) -> list[dict]:
    rows = (loss_reports(period).values("region__name", "region__code")
            .annotate(events=Count("event", distinct=True), **{f: Sum(f) for f in LOSS_SUMS}))
    return sorted(rows, key=lambda r: (r["region__code"] or "", r["region__name"]))


def losses_by_month(period: Period) -> dict[int, dict]:
    rows = (loss_reports(period).annotate(month=ExtractMonth("event__started_on")).values("month")
            .annotate(events=Count("event", distinct=True), **{f: Sum(f) for f in LOSS_SUMS}))
    found = {r["month"]: r for r in rows}
    empty = {"events": 0, **{f: 0 for f in LOSS_SUMS}}
    return {m: found.get(m, {**empty, "month": m}) for m in period.months}


def _loss_row(label, r: dict) -> list:
    return [label, r["events"], r["affected_people"] or 0, (r["deaths"] or 0) + (r["missing"] or 0),
            r["relocated"] or 0, _cents(r["crop_affected_ha"]), _cents(r["direct_loss"])]


LOSS_HEADER = ["灾害过程（次）", "受灾人口（人次）", "死亡失踪（人）", "紧急转移安置（人次）", "农作物受灾（公顷）",
               "直接经济损失（万元）"]


@_needs("DisasterLossReport", "自然灾害灾情统计", "灾情报告")
def losses_section(period: Period) -> Section:
    title = "自然灾害灾情统计"
    townships = losses_by_township(period)
    if not townships:
        return Section(title, [f"本报告期内{period.region.name}没有经审核的灾情报告。"])
    events = loss_reports(period).values("event").distinct().count()
    total = {f: sum((r[f] or 0) for r in townships) for f in LOSS_SUMS}
    dead = total["deaths"] + total["missing"]
    paragraphs = [f"本报告期内发生自然灾害过程{events}次，{len(townships)}个乡镇（街道）报告灾情，共造成受灾"
                  f"{total['affected_people']:,}人次，因灾死亡失踪{dead}人，紧急转移安置{total['relocated']:,}人次，"
                  f"农作物受灾{_money(total['crop_affected_ha'])}公顷，直接经济损失{_money(total['direct_loss'])}万元。"]
    rows = [_loss_row(r["region__name"], r) for r in townships]
    rows.append(_loss_row("合计", {**total, "events": events}))
    months = losses_by_month(period)
    month_rows = [_loss_row(f"{m}月", r) for m, r in months.items()]
    return Section(title, paragraphs, [
        Table("分乡镇（街道）灾情统计", ["乡镇（街道）", *LOSS_HEADER], rows,
              note="注：按各乡镇经县级审核的最新一次报告（核报优先）统计；同一灾害过程涉及多个乡镇的，合计行只计一次。"),
        Table("分月灾情统计", ["月份", *LOSS_HEADER], month_rows, note="注：按灾害过程开始日期所在月份统计。")])


BUILDERS = (indicators_section, tasks_section, projects_section, losses_section, meetings_section)


def build_sections(period: Period) -> list[Section]:
    return [build(period) for build in BUILDERS]
