"""Excel sheets of the core registries: regions (a bureau loads its village list) and organisations."""

from . import services
from .imports import Column, SheetSpec, boolean, choice, integer, lookup, money, number, register, text
from .models import Contact, Organisation, Region
from .scoping import scope_actor


def _regions(actor):
    return scope_actor(Region.objects.all(), actor)


def _save_region(actor, data):
    code = data.get("code") or None
    existing = Region.objects.filter(code=code).first() if code else None
    if existing is None:
        existing = Region.objects.filter(parent=data.get("parent"), name=data["name"]).first()
    created = existing is None
    data = {**data, "code": code, "kind": data.get("kind") or Region.KIND_DIVISION}
    region = services.save_region(actor, existing or Region(), data)
    return region, created


def _code_or_name(record):
    return (record.code or record.name) if record else ""


REGIONS = register(SheetSpec(
    kind="regions",
    title="行政区划",
    permission="core.view_region",
    queryset=lambda actor: _regions(actor).select_related("parent"),
    save_row=_save_region,
    coordinates=("longitude", "latitude"),
    columns=[
        Column("区划代码", "code", text, example="512022101001",
               help="6 位（省市县）、9 位（乡镇街道）或 12 位（村、社区）统计用区划代码；功能区留空"),
        Column("名称", "name", text, required=True, example="示例村"),
        Column("级别", "level", choice(Region.LEVEL_CHOICES), required=True, example="村级",
               help="省级、地级、县级、乡级、村级"),
        Column("类型", "kind", choice(Region.KIND_CHOICES), example="行政区划", help="行政区划 或 功能区（无区划代码）"),
        Column("上级区划", "parent", lookup(_regions, "code", "name", label="区划"), example="512022101",
               help="上级的区划代码（推荐）或名称；同一表中先出现的区划可作为后面行的上级",
               export=lambda r: _code_or_name(r.parent)),
        Column("中心经度", "longitude", number, example=104.94),
        Column("中心纬度", "latitude", number, example=30.37),
        Column("坐标为估计值", "approximate", boolean, example="否"),
        Column("常住人口（人）", "population", integer, example=2300),
        Column("面积（km²）", "area_km2", money, example=6.5),
    ],
    notes=["坐标默认按 CGCS2000/WGS84 读取；从高德/腾讯（GCJ-02）或百度（BD-09）地图取得的坐标，请在导入时选择对应坐标系，系统会自动转换。"],
))


def _organisations(actor):
    return scope_actor(Organisation.objects.all(), actor)


def _save_organisation(actor, data):
    existing = Organisation.objects.filter(region=data.get("region"), name=data["name"]).first()
    organisation = services.save_organisation(actor, existing or Organisation(), data)
    return organisation, existing is None


ORGANISATIONS = register(SheetSpec(
    kind="organisations",
    title="单位",
    permission="core.view_organisation",
    queryset=lambda actor: _organisations(actor).select_related("region", "parent"),
    save_row=_save_organisation,
    columns=[
        Column("名称", "name", text, required=True, example="乐至县示例局"),
        Column("简称", "short_name", text, example="示例局"),
        Column("类型", "type", choice(Organisation.TYPE_CHOICES), required=True, example="政府部门"),
        Column("所属区划", "region", lookup(_regions, "code", "name", label="区划"), required=True, example="512022",
               export=lambda o: _code_or_name(o.region)),
        Column("上级单位", "parent", lookup(_organisations, "name", label="单位"), example="乐至县人民政府",
               export=lambda o: o.parent.name if o.parent else ""),
        Column("统一社会信用代码", "credit_code", text),
        Column("联系人", "contact_person", text),
        Column("联系电话", "phone", text),
        Column("地址", "address", text),
        Column("职责", "duties", text),
    ],
))


def _save_contact(actor, data):
    """A line is the same contact when its region, unit and name match (re-importing an export updates it)."""
    existing = Contact.objects.filter(region=data.get("region"), organisation=data.get("organisation"),
                                      name=data["name"]).first()
    contact = services.save_contact(actor, existing or Contact(), data)
    return contact, existing is None


CONTACTS = register(SheetSpec(
    kind="contacts",
    title="通讯录",
    permission="core.view_contact",
    queryset=lambda actor: scope_actor(Contact.objects.all(), actor).select_related("region", "organisation"),
    save_row=_save_contact,
    columns=[
        Column("姓名/名称", "name", text, required=True, example="县应急局值班室"),
        Column("所在单位", "organisation", lookup(_organisations, "name", "short_name", label="单位"),
               example="乐至县应急管理局", export=lambda c: c.organisation.name if c.organisation else ""),
        Column("职务", "position", text, example="值班员"),
        Column("手机", "mobile", text, example="13800000000", help="11 位手机号"),
        Column("办公电话", "office_phone", text, example="028-23322110",
               help="带区号的固定电话（如 028-23322110）或 12345 等特服号码"),
        Column("值班电话", "is_duty_phone", boolean, example="是", help="24 小时值班电话填“是”"),
        Column("所属区划", "region", lookup(_regions, "code", "name", label="区划"), required=True, example="512022",
               export=lambda c: _code_or_name(c.region)),
        Column("备注", "remark", text),
    ],
    notes=["手机、办公电话至少填一项；同一区划、同一单位下姓名相同的行视为同一联系人，再次导入即更新。"],
))
