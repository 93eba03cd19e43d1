"""Excel sheet of the 值班日志 (export for the duty archive; an import adds entries through the service)."""

from django.utils import timezone

from yingji.core.imports import CellError, Column, SheetSpec, boolean, choice, lookup, register, text
from yingji.core.models import User
from yingji.core.scoping import scope_actor

from .models import DutyLogEntry, DutyShift
from .services import duty


def _shifts(actor):
    return scope_actor(DutyShift.objects.all(), actor, for_write=True)


def _people(actor):
    return scope_actor(User.objects.filter(is_active=True), actor)


def _time(value):
    if value in (None, ""):
        return None
    if hasattr(value, "hour"):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    try:
        parsed = timezone.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise CellError("应为时间，如 2026-03-05 14:30") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else ""


def _save(actor, data):
    data = {k: v for k, v in data.items() if k != "region"}  # shown for the reader; the shift places the entry
    return duty.save_log_entry(actor, DutyLogEntry(), data), True


DUTY_LOG = register(SheetSpec(
    kind="duty-log",
    title="值班日志",
    permission="incidents.view_dutylogentry",
    queryset=lambda actor: scope_actor(DutyLogEntry.objects.select_related("shift__region", "handled_by"), actor),
    save_row=_save,
    columns=[
        Column("班次编号", "shift", lookup(_shifts, "pk", label="班次"), required=True, example=1,
               export=lambda e: e.shift_id),
        Column("值班区划", "region", text, export=lambda e: e.shift.region.name),
        Column("时间", "time", _time, required=True, example="2026-03-05 14:30", export=lambda e: _local(e.time)),
        Column("类别", "kind", choice(DutyLogEntry.KIND_CHOICES), required=True, example="来电",
               help="来电、去电、上级指示、交办事项、其他"),
        Column("对方", "counterpart", text, example="回澜镇应急办 028-23311102"),
        Column("内容", "content", text, required=True, example="报告某厂储罐泄漏"),
        Column("经办人", "handled_by", lookup(_people, "username", "display_name", label="用户"), example="duty",
               export=lambda e: str(e.handled_by or "")),
        Column("后续跟进", "follow_up", text),
        Column("已办结", "follow_up_done", boolean, example="否"),
    ],
))
