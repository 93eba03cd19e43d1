"""Emergency resources (应急资源): rescue forces first; more registries follow in this app."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from yingji.core.models import Organisation, Record, Region, RegionScoped


class RescueForce(Record):
    """A rescue force (救援队伍): a fire station, a professional team, a township or village team…"""

    TYPE_CHOICES = [
        ("fire_station", "消防救援站"),
        ("government_fire", "政府专职消防队"),
        ("enterprise_fire", "企业专职消防队"),
        ("volunteer_fire", "志愿消防队"),
        ("micro_fire", "微型消防站"),
        ("comprehensive", "综合应急救援队伍"),
        ("professional", "专业救援队伍"),
        ("township", "乡镇(街道)应急救援队"),
        ("village", "村(社区)应急救援分队"),
        ("social", "社会应急力量"),
        ("military", "驻地部队/民兵"),
    ]
    STATION_CLASS_CHOICES = [
        ("class1", "一级站"), ("class2", "二级站"), ("special", "特勤站"), ("small", "小型站"), ("logistics", "战勤保障站"),
    ]
    SPECIALTY_CHOICES = [
        ("water", "水域"), ("mountain", "山岳"), ("earthquake", "地震地质"), ("hazmat", "危化"),
        ("forest", "森林扑火"), ("mine", "矿山"), ("power", "电力"), ("communication", "通信"),
        ("medical", "医疗"), ("other", "其他"),
    ]
    ON_DUTY, DISPATCHED, RESTING, DISABLED = "on_duty", "dispatched", "resting", "disabled"
    STATUS_CHOICES = [(ON_DUTY, "在岗"), (DISPATCHED, "出动"), (RESTING, "休整"), (DISABLED, "停用")]

    name = models.CharField("名称", max_length=128)
    type = models.CharField("类型", max_length=32, choices=TYPE_CHOICES)
    station_class = models.CharField("消防站等级", max_length=16, choices=STATION_CLASS_CHOICES, blank=True)
    specialty = models.CharField("专业方向", max_length=16, choices=SPECIALTY_CHOICES, blank=True)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="forces")
    organisation = models.ForeignKey(
        Organisation, verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="forces"
    )
    longitude = models.FloatField("经度", null=True, blank=True, db_index=True)
    latitude = models.FloatField("纬度", null=True, blank=True, db_index=True)
    address = models.CharField("地址", max_length=255, blank=True)
    contact_person = models.CharField("负责人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    duty_phone = models.CharField("值班电话", max_length=32, blank=True)
    members_total = models.PositiveIntegerField("队员总数（人）", default=0)
    members_on_duty = models.PositiveIntegerField("在岗人数（人）", default=0)
    capabilities = models.JSONField("可处置事件类别", default=list, blank=True)  # GB/T 35561 类 codes
    status = models.CharField("战备状态", max_length=16, choices=STATUS_CHOICES, default=ON_DUTY, db_index=True)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    notes = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "救援队伍"
        ordering = ["region__code", "type", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="force_unique_name_in_region")]
        indexes = [models.Index(fields=["type", "status"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:force_detail", args=[self.pk])

    @property
    def type_label(self) -> str:
        label = self.get_type_display()
        if self.station_class:
            label += f"（{self.get_station_class_display()}）"
        if self.specialty:
            label += f"（{self.get_specialty_display()}）"
        return label

    @property
    def capability_labels(self) -> list[str]:
        from yingji.standards import event_codes

        table = event_codes.table()
        return [table[c].name if c in table else c for c in self.capabilities]


class ForceStatusChange(RegionScoped):
    """Readiness history of a force: append-only, one row per change."""

    force = models.ForeignKey(RescueForce, verbose_name="救援队伍", on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("原状态", max_length=16, choices=RescueForce.STATUS_CHOICES, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=RescueForce.STATUS_CHOICES)
    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL)
    reason = models.CharField("原因", max_length=255, blank=True)
    members_on_duty = models.PositiveIntegerField("在岗人数（人）", null=True, blank=True,
                                                  validators=[MinValueValidator(0)])

    region_field = "force__region"

    class Meta:
        verbose_name = verbose_name_plural = "队伍状态变更"
        ordering = ["-time", "-id"]

    def __str__(self):
        return f"{self.force}：{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class Warehouse(Record):
    """A reserve warehouse (储备库) at 市/县/乡/村 level — the seeds' "1+9+15+N" pattern."""

    LEVEL_CHOICES = [("city", "市级"), ("county", "县级"), ("township", "乡级"), ("village", "村级")]

    name = models.CharField("名称", max_length=128)
    level = models.CharField("层级", max_length=16, choices=LEVEL_CHOICES)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="warehouses")
    organisation = models.ForeignKey(Organisation, verbose_name="管理单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="warehouses")
    manager = models.CharField("负责人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    capacity_m2 = models.DecimalField("库容面积（m²）", max_digits=10, decimal_places=1, null=True, blank=True,
                                      validators=[MinValueValidator(0)])
    longitude = models.FloatField("经度", null=True, blank=True, db_index=True)
    latitude = models.FloatField("纬度", null=True, blank=True, db_index=True)
    address = models.CharField("地址", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "储备库"
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="warehouse_unique_name_in_region")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:warehouse_detail", args=[self.pk])


class SupplyItem(models.Model):
    """A kind of emergency supply, coded per GB/T 38565-2020 (catalogue shared by all regions)."""

    scoping_public = "物资目录（GB/T 38565）由各区划共用，不属于任何区划。"  # see core/checks.py

    code = models.CharField("物资代码", max_length=7, unique=True)
    name = models.CharField("名称", max_length=64)
    unit = models.CharField("计量单位", max_length=8)
    spec = models.CharField("规格型号", max_length=128, blank=True)
    shelf_life_days = models.PositiveIntegerField("保质期（天）", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "应急物资品目"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    def get_absolute_url(self):
        return reverse("resources:item_edit", args=[self.pk])

    @property
    def top_class(self) -> str:
        from yingji.standards import supplies

        return supplies.top_class_name(self.code)


class StockMovement(RegionScoped):
    """One line of the stock ledger. Stock on hand is the sum of these; rows are never edited."""

    IN, OUT, TRANSFER_OUT, TRANSFER_IN, ADJUST, SCRAP = "in", "out", "transfer_out", "transfer_in", "adjust", "scrap"
    KIND_CHOICES = [(IN, "入库"), (OUT, "出库"), (TRANSFER_OUT, "调拨出库"), (TRANSFER_IN, "调拨入库"),
                    (ADJUST, "盘点调整"), (SCRAP, "报废")]

    warehouse = models.ForeignKey(Warehouse, verbose_name="储备库", on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES)
    batch = models.CharField("批次", max_length=64, blank=True)
    delta = models.DecimalField("数量变化", max_digits=14, decimal_places=2)  # + in, − out
    expiry = models.DateField("有效期至", null=True, blank=True)
    reason = models.CharField("事由", max_length=255, blank=True)
    transfer = models.UUIDField("调拨单号", null=True, blank=True, db_index=True)  # links both legs of a transfer
    counterpart = models.ForeignKey(Warehouse, verbose_name="对方储备库", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
                              on_delete=models.SET_NULL)
    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    region_field = "warehouse__region"

    class Meta:
        verbose_name = verbose_name_plural = "库存台账"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["warehouse", "item", "batch"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item.name} {self.delta}"


class StockLevel(RegionScoped):
    """Maintained aggregate of the ledger per warehouse × item × batch, for fast on-hand queries.

    Written only by the ledger services in the same transaction as the movement; the check
    constraint is the database's own guarantee that stock never goes negative.
    """

    warehouse = models.ForeignKey(Warehouse, verbose_name="储备库", on_delete=models.CASCADE, related_name="levels")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="levels")
    batch = models.CharField("批次", max_length=64, blank=True)
    quantity = models.DecimalField("库存数量", max_digits=14, decimal_places=2, default=0)
    expiry = models.DateField("有效期至", null=True, blank=True, db_index=True)

    region_field = "warehouse__region"

    class Meta:
        verbose_name = verbose_name_plural = "库存"
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item", "batch"], name="stock_one_row_per_batch"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self):
        batch = f" 批次{self.batch}" if self.batch else ""
        return f"{self.warehouse} · {self.item.name}{batch} 库存 {self.quantity}{self.item.unit}"


class ReserveNorm(RegionScoped):
    """储备定额: how much of an item a warehouse should hold."""

    warehouse = models.ForeignKey(Warehouse, verbose_name="储备库", on_delete=models.CASCADE, related_name="norms")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="norms")
    quantity = models.DecimalField("定额数量", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    region_field = "warehouse__region"

    class Meta:
        verbose_name = verbose_name_plural = "储备定额"
        constraints = [models.UniqueConstraint(fields=["warehouse", "item"], name="one_norm_per_warehouse_item")]

    def __str__(self):
        return f"{self.warehouse} · {self.item.name} 定额 {self.quantity}"


class Shelter(Record):
    """An emergency shelter (应急避难场所); capacity = effective area ÷ per-capita norm of its type."""

    TYPE_CHOICES = [("emergency", "紧急避难场所"), ("fixed_short", "固定避难场所（短期）"),
                    ("fixed_medium", "固定避难场所（中期）"), ("fixed_long", "固定避难场所（长期）"),
                    ("central", "中心避难场所")]
    STATUS_CHOICES = [("ready", "可用"), ("in_use", "已启用"), ("maintenance", "维护中"), ("closed", "停用")]
    FACILITIES = [("water", "供水"), ("power", "供电"), ("toilets", "厕所"), ("medical", "医疗"), ("helipad", "直升机坪")]

    name = models.CharField("名称", max_length=128)
    type = models.CharField("类型", max_length=16, choices=TYPE_CHOICES)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="shelters")
    longitude = models.FloatField("经度", null=True, blank=True, db_index=True)
    latitude = models.FloatField("纬度", null=True, blank=True, db_index=True)
    address = models.CharField("地址", max_length=255, blank=True)
    effective_area_m2 = models.DecimalField("有效避难面积（m²）", max_digits=12, decimal_places=1,
                                            validators=[MinValueValidator(0)])
    capacity = models.PositiveIntegerField("可容纳人数（人）", default=0, editable=False)  # computed on save
    facilities = models.JSONField("设施", default=list, blank=True)
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default="ready")
    manager = models.CharField("负责人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "应急避难场所"
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="shelter_unique_name_in_region")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:shelter_detail", args=[self.pk])

    @property
    def facility_labels(self) -> list[str]:
        labels = dict(self.FACILITIES)
        return [labels.get(f, f) for f in self.facilities]


