"""Excel sheets of the resources registries."""

import re

from yingji.core.imports import (
    CellError,
    Column,
    SheetSpec,
    choice,
    date,
    integer,
    lookup,
    money,
    number,
    register,
    text,
)
from yingji.core.models import Organisation, Region
from yingji.core.scoping import scope_actor
from yingji.standards import event_codes

from . import services
from .models import (
    AgreementReserve,
    Equipment,
    Expert,
    Hydrant,
    RescueForce,
    Shelter,
    SupplyItem,
    Vehicle,
    Warehouse,
)


def _capabilities(value):
    """"12G00、11A00" or "火灾事故、群体性中毒、感染事件" → class codes.

    Names may themselves contain "、", so they are matched as whole names (longest first)
    rather than split on separators; whatever is left over must be separators only.
    """
    rest = text(value)
    found = []  # (position, code)
    for code in re.findall(r"\b1[1-4][0-9A-Z]\d\d\b", rest.upper()):
        try:
            found.append((rest.upper().index(code), event_codes.get(code).code))
        except ValueError as exc:
            raise CellError(str(exc)) from None
        rest = rest.replace(code, " ").replace(code.lower(), " ")
    for item in sorted(event_codes.top_classes() + event_codes.classes(), key=lambda c: -len(c.name)):
        while item.name in rest:
            found.append((rest.index(item.name), item.code))
            rest = rest.replace(item.name, " " * len(item.name), 1)
    leftover = re.sub(r"[\s、，,;；/]+", "", rest)
    if leftover:
        raise CellError(f"无法识别的事件类别“{leftover}”：请填 GB/T 35561 类别名称或代码（如 火灾事故 或 12G00）")
    return [code for _, code in sorted(found)]


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


def _region_column(required=True):
    return Column("所属区划", "region", lookup(lambda a: scope_actor(Region.objects.all(), a), "code", "name",
                                             label="区划"), required=required, example="512022102",
                  export=lambda r: r.region.code or r.region.name)


def _upsert(model, save, key_fields):
    """A row saver: find the record by its natural key within the region, then save through the service."""

    def save_row(actor, data):
        existing = model.objects.filter(**{k: data.get(k) for k in key_fields}).first()
        return save(actor, existing or model(), data), existing is None

    return save_row


WAREHOUSES = register(SheetSpec(
    kind="warehouses", title="储备库", permission="resources.view_warehouse",
    queryset=lambda actor: scope_actor(Warehouse.objects.select_related("region"), actor),
    save_row=_upsert(Warehouse, services.save_warehouse, ("region", "name")),
    coordinates=("longitude", "latitude"),
    columns=[
        Column("名称", "name", text, required=True, example="回澜镇应急物资储备点"),
        Column("层级", "level", choice(Warehouse.LEVEL_CHOICES), required=True, example="乡级"),
        _region_column(),
        Column("负责人", "manager", text), Column("联系电话", "phone", text),
        Column("库容面积（m²）", "capacity_m2", money, example=200),
        Column("经度", "longitude", number, example=105.116), Column("纬度", "latitude", number, example=30.223),
        Column("地址", "address", text),
    ],
))


def _facilities(value):
    labels = {label: code for code, label in Shelter.FACILITIES}
    parts = [p.strip() for p in text(value).replace("，", "、").replace(",", "、").split("、") if p.strip()]
    unknown = [p for p in parts if p not in labels and p not in labels.values()]
    if unknown:
        raise CellError(f"未知设施：{'、'.join(unknown)}；可选：{'、'.join(labels)}")
    return [labels.get(p, p) for p in parts]


