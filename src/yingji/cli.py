"""The `yingji` command. Apps add command groups by defining `commands` in their own cli.py."""

import os
import sys

import click

from yingji import __version__


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
    import django
    from django.utils import translation

    django.setup()
    translation.activate("zh-hans")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="yingji", message="%(prog)s %(version)s")
def main():
    """Yingji 应急管理综合应用平台."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="只准备数据库和演示数据，不启动服务。")
def demo(host, port, no_serve):
    """Migrate, load the demo county idempotently, print demo logins, serve on HOST:PORT."""
    setup_django()
    from django.core.management import call_command

    from yingji.core.demo import load_all

    click.echo("→ 数据库迁移…")
    call_command("migrate", interactive=False, verbosity=0)
    click.echo("→ 载入演示数据（可重复执行）…")
    credentials = load_all(log=lambda line: click.echo(f"  · {line}"))
    click.echo("\n演示账号（密码相同）：")
    for username, password, role, region in credentials:
        click.echo(f"  {username:<11} {password}  {role:<6} {region}")
    if no_serve:
        return
    click.echo(f"\n→ 打开 http://{host}:{port}/ （Ctrl+C 退出）")
    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="gunicorn 监听地址")
@click.option("--workers", default=2, show_default=True, type=int)
def serve(bind, workers):
    """Production server: collect static files, then gunicorn."""
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    # No gunicorn access log: Yingji writes its own access lines (core/logs.py), redacted and with the request id,
    # where gunicorn's would carry query strings (tokens, phone numbers) as they came.
    args = [sys.executable, "-m", "gunicorn", "yingji.wsgi:application", "--bind", bind, "--workers", str(workers)]
    if settings.YINGJI_METRICS:
        from yingji.core.metrics import multiprocess_dir

        # One set of counters for all the workers, whichever answers the scrape (docs/ops-monitoring.md).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(multiprocess_dir())
        args += ["--config", "python:yingji.core.gunicorn_hooks"]
    os.execvp(sys.executable, args)


@main.command()
@click.option("--queue", "queues", multiple=True, help="只处理这些队列（默认全部）")
@click.option("--batch", is_flag=True, help="处理完队列中已有的任务后退出")
def worker(queues, batch):
    """The background-task worker (database-backed tasks queue), writing a heartbeat that /readyz reads."""
    setup_django()
    from django.core.management import call_command

    from yingji.core.health import WorkerHeartbeat

    args = ["--queue-name", ",".join(queues) if queues else "*", "--no-reload"]
    if batch:
        args.append("--batch")
    with WorkerHeartbeat():
        call_command("db_worker", *args)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args):
    """Django management commands: yingji manage check --deploy, yingji manage migrate, …"""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yingji manage", *args])


def _add_app_commands():
    """Each yingji app's cli.py may export `commands`: a list of click commands or groups."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
    from django.conf import settings

    # The pure packages (standards, later routing) have command groups too, without being Django apps.
    from yingji.core.discovery import app_modules

    # So are operations (backup, restore, upgrade: yingji/ops), a cross-cutting package rather than an app.
    for module in app_modules("cli", [*settings.INSTALLED_APPS, "yingji.standards", "yingji.routing", "yingji.ops"]):
        for command in getattr(module, "commands", []):
            main.add_command(command)


_add_app_commands()

if __name__ == "__main__":  # python -m yingji.cli
    main()
