"""`yingji backup | restore | upgrade` (added to the top-level command in yingji/cli.py)."""

from pathlib import Path

import click


def _setup():
    from yingji.cli import setup_django

    setup_django()


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _local(moment: str) -> str:
    """An archive's UTC ISO time as Beijing time, for people."""
    from datetime import datetime

    from django.utils import timezone

    try:
        return f"{timezone.localtime(datetime.fromisoformat(moment)):%Y-%m-%d %H:%M:%S}"
    except (TypeError, ValueError):
        return moment


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--schedule", is_flag=True, help="同时排定每日自动备份（由 yingji worker 执行，保存到 YINGJI_BACKUP_DIR）")
def backup_command(path, schedule):
    """备份数据库、上传文件与路网到一个归档（PATH 为文件，或目录：在其中按时间命名；默认 YINGJI_BACKUP_DIR）。"""
    _setup()
    from django.conf import settings

    from .backup import backup
    from .errors import BackupError
    from .tasks import next_run, schedule_backup

    target = path or Path(settings.YINGJI_BACKUP_DIR)
    if path is None:
        target.mkdir(parents=True, exist_ok=True)
    try:
        report = backup(target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已备份到 {report.path}（{_mb(report.size)}，用时 {report.seconds:.1f} 秒）")
    click.echo(f"  数据库：{report.engine}，{report.tables} 张表 {report.rows} 行；逻辑转储"
               f"{'，另含原生副本 ' + report.native if report.native else ''}")
    if report.note:
        click.echo(f"  说明：{report.note}")
    click.echo(f"  文件：{report.files} 个（上传文件与路网）")
    if schedule:
        if schedule_backup():
            click.echo(f"已排定每日自动备份（下次 {next_run().isoformat()}，由 yingji worker 执行）。")
        else:
            click.echo("每日自动备份已在队列中（或当前任务后端不支持定时）。")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="目标数据库已有数据时仍然覆盖")
def restore_command(path, force):
    """从备份归档恢复到 YINGJI_DATABASE_URL 指定的空数据库（先校验归档；请先停止 Web 服务与 worker）。"""
    _setup()
    from .errors import BackupError
    from .restore import restore

    try:
        report = restore(path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已从 {report.archive} 恢复（Yingji {report.version}，备份于 {_local(report.created_at)}，"
               f"用时 {report.seconds:.1f} 秒）")
    click.echo(f"  数据库：{report.source_engine} → {report.engine}，经{report.method}；"
               f"{report.tables} 张表 {report.rows} 行，行数与清单一致")
    click.echo(f"  文件：{report.files} 个，校验值与清单一致")
    if report.applied:
        click.echo(f"  已迁移到本版本：{len(report.applied)} 个迁移（{'、'.join(report.applied)}）")


@click.command("upgrade")
@click.option("--no-backup", is_flag=True, help="跳过升级前备份（不建议）")
def upgrade_command(no_backup):
    """升级：备份 → 数据库迁移 → 收集静态文件 → 部署检查（check --deploy）。先停 worker，完成后重启 Web 与 worker。"""
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from .backup import backup
    from .errors import BackupError

    if not no_backup:
        folder = Path(settings.YINGJI_BACKUP_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            report = backup(folder)
        except BackupError as exc:
            raise click.ClickException(f"升级前备份失败，未做任何改动：{exc}") from exc
        click.echo(f"1/4 已备份到 {report.path}（{_mb(report.size)}）；出问题时用 yingji restore --force 回到此刻")
    else:
        click.echo("1/4 已跳过备份（--no-backup）")
    call_command("migrate", interactive=False, verbosity=1)
    click.echo("2/4 数据库迁移完成")
    call_command("collectstatic", interactive=False, verbosity=0)
    click.echo("3/4 静态文件已收集")
    try:
        call_command("check", deploy=True, fail_level="ERROR")
    except SystemCheckError as exc:
        raise click.ClickException(f"部署检查发现错误：\n{exc}") from exc
    click.echo("4/4 部署检查通过（警告见上，如有）")


commands = [backup_command, restore_command, upgrade_command]