SHELTERS = register(SheetSpec(
    kind="shelters", title="应急避难场所", permission="resources.view_shelter",
    queryset=lambda actor: scope_actor(Shelter.objects.select_related("region"), actor),
    save_row=_upsert(Shelter, services.save_shelter, ("region", "name")),
    coordinates=("longitude", "latitude"),
    columns=[
        Column("名称", "name", text, required=True, example="回澜镇中心小学避难场所"),
        Column("类型", "type", choice(Shelter.TYPE_CHOICES), required=True, example="固定避难场所（短期）"),
        _region_column(),
        Column("有效避难面积（m²）", "effective_area_m2", money, required=True, example=5200,
               help="可容纳人数由面积 ÷ 人均定额自动计算，不在表中填写"),
        Column("设施", "facilities", _facilities, example="供水、供电、厕所",
               export=lambda s: "、".join(s.facility_labels)),
        Column("状态", "status", choice(Shelter.STATUS_CHOICES), example="可用"),
        Column("经度", "longitude", number), Column("纬度", "latitude", number),
        Column("地址", "address", text), Column("负责人", "manager", text), Column("联系电话", "phone", text),
    ],
))

HYDRANTS = register(SheetSpec(
    kind="hydrants", title="消火栓与消防水源", permission="resources.view_hydrant",
    queryset=lambda actor: scope_actor(Hydrant.objects.select_related("region"), actor),
    save_row=_upsert(Hydrant, services.save_hydrant, ("region", "number")),
    coordinates=("longitude", "latitude"),
    columns=[
        Column("编号", "number", text, required=True, example="XHS-102-007"),
        Column("类型", "type", choice(Hydrant.TYPE_CHOICES), required=True, example="市政消火栓"),
        _region_column(),
        Column("经度", "longitude", number, example=105.121), Column("纬度", "latitude", number, example=30.229),
        Column("位置描述", "address", text, example="回澜镇正街 12 号旁"),
        Column("压力（MPa）", "pressure_mpa", money, example=0.25), Column("流量（L/s）", "flow_lps", money, example=15),
        Column("容量（m³）", "volume_m3", money),
        Column("状态", "status", choice(Hydrant.STATUS_CHOICES), example="完好",
               help="仅对新登记的消火栓生效；已有消火栓的状态由检查记录更新"),
    ],
))


def _station_column():
    return Column("所属队站", "station", lookup(lambda a: scope_actor(RescueForce.objects.all(), a), "name",
                                              label="队站"), required=True, example="乐至县城东消防站",
                  export=lambda r: r.station.name)


LIFECYCLE_COLUMNS = [
    Column("购置日期", "acquisition_date", date, example="2023-05-01"),
    Column("购置金额（万元）", "cost_wan", money, example=85),
    Column("来源", "source", choice(Vehicle.SOURCE_CHOICES), example="财政采购"),
    Column("使用年限（年）", "service_life_years", integer, example=15),
    Column("检测周期（天）", "inspection_interval_days", integer, example=365),
]

VEHICLES = register(SheetSpec(
    kind="vehicles", title="车辆", permission="resources.view_vehicle",
    queryset=lambda actor: scope_actor(Vehicle.objects.select_related("station"), actor),
    save_row=_upsert(Vehicle, services.save_vehicle, ("plate",)),
    columns=[
        Column("车牌号", "plate", text, required=True, example="川M·23109应急"),
        Column("车辆名称", "name", text),
        Column("车型", "type", choice(Vehicle.TYPE_CHOICES), required=True, example="水罐消防车"),
        _station_column(),
        Column("载水量（t）", "water_t", money, example=8), Column("载泡沫量（t）", "foam_t", money),
        Column("工作高度（m）", "working_height_m", money), Column("泵流量（L/s）", "pump_flow_lps", money, example=60),
        Column("车高（m）", "height_m", money), Column("总质量（t）", "gross_weight_t", money),
        Column("车宽（m）", "width_m", money),
        *LIFECYCLE_COLUMNS,
    ],
    notes=["到期报废日、下次检测日期由系统按购置日期、使用年限、检测周期和检测记录计算。",
           "车高、总质量、车宽用于调派选路（避开限高、限重、限宽路段）；不填按车型典型值。"],
))

