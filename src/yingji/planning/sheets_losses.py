"""Excel sheet of township disaster-loss reports in the layout of the 制度's 自然灾害损失情况统计快报表 (one row per
township and stage, the indicators in the table's order with their units): import all-or-nothing with a row-by-row
error report, export in the same layout so an exported sheet imports back."""

from yingji.core.imports import (
    CellError,
    Column,
    SheetSpec,
    boolean,
    choice,
    date,
    integer,
    lookup,
    money,
    register,
    text,
)
from yingji.core.models import Region
from yingji.core.scoping import scope_actor

from .models import COUNT_FIELDS, FIGURE_FIELDS, DisasterEvent, DisasterLossReport
from .services import losses as services

Report = DisasterLossReport


def _event_lookup(value, actor):
    """An event by its id (as exported) or its exact name, among those the actor may see."""
    raw = text(value)
    if raw == "":
        return None
    events = scope_actor(DisasterEvent.objects.all(), actor)
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        found = events.filter(pk=int(raw)).first()
        if found:
            return found
    matches = list(events.filter(name=raw)[:2])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise CellError(f"有多个灾害过程名为“{raw}”，请改填编号")
    raise CellError(f"找不到灾害过程“{raw}”，或不在您的管辖范围内")


_event_lookup.needs_actor = True


def _save_row(actor, data):
    """Update the township's editable report of that stage (and 统计截至日期 for a 续报), else enter a new one;
    “报送” = 是 submits it."""
    submit = data.pop("submit", False)
    existing = Report.objects.filter(event=data.get("event"), region=data.get("region"), stage=data.get("stage"),
                                     covers_on=data.get("covers_on") if data.get("stage") == Report.FOLLOWUP else None,
                                     status__in=Report.EDITABLE).first()
    report = services.save_report(actor, existing or Report(), data)
    if submit:
        report = services.submit_report(actor, report)
    return report, existing is None


def _figure_column(field: str) -> Column:
    item = services.indicators()[field]
    return Column(f"{item['name']}（{item['unit']}）", field, integer if field in COUNT_FIELDS else money,
                  help=item["definition"], example=0)


LOSS_REPORTS = register(SheetSpec(
    kind="disaster_losses", title="自然灾害损失情况统计快报表（分乡镇）", permission="planning.view_disasterlossreport",
    queryset=lambda actor: scope_actor(Report.objects.select_related("event", "region"), actor),
    save_row=_save_row,
    notes=[f"表式与指标依{services.SOURCE}“自然灾害损失情况统计快报表”，以乡（镇、街道）为统计单位。",
           "灾害过程填编号或名称；乡镇（街道）填统计用区划代码（9 位）或名称。",
           "同一乡镇同一阶段（续报还需同一统计截至日期）有草稿或已退回的报告时更新该报告，否则新增。",
           "直接经济损失须等于农业、工矿商贸业、基础设施、公益设施、家庭财产损失之和；面积、金额最多两位小数。",
           "“报送”填“是”的行导入后即报送县级审核；否则保存为草稿。"],
    columns=[
        Column("灾害过程", "event", _event_lookup, required=True, example="2025年7月乐至县暴雨洪涝",
               export=lambda r: r.event_id),
        Column("乡镇（街道）", "region", lookup(lambda a: scope_actor(Region.objects.all(), a), "code", "name",
                                            label="区划"), required=True, example="512022001",
               export=lambda r: r.region.code or r.region.name),
        Column("报送阶段", "stage", choice(Report.STAGE_CHOICES), required=True, example="初报"),
        Column("统计截至日期", "covers_on", date, help="续报必填（截至该日 24 时）"),
        *[_figure_column(field) for field in FIGURE_FIELDS],
        Column("灾情文字说明", "remarks", text),
        Column("报送", "submit", boolean, help="填“是”则导入后即报送", export=lambda r: "否" if r.editable else "是"),
    ]))