class Hydrant(Record):
    """A hydrant or fire-water source (消火栓与消防水源)."""

    TYPE_CHOICES = [("municipal", "市政消火栓"), ("pool", "消防水池"), ("wharf", "取水码头"), ("natural", "天然水源"),
                    ("crane", "消防水鹤")]
    OK, DAMAGED, REPAIRING, DISABLED = "ok", "damaged", "repairing", "disabled"
    STATUS_CHOICES = [(OK, "完好"), (DAMAGED, "损坏"), (REPAIRING, "维修中"), (DISABLED, "停用")]

    number = models.CharField("编号", max_length=32)
    type = models.CharField("类型", max_length=16, choices=TYPE_CHOICES)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="hydrants")
    longitude = models.FloatField("经度", null=True, blank=True, db_index=True)
    latitude = models.FloatField("纬度", null=True, blank=True, db_index=True)
    address = models.CharField("位置描述", max_length=255, blank=True)
    pressure_mpa = models.DecimalField("压力（MPa）", max_digits=5, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    flow_lps = models.DecimalField("流量（L/s）", max_digits=7, decimal_places=1, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    volume_m3 = models.DecimalField("容量（m³）", max_digits=10, decimal_places=1, null=True, blank=True,
                                    validators=[MinValueValidator(0)])
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=OK, db_index=True)
    last_inspected = models.DateField("最近检查", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "消火栓与消防水源"
        ordering = ["region__code", "number"]
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="hydrant_unique_number_in_region")]

    def __str__(self):
        return f"{self.get_type_display()} {self.number}"

    def get_absolute_url(self):
        return reverse("resources:hydrant_detail", args=[self.pk])


