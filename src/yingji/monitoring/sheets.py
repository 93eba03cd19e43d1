"""Excel sheet of the sensors registry (监测点): import all-or-nothing with a row-by-row error report, export in the
same layout so an exported file can be corrected and imported back. Rows are matched by code."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.imports import CellError, Column, SheetSpec, boolean, integer, lookup, number, register, text
from yingji.core.models import Region
from yingji.core.scoping import scope_actor
from yingji.resources.models import Hydrant
from yingji.safety.models import Enterprise, HazardUnit

from . import kinds
from .models import Gateway, Sensor
from .services import sensors as services


def _kind(value):
    """A kind by code (lel), label (可燃气体（%LEL）) or name when only one kind has it (可燃气体)."""
    raw = text(value)
    if raw == "":
        return ""
    table = kinds.kinds()
    if raw in table:
        return raw
    for kind in table.values():
        if raw in (kind.label, kind.label.replace("（", "(").replace("）", ")")):
            return kind.code
    named = [k.code for k in table.values() if k.name == raw]
    if len(named) == 1:
        return named[0]
    raise CellError(f"可选值：{'、'.join(k.label for k in table.values())}")


def _moment(value):
    """安装时间: an Excel date/time (Beijing time), or text YYYY-MM-DD [HH:MM[:SS]]."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        raw = text(value).replace("/", "-").replace("T", " ")
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = datetime.datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
        else:
            raise CellError("时间格式应为 YYYY-MM-DD HH:MM（北京时间）")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _active(value):
    return True if value in (None, "") else boolean(value)  # an empty cell is 启用


def _regions(actor):
    return scope_actor(Region.objects.all(), actor)


def _code_or_name(region):
    return (region.code or region.name) if region else ""


def _save_sensor(actor, data):
    data = dict(data)
    errors = {}
    unit_name = data.pop("hazard_unit_name", "")
    if unit_name:
        units = scope_actor(HazardUnit.objects.filter(name=unit_name), actor)
        if data.get("enterprise") is not None:
            units = units.filter(enterprise=data["enterprise"])
        found = list(units[:2])
        if len(found) != 1:
            errors["hazard_unit"] = [f"找不到唯一的单元“{unit_name}”" + ("（请同时填写企业）" if len(found) > 1 else "")]
        else:
            data["hazard_unit"] = found[0]
    hydrant_number = data.pop("hydrant_number", "")
    if hydrant_number:
        found = list(scope_actor(Hydrant.objects.filter(number=hydrant_number), actor)[:2])
        if len(found) != 1:
            errors["hydrant"] = [f"找不到唯一的消火栓“{hydrant_number}”"]
        else:
            data["hydrant"] = found[0]
    if errors:
        raise ValidationError(errors)
    existing = Sensor.objects.filter(code__iexact=data.get("code", "")).first()
    for key in ("expected_interval_s", "installed_at"):
        if data.get(key) is None and existing is not None:
            data.pop(key, None)  # an empty cell keeps what is registered
    return services.save_sensor(actor, existing or Sensor(), data), existing is None


SENSORS = register(SheetSpec(
    kind="sensors", title="监测点", permission="monitoring.view_sensor",
    queryset=lambda actor: scope_actor(Sensor.objects.select_related(
        "region", "enterprise", "hazard_unit", "hydrant", "watched_region", "gateway"), actor),
    save_row=_save_sensor, coordinates=("longitude", "latitude"),
    notes=["按监测点编码匹配：已登记的更新，其余新增。已有读数的监测点不能修改编码和监测类型。",
           "企业填统一社会信用代码或名称；所属区划可不填（取企业所在区划）；重大危险源（单元）须属于所填企业。",
           "上报周期留空取该监测类型的默认周期；安装时间为北京时间，留空为导入时间。"],
    columns=[
        Column("监测点编码", "code", text, required=True, example="DEMO-LEL-01",
               help="字母、数字、点、下划线或连字符；设备按此编码上报（yingji/v1/sensors/编码/readings）"),
        Column("名称", "name", text, required=True, example="1号储罐区可燃气体探测器"),
        Column("监测类型", "kind", _kind, required=True, example="可燃气体（%LEL）",
               help="、".join(k.label for k in kinds.kinds().values()), export=lambda s: s.kind_info.label),
        Column("所属区划", "region", lookup(_regions, "code", "name", label="区划"), example="512022102",
               export=lambda s: _code_or_name(s.region)),
        Column("企业", "enterprise", lookup(lambda a: scope_actor(Enterprise.objects.all(), a), "credit_code", "name",
                                          label="企业"), example="91512022MA62Q7K1XE",
               export=lambda s: s.enterprise.credit_code if s.enterprise else ""),
        Column("重大危险源（单元）", "hazard_unit_name", text, example="1号储罐区",
               export=lambda s: s.hazard_unit.name if s.hazard_unit else ""),
        Column("消火栓编号", "hydrant_number", text, export=lambda s: s.hydrant.number if s.hydrant else ""),
        Column("监测村（社区）", "watched_region", lookup(_regions, "code", "name", label="区划"),
               export=lambda s: _code_or_name(s.watched_region)),
        Column("河段/断面", "river_section", text),
        Column("采集网关", "gateway", lookup(lambda a: scope_actor(Gateway.objects.all(), a), "code", label="网关"),
               export=lambda s: s.gateway.code if s.gateway else ""),
        Column("经度", "longitude", number, example=105.121), Column("纬度", "latitude", number, example=30.227),
        Column("位置描述", "address", text),
        Column("上报周期（s）", "expected_interval_s", integer, example=10),
        Column("安装时间", "installed_at", _moment, example="2026-01-15 09:00",
               export=lambda s: timezone.localtime(s.installed_at).replace(tzinfo=None) if s.installed_at else None),
        Column("启用", "is_active", _active, example="是", help="留空为“是”"),
    ]))
