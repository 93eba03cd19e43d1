"""Excel sheet of the enterprises registry (import all-or-nothing with a row-by-row error report; export in the
same layout), and the 一企一档 workbook of one enterprise with its GB 18218 worksheet."""

from yingji.core.imports import (
    CellError,
    Column,
    SheetSpec,
    boolean,
    choice,
    integer,
    lookup,
    number,
    register,
    text,
)
from yingji.core.models import Region
from yingji.core.scoping import scope_actor
from yingji.standards import credit_code, industries

from . import services
from .models import Enterprise


def _credit_code(value):
    try:
        return credit_code.normalise(text(value))
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _industry(value):
    raw = text(value)
    try:
        return industries.get(raw.split()[0] if raw else raw).code  # "C26 化学原料…" or "26"
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _save_enterprise(actor, data):
    existing = Enterprise.objects.filter(credit_code=data.get("credit_code")).first()
    return services.save_enterprise(actor, existing or Enterprise(), data), existing is None


ENTERPRISES = register(SheetSpec(
    kind="enterprises", title="企业（一企一档）", permission="safety.view_enterprise",
    queryset=lambda actor: scope_actor(Enterprise.objects.select_related("region"), actor),
    save_row=_save_enterprise, coordinates=("longitude", "latitude"),
    notes=["按统一社会信用代码匹配：已登记的企业更新，其余新增。", "行业填 GB/T 4754-2017 大类代码（如 26）或“C26 化学原料和化学制品制造业”。"],
    columns=[
        Column("单位名称", "name", text, required=True, example="乐至县回澜化工有限公司"),
        Column("统一社会信用代码", "credit_code", _credit_code, required=True, example="91512022MA62Q7K1XE"),
        Column("行业（GB/T 4754 大类）", "industry", _industry, required=True, example="26",
               export=lambda e: e.industry_label),
        Column("监管类别", "category", choice(Enterprise.CATEGORY_CHOICES), required=True, example="危险化学品生产"),
        Column("规模", "scale", choice(Enterprise.SCALE_CHOICES), example="中型"),
        Column("安全生产标准化等级", "standardisation", choice(Enterprise.STANDARD_CHOICES), example="二级"),
        Column("状态", "status", choice(Enterprise.STATUS_CHOICES), example="正常生产经营"),
        Column("所属区划", "region", lookup(lambda a: scope_actor(Region.objects.all(), a), "code", "name",
                                          label="区划"), required=True, example="512022102",
               export=lambda e: e.region.code or e.region.name),
        Column("地址", "address", text),
        Column("经度", "longitude", number, example=105.121), Column("纬度", "latitude", number, example=30.227),
        Column("位于化工园区", "in_chemical_park", boolean, example="是"),
        Column("主要负责人", "principal", text, required=True, example="何建平"),
        Column("主要负责人电话", "principal_phone", text, required=True, example="13908321000"),
        Column("安全管理人员", "safety_manager", text), Column("安全管理人员电话", "safety_manager_phone", text),
        Column("从业人员（人）", "employees", integer, example=180),
        Column("厂区边界外500米内常住人口（人）", "people_within_500m", integer, example=60,
               help="GB 18218-2018 表5 的暴露人员校正系数 α 按此取值"),
    ]))