class HydrantInspection(RegionScoped):
    """One inspection of a hydrant; its finding becomes the hydrant's status. Append-only."""

    hydrant = models.ForeignKey(Hydrant, verbose_name="消火栓", on_delete=models.CASCADE, related_name="inspections")
    date = models.DateField("检查日期")
    status = models.CharField("检查结果", max_length=16, choices=Hydrant.STATUS_CHOICES)
    pressure_mpa = models.DecimalField("实测压力（MPa）", max_digits=5, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    notes = models.CharField("情况说明", max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="检查人", null=True, blank=True,
                              on_delete=models.SET_NULL)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_field = "hydrant__region"

    class Meta:
        verbose_name = verbose_name_plural = "消火栓检查记录"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.hydrant} {self.date} 检查：{self.get_status_display()}"


class Expert(Record):
    """An expert (专家库) the bureau can call on, by event class and discipline."""

    AVAILABILITY_CHOICES = [("available", "可联系"), ("busy", "任务中"), ("unavailable", "暂不可用")]

    name = models.CharField("姓名", max_length=32)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="experts")
    specialties = models.JSONField("擅长事件类别", default=list, blank=True)  # GB/T 35561 类 codes
    disciplines = models.CharField("专业领域", max_length=255, blank=True, help_text="如 化工工艺、岩土工程，多个用顿号分隔")
    title = models.CharField("职称", max_length=64, blank=True)
    employer = models.CharField("工作单位", max_length=128, blank=True)
    phone = models.CharField("联系电话", max_length=32)
    availability = models.CharField("可用状态", max_length=16, choices=AVAILABILITY_CHOICES, default="available")
    notes = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "专家"
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name", "phone"], name="expert_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:expert_edit", args=[self.pk])

    @property
    def specialty_text(self) -> str:
        return "、".join(self.specialty_labels)

    @property
    def specialty_labels(self) -> list[str]:
        from yingji.standards import event_codes

        table = event_codes.table()
        return [table[c].name if c in table else c for c in self.specialties]


