"""`yingji monitoring alarms | readings | check-stale`: alarms and readings for the duty room's scripts, and the
stale (offline) check for cron, a systemd timer or the worker's chain (tasks.py). Times are shown in
Asia/Shanghai (+08:00); a time given without an offset is read as Beijing time."""

import json
from datetime import datetime, time

import click

from .cli import monitoring

TIME_HELP = "ISO 8601 时间，如 2026-11-30T08:00:00+08:00 或 2026-11-30（无时区按北京时间）"


def _iso(moment) -> str | None:
    from django.utils import timezone

    return timezone.localtime(moment).isoformat() if moment is not None else None


def _parse_time(text: str, option: str) -> datetime:
    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    text = (text or "").strip()
    try:
        moment = parse_datetime(text.replace(" ", "T", 1)) if "T" in text or " " in text or ":" in text else None
        if moment is None:
            day = parse_date(text)
            moment = datetime.combine(day, time.min) if day is not None else None
    except ValueError:
        moment = None
    if moment is None:
        raise click.BadParameter(f"时间“{text}”格式不正确：应为{TIME_HELP}。", param_hint=option)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


@monitoring.command("alarms")
@click.option("--state", type=click.Choice(["active", "all"]), default="active", show_default=True,
              help="active：未恢复的报警；all：全部报警")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True, help="最多列出条数")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def alarms(state, limit, as_json):
    """列出报警：监测点编码、规则、报警类型、级别、状态和各时间（北京时间）。"""
    from yingji.cli import setup_django

    setup_django()
    from .models import Alarm

    rows = Alarm.objects.select_related("sensor", "rule").order_by("-raised_at", "-id")
    if state == "active":
        rows = rows.filter(active=True)
    items = [{
        "id": a.pk, "sensor": a.sensor.code, "sensor_name": a.sensor.name, "rule": a.rule.name,
        "rule_type": a.rule.rule_type, "alarm_type": a.alarm_type, "level": a.get_level_display(),
        "state": a.state, "state_display": a.get_state_display(), "active": a.active,
        "first_value": a.first_value, "peak_value": a.peak_value, "last_value": a.last_value,
        "unit": a.sensor.unit or a.sensor.kind_info.unit, "raised_at": _iso(a.raised_at),
        "escalated_at": _iso(a.escalated_at), "acknowledged_at": _iso(a.acknowledged_at),
        "cleared_at": _iso(a.cleared_at),
    } for a in rows[:limit]]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    if not items:
        click.echo("没有未恢复的报警。" if state == "active" else "没有报警记录。")
        return
    for item in items:
        times = "  ".join(f"{label} {item[key][:19].replace('T', ' ')}" for key, label in (
            ("raised_at", "报警"), ("escalated_at", "升级"), ("acknowledged_at", "确认"), ("cleared_at", "恢复"))
            if item[key])
        click.echo(f"{item['sensor']:<16} {item['alarm_type']}（{item['level']}） {item['state_display']:<6} "
                   f"{item['rule']}  {times}")


@monitoring.command("readings")
@click.argument("sensor_code")
@click.option("--since", help=f"起始时间（含），{TIME_HELP}")
@click.option("--until", help=f"截止时间（不含），{TIME_HELP}")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="最多条数（未给 --since 时取最近的读数）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（与上报格式相同：id、ts、value 或 event）")
def readings(sensor_code, since, until, limit, as_json):
    """列出监测点的读数，按时间先后。"""
    from yingji.cli import setup_django

    setup_django()
    from .models import Reading, Sensor

    start = _parse_time(since, "--since") if since is not None else None
    end = _parse_time(until, "--until") if until is not None else None
    if start is not None and end is not None and end <= start:
        raise click.BadParameter("截止时间应晚于起始时间。", param_hint="--until")
    sensor = Sensor.objects.filter(code=sensor_code).first()
    if sensor is None:
        raise click.ClickException(f"找不到编码为“{sensor_code}”的监测点。")
    rows = Reading.objects.filter(sensor=sensor)
    if start is not None:
        rows = rows.filter(ts__gte=start)
    if end is not None:
        rows = rows.filter(ts__lt=end)
    fields = ("id", "message_id", "ts", "value", "event")
    if start is not None:
        picked = list(rows.order_by("ts", "id").values(*fields)[:limit])
    else:
        picked = list(rows.order_by("-ts", "-id").values(*fields)[:limit])[::-1]
    items = []
    for row in picked:
        item = {"id": row["message_id"], "ts": _iso(row["ts"])}
        if row["event"]:
            item["event"] = row["event"]
        else:
            item["value"] = row["value"]
        items.append(item)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    unit = sensor.unit or sensor.kind_info.unit
    click.echo(f"{sensor.code} {sensor.name}：{len(items)} 条读数")
    for item in items:
        shown = item.get("event") or f"{item['value']:g} {unit}".strip()
        click.echo(f"  {item['ts'][:23].replace('T', ' ')}  {shown:<14} {item['id']}")


@monitoring.command("check-stale")
@click.option("--schedule", is_flag=True, help="同时在后台任务队列中排定周期检查（由 yingji worker 执行）")
def check_stale_command(schedule):
    """离线检查：超过“上报周期 × 离线倍数”未上报的监测点产生“离线”报警。"""
    from yingji.cli import setup_django

    setup_django()
    from .services.evaluate import check_stale
    from .tasks import interval, schedule_stale_check

    raised = check_stale()
    for alarm in raised:
        click.echo(f"离线：{alarm.sensor.code} {alarm.sensor.name}（最后读数 {_iso(alarm.sensor.last_reading_at)}）")
    click.echo(f"离线检查完成：新增离线报警 {len(raised)} 条。")
    if schedule:
        if schedule_stale_check():
            click.echo(f"已排定周期离线检查（每 {interval().total_seconds():g} 秒，由 yingji worker 执行）。")
        else:
            click.echo("周期离线检查已在队列中（或当前任务后端不支持定时）。")
