"""`yingji warnings …`: a message's CAP XML, the list of messages, import of an external CAP file, the expiry run
(for cron or the worker's chain), sending a message's queued deliveries now, and simulated loudspeaker terminals. Times in Beijing time (+08:00)."""

import json
from pathlib import Path

import click


@click.group("warnings")
def warnings_group():
    """预警发布：CAP 报文、预警列表、导入外部 CAP、过期处理、发送。"""


def _setup():
    from yingji.cli import setup_django

    setup_django()


def _iso(moment):
    from django.utils import timezone

    return timezone.localtime(moment).isoformat() if moment is not None else None


def _find(key: str):
    """A message by its id or its CAP identifier."""
    from .models import Warning

    key = key.strip()
    found = Warning.objects.filter(pk=int(key)).first() if key.isdigit() and len(key) < 19 else None
    found = found or Warning.objects.filter(identifier=key).first()
    if found is None:
        raise click.ClickException(f"找不到预警信息“{key}”（请给出编号或 CAP 消息标识）。")
    return found


@warnings_group.command("cap")
@click.argument("key")
def cap_command(key):
    """打印一条消息的 CAP 1.2 XML（KEY 为编号或消息标识 identifier）。"""
    _setup()
    warning = _find(key)
    if not warning.cap_xml:
        raise click.ClickException(f"“{warning}”尚未发布（{warning.get_state_display()}），没有 CAP 报文。")
    click.echo(warning.cap_xml, nl=not warning.cap_xml.endswith("\n"))


STATES = ["draft", "submitted", "reviewed", "published", "expired", "cancelled", "superseded"]


@warnings_group.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(STATES), help="状态（可多次给出）")
@click.option("--current", is_flag=True, help="只列生效中的预警（已发布、未过失效时间，不含解除消息）")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True, help="最多列出条数")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def list_command(states, current, limit, as_json):
    """列出预警信息（本级发布与外部导入），新的在前。"""
    _setup()
    from .filtersets import current_q
    from .models import Warning

    rows = Warning.objects.select_related("region").order_by("-sent", "-created_at", "-id")
    if states:
        rows = rows.filter(state__in=states)
    if current:
        rows = rows.filter(current_q())
    items = [{"id": w.pk, "identifier": w.identifier, "msg_type": w.msg_type, "state": w.state,
              "state_display": w.get_state_display(), "source": w.source, "region": w.region.name,
              "event_code": w.event_code, "event": w.event, "level": w.level,
              "level_display": w.get_level_display() if w.level else "", "headline": w.headline,
              "onset": _iso(w.onset), "expires": _iso(w.expires), "sent": _iso(w.sent),
              "people_reached": w.people_reached} for w in rows[:limit]]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    click.echo(f"预警信息 {len(items)} 条")
    for item in items:
        when = (item["sent"] or "")[:16].replace("T", " ") or "（未发布）"
        click.echo(f"  #{item['id']:<5} {when:<16} {item['state_display']:<6} {item['level_display'] or '—':<8} "
                   f"{item['headline']}  {item['identifier'] or ''}")


@warnings_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--region", "region_code", required=True, help="接收该消息的区划代码（如 512022）")
def import_command(file, region_code):
    """导入外部 CAP 1.2 消息（XSD 与 GB/T 35965.1 校验不通过则拒绝并说明原因）。"""
    _setup()
    from django.core.exceptions import ValidationError

    from yingji.core.models import Region

    from .services.imports import import_cap

    region = Region.objects.filter(code=region_code.strip()).first()
    if region is None:
        raise click.BadParameter(f"找不到区划代码“{region_code}”。", param_hint="--region")
    try:
        warning = import_cap(None, file.read_bytes(), region)
    except ValidationError as exc:
        reasons = "\n".join(f"  {m}" for messages in exc.message_dict.values() for m in messages)
        raise click.ClickException(f"未导入 {file.name}：\n{reasons}") from None
    click.echo(f"已导入：#{warning.pk} {warning.identifier} {warning.headline}（{warning.get_state_display()}）")


@warnings_group.command("expire")
@click.option("--schedule", is_flag=True, help="同时在后台任务队列中排定周期过期处理（由 yingji worker 执行）")
def expire_command(schedule):
    """结束已过失效时间的预警（已发布 → 已过期）。"""
    _setup()
    from .services.lifecycle import expire_due
    from .tasks import schedule_expiry

    ended = expire_due()
    click.echo(f"过期处理完成：结束预警 {len(ended)} 条。")
    if schedule:
        if schedule_expiry():
            click.echo("已排定周期过期处理（由 yingji worker 执行）。")
        else:
            click.echo("周期过期处理已在队列中（或当前任务后端不支持定时）。")


@warnings_group.command("send")
@click.argument("key")
def send_command(key):
    """立即发送一条消息排队中的送达记录（通常由后台任务完成）。"""
    _setup()
    from .models import Delivery
    from .services.delivery import CHANNEL_LABELS, send

    STATE_LABELS = dict(Delivery.STATE_CHOICES)

    warning = _find(key)
    counts = send(warning.pk)
    for channel, states in counts.items():
        parts = "，".join(f"{STATE_LABELS[state]} {n}" for state, n in sorted(states.items()))
        click.echo(f"{CHANNEL_LABELS[channel]}：{parts}")


@warnings_group.command("terminals")
@click.argument("codes", nargs=-1)
@click.option("--mode", type=click.Choice(["play", "silent", "busy"]), default="play", show_default=True,
              help="play 播放并应答；silent 不应答（离线）；busy 应答忙")
def terminals_command(codes, mode):
    """模拟大喇叭终端（演示与联调）：按登记的启用终端（或给出的终端编号）订阅播放主题，打印收到的指令并应答。
    连接 YINGJI_BROADCAST_HOST/PORT/PREFIX 指定的 MQTT 服务器（未设置时为 127.0.0.1:1883）。"""
    _setup()
    from .channels import terminals
    from .models import LoudspeakerTerminal
    from .services.delivery import channel_configs

    config = channel_configs().get("loudspeaker", {})
    codes = list(codes) or list(LoudspeakerTerminal.objects.filter(is_active=True).values_list("code", flat=True))
    if not codes:
        raise click.ClickException("没有启用的大喇叭终端：请先登记终端，或在命令后给出终端编号。")
    raise SystemExit(terminals.main([*codes, "--host", config.get("host") or "127.0.0.1",
                                     "--port", str(config.get("port") or 1883),
                                     "--prefix", config.get("prefix") or "yingji/v1", "--mode", mode]))


commands = [warnings_group]
