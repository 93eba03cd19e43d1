"""Excel sheets of the warnings registers: recipients (预警接收人) and loudspeaker terminals (应急广播终端). Import is
all-or-nothing with a row-by-row error report (core/imports.py): one bad phone number and nothing is written.
Exported files import back unchanged. Recipients are matched by (所在村（社区）或乡镇, 姓名, 手机号); terminals by 编号."""

from django.core.exceptions import ValidationError

from yingji.core.imports import CellError, Column, SheetSpec, boolean, choice, lookup, number, register, text
from yingji.core.models import Region
from yingji.core.scoping import scope_actor
from yingji.core.validators import normalise_phone

from .models import LoudspeakerTerminal, Recipient
from .services import recipients as services


def _phone(value):
    """A mobile number as people type it (spaces, +86, dashes); a number Excel turned into 1.39e10 too."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = text(value)
    try:
        return normalise_phone(raw, field="phone", label="手机号")
    except ValidationError as exc:  # its message names the number and the expected forms
        raise CellError(exc.message_dict["phone"][0]) from None


def _active(value):
    return True if value in (None, "") else boolean(value)


def _regions(actor):
    return scope_actor(Region.objects.filter(level__in=services.PLACED_LEVELS), actor)


def _code_or_name(region):
    return (region.code or region.name) if region else ""


def _save_recipient(actor, data):
    existing = Recipient.objects.filter(region=data.get("region"), name=data.get("name", ""),
                                        phone=data.get("phone", "")).first() if data.get("phone") else None
    return services.save_recipient(actor, existing or Recipient(), data), existing is None


RECIPIENTS = register(SheetSpec(
    kind="recipients", title="预警接收人", permission="warnings.view_recipient",
    queryset=lambda actor: scope_actor(Recipient.objects.select_related("region"), actor),
    save_row=_save_recipient, coordinates=("longitude", "latitude"),
    notes=["按“所在村（社区）或乡镇 + 姓名 + 手机号”匹配：已登记的更新，其余新增。",
           "手机号和电子邮箱至少填一项；手机号为 11 位大陆手机号（可带 +86、空格或连字符）。",
           "经纬度可不填：不填时按所在村（社区）或乡镇判断是否在预警范围内。"],
    columns=[
        Column("姓名", "name", text, required=True, example="张三"),
        Column("类别", "kind", choice(Recipient.KIND_CHOICES), example="网格员",
               help="、".join(label for _, label in Recipient.KIND_CHOICES)),
        Column("手机号", "phone", _phone, example="13800000000"),
        Column("电子邮箱", "email", text, example=""),
        Column("所在村（社区）或乡镇", "region", lookup(_regions, "code", "name", label="村（社区）或乡镇"),
               required=True, example="512022102", help="填区划代码或名称（重名时填代码）",
               export=lambda r: _code_or_name(r.region)),
        Column("经度", "longitude", number, example=105.118), Column("纬度", "latitude", number, example=30.225),
        Column("启用", "is_active", _active, example="是", help="留空为“是”"),
        Column("备注", "remark", text),
    ]))


def _save_terminal(actor, data):
    existing = LoudspeakerTerminal.objects.filter(code__iexact=data.get("code", "")).first()
    return services.save_terminal(actor, existing or LoudspeakerTerminal(), data), existing is None


TERMINALS = register(SheetSpec(
    kind="loudspeakers", title="应急广播终端", permission="warnings.view_loudspeakerterminal",
    queryset=lambda actor: scope_actor(LoudspeakerTerminal.objects.select_related("region"), actor),
    save_row=_save_terminal, coordinates=("longitude", "latitude"),
    notes=["按终端编号匹配：已登记的更新，其余新增。终端订阅 MQTT 主题 yingji/v1/terminals/编号/play。"],
    columns=[
        Column("终端编号", "code", text, required=True, example="LZ-GB-0001"),
        Column("名称", "name", text, required=True, example="回澜镇某村村委会大喇叭"),
        Column("所在村（社区）", "region", lookup(_regions, "code", "name", label="村（社区）或乡镇"), required=True,
               example="512022102", export=lambda t: _code_or_name(t.region)),
        Column("经度", "longitude", number), Column("纬度", "latitude", number),
        Column("启用", "is_active", _active, example="是", help="留空为“是”"),
    ]))
