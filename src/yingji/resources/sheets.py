"""Excel sheets of the resources registries."""

from yingji.core.imports import CellError, Column, SheetSpec, choice, integer, lookup, number, register, text
from yingji.core.models import Organisation, Region
from yingji.core.scoping import scope_actor
from yingji.standards import event_codes

from . import services
from .models import RescueForce


def _capabilities(value):
    """"12G00、11A00" or "火灾事故,水旱灾害" → class codes."""
    raw = text(value)
    if not raw:
        return []
    names = {c.name: c.code for c in event_codes.table().values()}
    codes = []
    for part in raw.replace("，", ",").replace("、", ",").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part in names:
            codes.append(names[part])
            continue
        try:
            codes.append(event_codes.get(part).code)
        except ValueError as exc:
            raise CellError(str(exc)) from None
    return codes


def _save_force(actor, data):
    data = {**data, **{k: data.get(k) or 0 for k in ("members_total", "members_on_duty")}}
    existing = RescueForce.objects.filter(region=data.get("region"), name=data["name"]).first()
    force = services.save_force(actor, existing or RescueForce(), data)
    return force, existing is None


FORCES = register(SheetSpec(
    kind="forces",
    title="救援队伍",
    permission="resources.view_rescueforce",
    queryset=lambda actor: scope_actor(RescueForce.objects.select_related("region", "organisation"), actor),
    save_row=_save_force,
    coordinates=("longitude", "latitude"),
    columns=[
        Column("名称", "name", text, required=True, example="乐至县城东消防站"),
        Column("类型", "type", choice(RescueForce.TYPE_CHOICES), required=True, example="消防救援站"),
        Column("消防站等级", "station_class", choice(RescueForce.STATION_CLASS_CHOICES), example="一级站",
               help="仅消防救援站填写"),
        Column("专业方向", "specialty", choice(RescueForce.SPECIALTY_CHOICES), help="仅专业救援队伍填写"),
        Column("所属区划", "region", lookup(lambda a: scope_actor(Region.objects.all(), a), "code", "name",
                                          label="区划"), required=True, example="512022001",
               export=lambda f: f.region.code or f.region.name),
        Column("上级单位", "organisation", lookup(lambda a: scope_actor(Organisation.objects.all(), a), "name",
                                              label="单位"), example="乐至县消防救援大队",
               export=lambda f: f.organisation.name if f.organisation else ""),
        Column("经度", "longitude", number, example=105.045),
        Column("纬度", "latitude", number, example=30.281),
        Column("地址", "address", text),
        Column("负责人", "contact_person", text),
        Column("联系电话", "phone", text),
        Column("值班电话", "duty_phone", text, example="119"),
        Column("队员总数（人）", "members_total", integer, example=30),
        Column("在岗人数（人）", "members_on_duty", integer, example=12),
        Column("可处置事件类别", "capabilities", _capabilities, example="火灾事故、危险化学品事故、道路交通事故",
               help="GB/T 35561 事件类别名称或代码（如 12G00），多个用顿号或逗号分隔",
               export=lambda f: "、".join(f.capability_labels)),
        Column("备注", "notes", text),
    ],
    notes=["战备状态不在表中修改：请在队伍页面或接口中变更，以保留状态历史。"],
))
