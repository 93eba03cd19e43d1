"""`yingji planning` commands of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项)."""

import json
from datetime import date

import click


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，应为 YYYY-MM-DD。", param_hint=name) from None


@click.command("tasks")
@click.option("--region", "region_code", default="", help="区划代码（默认：全部有规划任务的区划中最高一级）")
@click.option("--start", default="", help="起始日期 YYYY-MM-DD（默认：本半年开始）")
@click.option("--end", default="", help="截止日期 YYYY-MM-DD（默认：今天）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def tasks(region_code, start, end, as_json):
    """规划任务进展与联席会议议定事项办结情况（半年报告所用的汇总）。"""
    from yingji.cli import setup_django

    setup_django()
    from yingji.core.models import Region

    from ..models import PlanTask
    from ..services.tasks import progress_summary, today

    end_day = _day(end, "--end") or today()
    start_day = _day(start, "--start") or date(end_day.year, 1 if end_day.month <= 6 else 7, 1)
    if start_day > end_day:
        raise click.BadParameter("起始日期不能晚于截止日期。", param_hint="--start")
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise click.ClickException(f"找不到区划代码 {region_code}。")
    else:
        first = PlanTask.objects.select_related("region").order_by("region__path").first()
        if first is None:
            raise click.ClickException("尚无规划任务。")
        region = first.region
    summary = progress_summary(region, start_day, end_day)
    if as_json:
        click.echo(json.dumps({"region": region.name, **summary}, ensure_ascii=False, default=str, indent=1))
        return
    totals, decisions = summary["task_totals"], summary["decision_totals"]
    click.echo(f"{region.name} {start_day:%Y-%m-%d} 至 {end_day:%Y-%m-%d}：规划任务 {totals['total']} 项，已完成 "
               f"{totals['done']} 项，推进中 {totals['in_progress']} 项，未开始 {totals['not_started']} 项，逾期 "
               f"{totals['overdue']} 项")
    for row in summary["tasks"]:
        flag = " 逾期" if row["overdue"] else ""
        click.echo(f"  （{row['number']}）{row['title']}  {row['status_label']} {row['percent']}%{flag}")
    click.echo(f"联席会议 {len(summary['meetings'])} 次，议定事项 {decisions['total']} 项：已办结 {decisions['closed']}，"
               f"落实中 {decisions['open']}（逾期 {decisions['overdue']}）")


@click.command("tasks-overdue")
@click.option("--schedule", is_flag=True, help="同时安排后台任务每天 00:05（北京时间）自动刷新（需运行 yingji worker）")
def tasks_overdue(schedule):
    """按今天（北京时间）刷新规划任务与议定事项的逾期标记（每项变化均记入审计）。"""
    from yingji.cli import setup_django

    setup_django()
    from ..services.tasks import refresh_overdue, schedule_overdue_refresh

    changed = refresh_overdue()
    click.echo(f"逾期标记已刷新：规划任务 {changed['tasks']} 项、议定事项 {changed['decisions']} 项有变化。")
    if schedule:
        queued = schedule_overdue_refresh()
        click.echo("已安排每日自动刷新。" if queued else "每日自动刷新已在队列中（或当前后台任务后端不支持延时）。")


COMMANDS: list = [tasks, tasks_overdue]