EQUIPMENT = register(SheetSpec(
    kind="equipment", title="装备器材", permission="resources.view_equipment",
    queryset=lambda actor: scope_actor(Equipment.objects.select_related("station"), actor),
    save_row=_upsert(Equipment, services.save_equipment, ("station", "name")),
    columns=[
        Column("名称", "name", text, required=True, example="正压式空气呼吸器"),
        Column("类别", "category", text, example="防护"),
        _station_column(),
        Column("数量", "quantity", integer, required=True, example=30),
        Column("单位", "unit", text, example="具"),
        *LIFECYCLE_COLUMNS,
    ],
))


def _specialties(value):
    return _capabilities(value)


EXPERTS = register(SheetSpec(
    kind="experts", title="专家库", permission="resources.view_expert",
    queryset=lambda actor: scope_actor(Expert.objects.select_related("region"), actor),
    save_row=_upsert(Expert, services.save_expert, ("region", "name", "phone")),
    columns=[
        Column("姓名", "name", text, required=True, example="张建国"),
        _region_column(),
        Column("擅长事件类别", "specialties", _specialties, example="危险化学品事故、火灾事故",
               export=lambda e: "、".join(e.specialty_labels)),
        Column("专业领域", "disciplines", text, example="化工工艺"),
        Column("职称", "title", text), Column("工作单位", "employer", text),
        Column("联系电话", "phone", text, required=True, example="13800000001"),
        Column("可用状态", "availability", choice(Expert.AVAILABILITY_CHOICES), example="可联系"),
    ],
))

SUPPLY_ITEMS = register(SheetSpec(
    kind="supplies", title="应急物资目录", permission="resources.view_supplyitem",
    queryset=lambda actor: SupplyItem.objects.all(),
    save_row=_upsert(SupplyItem, services.save_item, ("code",)),
    columns=[
        Column("物资代码", "code", text, required=True, example="1020101",
               help="GB/T 38565-2020 七位细类代码"),
        Column("名称", "name", text, required=True, example="救灾帐篷"),
        Column("计量单位", "unit", text, required=True, example="顶"),
        Column("规格型号", "spec", text), Column("保质期（天）", "shelf_life_days", integer),
    ],
))


def _item_lines(value):
    """"1020101×200；1010105×300" → {SupplyItem: quantity}."""
    lines = {}
    for part in re.split(r"[；;\n]+", text(value)):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\d{7})\s*[×xX*\s]\s*([\d.]+)", part)
        if not match:
            raise CellError(f"“{part}”应写成“物资代码×数量”，多种之间用分号分隔")
        item = SupplyItem.objects.filter(code=match.group(1)).first()
        if item is None:
            raise CellError(f"物资目录中没有代码 {match.group(1)}")
        if item in lines:
            raise CellError(f"物资 {item.name} 重复")
        lines[item] = match.group(2)
    return lines


def _save_agreement(actor, data):
    items = data.pop("items", None)
    existing = AgreementReserve.objects.filter(region=data.get("region"), contract_no=data["contract_no"]).first()
    agreement = services.save_agreement(actor, existing or AgreementReserve(), data, items=items)
    return agreement, existing is None


AGREEMENTS = register(SheetSpec(
    kind="agreements", title="协议储备", permission="resources.view_agreementreserve",
    queryset=lambda actor: scope_actor(AgreementReserve.objects.select_related("region"), actor),
    save_row=_save_agreement,
    columns=[
        Column("供应企业", "supplier", text, required=True, example="乐至县惠民超市有限公司"),
        Column("统一社会信用代码", "credit_code", text),
        _region_column(),
        Column("协议编号", "contract_no", text, required=True, example="LZYJ-2026-001"),
        Column("协议起始日", "start_date", date, required=True, example="2026-01-01"),
        Column("协议终止日", "end_date", date, required=True, example="2027-12-31"),
        Column("响应时间（小时）", "response_hours", money, required=True, example=4),
        Column("联系人", "contact_person", text), Column("联系电话", "phone", text),
        Column("协议物资", "items", _item_lines, example="1030102×2000；1030103×1500",
               help="物资代码×数量，多种之间用分号分隔；导入时替换该协议原有的物资清单",
               export=lambda a: "；".join(f"{line.item.code}×{line.quantity.normalize():f}"
                                          for line in a.items.select_related("item"))),
    ],
))
