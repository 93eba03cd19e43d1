"""`yingji monitoring partitions | prune`: the monthly partitions of the readings (PostgreSQL) and retention
(services/storage.py), for cron, a systemd timer or the worker's daily chain (storage_tasks.py)."""

import json

import click

from .cli import monitoring


@monitoring.command("partitions")
@click.option("--months-ahead", default="3", show_default=True, help="提前创建的月分区数（0–120）")
def partitions_command(months_ahead):
    """按月分区（PostgreSQL）：创建当月前后的月分区，并把默认分区中的读数移入所属月份。"""
    from yingji.cli import setup_django

    setup_django()
    from .services import storage

    if not months_ahead.strip().isdigit() or not 0 <= int(months_ahead) <= 120:
        raise click.BadParameter(f"“{months_ahead}”不是 0–120 之间的整数月数。", param_hint="--months-ahead")
    report = storage.ensure_partitions(int(months_ahead))
    if not report["partitioned"]:
        click.echo("当前数据库不分区（SQLite 使用单表），无需创建分区。")
        return
    for name in report["created"]:
        click.echo(f"已创建分区：{name}")
    click.echo(f"分区检查完成：新建 {len(report['created'])} 个，从默认分区移出读数 {report['moved']} 条；"
               f"现有月分区 {len(storage.partitions())} 个。")


@monitoring.command("prune")
@click.option("--dry-run", is_flag=True, help="只统计将被清理的数据，不删除")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.option("--schedule", is_flag=True, help="同时在后台任务队列中排定每日分区与清理（由 yingji worker 执行）")
def prune_command(dry_run, as_json, schedule):
    """数据保留：删除超过保留期的原始读数（PostgreSQL 整月删除分区）、消息编号、拒收记录与 1 分钟汇总；1 小时汇总长期保留。"""
    from yingji.cli import setup_django

    setup_django()
    from django.conf import settings
    from django.utils import timezone

    from .services import storage
    from .storage_tasks import next_run, schedule_storage

    report = storage.prune(dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        verb = "将清理" if dry_run else "已清理"
        click.echo(f"原始读数保留 {settings.YINGJI_READINGS_RAW_DAYS} 天，截止 {timezone.localtime(report.raw_cutoff):%Y-%m-%d %H:%M}；"
                   f"1 分钟汇总保留 {settings.YINGJI_ROLLUP_MINUTE_DAYS} 天。")
        if report.partitions_dropped:
            click.echo(f"{verb}分区：{'、'.join(report.partitions_dropped)}")
        click.echo(f"{verb}：原始读数 {report.readings} 条，消息编号 {report.keys} 条，拒收记录 {report.rejections} 条，"
                   f"1 分钟汇总 {report.minute_rollups} 条。")
    if schedule and not dry_run:
        if schedule_storage():
            click.echo(f"已排定每日分区与清理（下次 {next_run().isoformat()}，由 yingji worker 执行）。", err=as_json)
        else:
            click.echo("每日分区与清理已在队列中（或当前任务后端不支持定时）。", err=as_json)