class AgreementReserve(Record):
    """协议储备: supplies an enterprise commits to deliver on call, counted apart from physical stock."""

    supplier = models.CharField("供应企业", max_length=128)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="agreement_reserves")
    contract_no = models.CharField("协议编号", max_length=64)
    start_date = models.DateField("协议起始日")
    end_date = models.DateField("协议终止日")
    response_hours = models.DecimalField("响应时间（小时）", max_digits=5, decimal_places=1,
                                         validators=[MinValueValidator(0)])
    contact_person = models.CharField("联系人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "协议储备"
        ordering = ["-end_date", "supplier"]
        constraints = [models.UniqueConstraint(fields=["region", "contract_no"], name="agreement_unique_no")]

    def __str__(self):
        return f"{self.supplier}（{self.contract_no}）"

    def get_absolute_url(self):
        return reverse("resources:agreement_detail", args=[self.pk])

    def is_active(self, on=None) -> bool:
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.start_date <= day <= self.end_date


class AgreementItem(RegionScoped):
    agreement = models.ForeignKey(AgreementReserve, verbose_name="协议", on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="agreements")
    quantity = models.DecimalField("承诺数量", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    region_field = "agreement__region"

    class Meta:
        verbose_name = verbose_name_plural = "协议物资"
        constraints = [models.UniqueConstraint(fields=["agreement", "item"], name="agreement_item_once")]

    def __str__(self):
        return f"{self.agreement} · {self.item.name} {self.quantity}{self.item.unit}"


class LifecycleAsset(Record):
    """全寿命周期 fields shared by vehicles and equipment: acquisition, service life, recurring inspection."""

    SOURCE_CHOICES = [("purchase", "财政采购"), ("allocation", "上级调拨"), ("donation", "社会捐赠"), ("other", "其他")]

    acquisition_date = models.DateField("购置日期", null=True, blank=True)
    cost_wan = models.DecimalField("购置金额（万元）", max_digits=12, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    source = models.CharField("来源", max_length=16, choices=SOURCE_CHOICES, blank=True)
    service_life_years = models.PositiveSmallIntegerField("使用年限（年）", null=True, blank=True)
    retirement_date = models.DateField("到期报废日", null=True, blank=True, editable=False, db_index=True)
    inspection_interval_days = models.PositiveSmallIntegerField("检测周期（天）", null=True, blank=True)
    last_inspected = models.DateField("最近检测", null=True, blank=True, editable=False)
    next_inspection_due = models.DateField("下次检测", null=True, blank=True, editable=False, db_index=True)
    retired_on = models.DateField("实际报废日", null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Vehicle(LifecycleAsset):
    TYPE_CHOICES = [
        ("water_tank", "水罐消防车"), ("foam", "泡沫消防车"), ("rescue", "抢险救援消防车"), ("elevated_jet", "举高喷射消防车"),
        ("aerial_platform", "登高平台消防车"), ("ladder", "云梯消防车"), ("water_supply", "供水消防车"),
        ("agent_supply", "供液消防车"), ("smoke_exhaust", "排烟消防车"), ("lighting", "照明消防车"),
        ("command", "通信指挥消防车"), ("camp", "宿营车"), ("shower", "淋浴车"), ("equipment", "器材消防车"),
        ("small_tank", "小型水罐消防车"), ("other", "其他车辆"),
    ]
    AVAILABLE, DISPATCHED, MAINTENANCE, RETIRED = "available", "dispatched", "maintenance", "retired"
    STATUS_CHOICES = [(AVAILABLE, "在位"), (DISPATCHED, "出动"), (MAINTENANCE, "维修"), (RETIRED, "报废")]

    plate = models.CharField("车牌号", max_length=16, unique=True)
    name = models.CharField("车辆名称", max_length=64, blank=True)
    type = models.CharField("车型", max_length=24, choices=TYPE_CHOICES)
    station = models.ForeignKey(RescueForce, verbose_name="所属队站", on_delete=models.PROTECT, related_name="vehicles")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="vehicles",
                               editable=False)  # the station's, kept for scoping
    water_t = models.DecimalField("载水量（t）", max_digits=5, decimal_places=1, null=True, blank=True,
                                  validators=[MinValueValidator(0)])
    foam_t = models.DecimalField("载泡沫量（t）", max_digits=5, decimal_places=1, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    working_height_m = models.DecimalField("工作高度（m）", max_digits=5, decimal_places=1, null=True, blank=True,
                                           validators=[MinValueValidator(0)])
    pump_flow_lps = models.DecimalField("泵流量（L/s）", max_digits=6, decimal_places=1, null=True, blank=True,
                                        validators=[MinValueValidator(0)])
    # Outline size for routing (issue 17): roads whose maxheight/maxweight/maxwidth are below these are closed
    # to the vehicle; empty → the type's typical value (routing/data/vehicles.toml). Bounds as routing checks.
    height_m = models.DecimalField("车高（m）", max_digits=3, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(1), MaxValueValidator(5)],
                                   help_text="行驶状态外廓高度；不填按车型典型值，用于避开限高路段")
    gross_weight_t = models.DecimalField("总质量（t）", max_digits=4, decimal_places=1, null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(100)],
                                         help_text="满载总质量；不填按车型典型值，用于避开限重路段")
    width_m = models.DecimalField("车宽（m）", max_digits=3, decimal_places=2, null=True, blank=True,
                                  validators=[MinValueValidator(1), MaxValueValidator(Decimal("3.5"))],
                                  help_text="外廓宽度；不填按车型典型值，用于避开限宽路段")
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=AVAILABLE, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "车辆"
        ordering = ["station__name", "plate"]

    def __str__(self):
        return f"{self.plate} {self.name or self.get_type_display()}"

    def road_size(self):
        """The routing VehicleSize: this vehicle's own height/weight/width, the type's typical values for the rest."""
        from yingji.routing.vehicles import for_type

        def num(value):
            return None if value is None else float(value)

        return for_type(self.type, num(self.height_m), num(self.gross_weight_t), num(self.width_m),
                        label=f"{self.plate} {self.get_type_display()}")

    def get_absolute_url(self):
        return reverse("resources:vehicle_detail", args=[self.pk])


class Equipment(LifecycleAsset):
    """装备器材: a kind of equipment held by a station, with a count."""

    name = models.CharField("名称", max_length=64)
    category = models.CharField("类别", max_length=32, blank=True, help_text="如 防护、破拆、侦检、救生、通信")
    station = models.ForeignKey(RescueForce, verbose_name="所属队站", on_delete=models.PROTECT, related_name="equipment")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="equipment",
                               editable=False)
    quantity = models.PositiveIntegerField("数量")
    unit = models.CharField("单位", max_length=8, default="件")

    class Meta:
        verbose_name = verbose_name_plural = "装备器材"
        ordering = ["station__name", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="equipment_once_per_station")]

    def __str__(self):
        return f"{self.station.name} · {self.name}"

    def get_absolute_url(self):
        return reverse("resources:equipment_detail", args=[self.pk])


class MaintenanceRecord(RegionScoped):
    """One maintenance, inspection, fault or retirement entry of a vehicle or an equipment item."""

    INSPECTION, SERVICE, REPAIR, FAULT, RETIREMENT = "inspection", "service", "repair", "fault", "retirement"
    KIND_CHOICES = [(INSPECTION, "检测"), (SERVICE, "保养"), (REPAIR, "维修"), (FAULT, "故障"), (RETIREMENT, "报废")]

    vehicle = models.ForeignKey(Vehicle, verbose_name="车辆", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="records")
    equipment = models.ForeignKey(Equipment, verbose_name="装备", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="records")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES)
    date = models.DateField("日期")
    description = models.CharField("内容", max_length=255)
    cost_wan = models.DecimalField("费用（万元）", max_digits=10, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                              on_delete=models.SET_NULL)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "维护记录"
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(vehicle__isnull=False, equipment__isnull=True)
            | models.Q(vehicle__isnull=True, equipment__isnull=False), name="record_for_one_asset")]

    def __str__(self):
        return f"{self.vehicle or self.equipment} {self.date} {self.get_kind_display()}"
