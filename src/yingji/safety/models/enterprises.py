"""Safety supervision (安全监管): enterprises (一企一档) with their licences, and the 生产单元/储存单元 whose
hazardous-chemical inventories are identified and graded as major hazard sources per GB 18218-2018."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Record, Region, RegionScoped
from yingji.standards import industries

USER = settings.AUTH_USER_MODEL
LEVELS = ["一级", "二级", "三级", "四级"]  # GB 18218-2018 表6; their grade is the index + 1
NO_GRADE = 9  # no major hazard source: after every level when sorted
ENTERPRISE_ROLE = "企业用户"


def _years_after(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_enterprise_account(user) -> bool:
    """An enterprise's own account (企业用户): it sees its own enterprise's records only. Cached on the user
    object: scoping asks once per queryset."""
    cached = getattr(user, "_yingji_enterprise_account", None)
    if cached is None:
        cached = bool(user.is_authenticated and not user.is_superuser
                      and user.groups.filter(name=ENTERPRISE_ROLE).exists())
        user._yingji_enterprise_account = cached
    return cached


class EnterpriseScoped(RegionScoped):
    """Records of an enterprise: region scoping as everywhere, and an enterprise account sees only the
    enterprises it belongs to (`enterprise_field` leads to the Enterprise, "" for Enterprise itself)."""

    enterprise_field = "enterprise"

    class Meta:
        abstract = True

    @classmethod
    def narrow_scope(cls, queryset, user):
        if not is_enterprise_account(user):
            return queryset
        prefix = f"{cls.enterprise_field}__" if cls.enterprise_field else ""
        return queryset.filter(**{f"{prefix}accounts": user})  # one through-row per enterprise: no duplicates


class Enterprise(Record, EnterpriseScoped):
    """A 生产经营单位 under supervision (一企一档)."""

    CATEGORY_CHOICES = [
        ("hazchem_production", "危险化学品生产"), ("hazchem_storage", "危险化学品经营（带储存）"),
        ("hazchem_trade", "危险化学品经营（不带储存）"), ("hazchem_use", "危险化学品使用"), ("mining", "非煤矿山"),
        ("fireworks", "烟花爆竹"), ("industry_trade", "工贸（冶金、有色、建材、机械、轻工、纺织、烟草、商贸）"),
        ("other", "其他"),
    ]
    SCALE_CHOICES = [("large", "大型"), ("medium", "中型"), ("small", "小型"), ("micro", "微型")]
    STANDARD_CHOICES = [("level1", "一级"), ("level2", "二级"), ("level3", "三级"), ("none", "未达标")]
    STATUS_CHOICES = [("operating", "正常生产经营"), ("suspended", "停产停业"), ("closed", "关闭")]

    name = models.CharField("单位名称", max_length=128)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    industry = models.CharField("行业（GB/T 4754 大类）", max_length=2,
                                choices=[(d.code, d.label) for d in industries.divisions().values()])
    category = models.CharField("监管类别", max_length=24, choices=CATEGORY_CHOICES, db_index=True)
    scale = models.CharField("规模", max_length=8, choices=SCALE_CHOICES, default="small")
    standardisation = models.CharField("安全生产标准化等级", max_length=8, choices=STANDARD_CHOICES, default="none")
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default="operating", db_index=True)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="enterprises")
    address = models.CharField("地址", max_length=255, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    in_chemical_park = models.BooleanField("位于化工园区", default=False)
    principal = models.CharField("主要负责人", max_length=32)
    principal_phone = models.CharField("主要负责人电话", max_length=32)
    safety_manager = models.CharField("安全管理人员", max_length=32, blank=True)
    safety_manager_phone = models.CharField("安全管理人员电话", max_length=32, blank=True)
    employees = models.PositiveIntegerField("从业人员（人）", default=0)
    # 常住人口 within 500 m outside the plant boundary: α of GB 18218-2018 表5 for every unit of the enterprise.
    people_within_500m = models.PositiveIntegerField("厂区边界外500米内常住人口（人）", default=0)
    accounts = models.ManyToManyField(USER, verbose_name="企业账号", blank=True, related_name="enterprises")
    major_level = models.CharField("重大危险源最高级别", max_length=4, blank=True, editable=False)  # kept by services
    major_grade = models.PositiveSmallIntegerField("重大危险源最高级别（序号）", default=NO_GRADE, editable=False,
                                                   db_index=True)  # 1 一级 … 4 四级, NO_GRADE without: sorts

    enterprise_field = ""

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["region__code", "name"]
        indexes = [models.Index(fields=["region", "category"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("safety:enterprise_detail", args=[self.pk])

    @property
    def industry_label(self) -> str:
        division = industries.divisions().get(self.industry)
        return division.label if division else self.industry


class Licence(EnterpriseScoped):
    """A safety licence of an enterprise; flagged YINGJI_LICENCE_WARNING_DAYS (90) days before it expires."""

    KIND_CHOICES = [
        ("production", "安全生产许可证"), ("hazchem_trade", "危险化学品经营许可证"),
        ("hazchem_use", "危险化学品安全使用许可证"), ("fireworks_trade", "烟花爆竹经营许可证"),
        ("precursor", "非药品类易制毒化学品生产、经营许可证"), ("other", "其他"),
    ]
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="licences")
    kind = models.CharField("证照类型", max_length=24, choices=KIND_CHOICES)
    number = models.CharField("证书编号", max_length=64)
    scope = models.CharField("许可范围", max_length=255, blank=True)
    issued_on = models.DateField("发证日期")
    expires_on = models.DateField("有效期至", db_index=True)

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "安全许可证"
        ordering = ["expires_on", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="licence_unique_number")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self):
        return self.enterprise.get_absolute_url() + "#licences"

    def expiry_state(self, today=None) -> str:
        """"expired", "expiring" (within the warning days, the expiry day counting as valid) or "valid"."""
        today = today or timezone.localdate()
        if self.expires_on < today:
            return "expired"
        if self.expires_on <= today + timedelta(days=settings.YINGJI_LICENCE_WARNING_DAYS):
            return "expiring"
        return "valid"

    @property
    def expiry_label(self) -> str:
        return {"expired": "已过期", "expiring": "即将到期", "valid": "有效"}[self.expiry_state()]


class HazardUnit(EnterpriseScoped):
    """A 生产单元 or 储存单元 (GB 18218-2018 3.4/3.5) with its identification and grading, recomputed by the
    services whenever its inventory or the enterprise's exposed population changes."""

    PRODUCTION, STORAGE = "production", "storage"
    KIND_CHOICES = [(PRODUCTION, "生产单元"), (STORAGE, "储存单元")]
    LEVELS = LEVELS

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="units")
    name = models.CharField("单元名称", max_length=128)
    kind = models.CharField("单元类型", max_length=16, choices=KIND_CHOICES)
    description = models.CharField("说明", max_length=255, blank=True)
    s_value = models.DecimalField("S（Σq/Q）", max_digits=20, decimal_places=6, default=0, editable=False)
    is_major = models.BooleanField("构成重大危险源", default=False, editable=False, db_index=True)
    alpha = models.DecimalField("α", max_digits=3, decimal_places=1, null=True, blank=True, editable=False)
    r_value = models.DecimalField("R", max_digits=20, decimal_places=6, null=True, blank=True, editable=False)
    level = models.CharField("重大危险源级别", max_length=4, blank=True, editable=False, db_index=True)
    grade = models.PositiveSmallIntegerField("级别序号", default=NO_GRADE, editable=False, db_index=True)
    assessed_at = models.DateTimeField("辨识时间", null=True, blank=True, editable=False)
    # 安全评估 and 备案 of a major hazard source (《危险化学品重大危险源监督管理暂行规定》: 第八条 评估定级,
    # 第十一条 reassess when three years have passed or the level changes, 第二十三条 备案 after the assessment).
    evaluated_on = models.DateField("安全评估日期", null=True, blank=True)
    evaluated_by = models.CharField("评估单位", max_length=128, blank=True)
    evaluated_level = models.CharField("评估时级别", max_length=4, blank=True, editable=False)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    filing_number = models.CharField("备案编号", max_length=64, blank=True)

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "危险化学品单元"
        ordering = ["enterprise", "name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="hazardunit_unique_name")]

    def __str__(self):
        return f"{self.enterprise.name} {self.name}"

    def get_absolute_url(self):
        return self.enterprise.get_absolute_url() + f"#unit-{self.pk}"

    def register_state(self, today=None) -> tuple[str, str]:
        """(code, text) of the source's assessment and 备案: ok, unassessed, refile (filing due or late),
        reassess (three years passed, or the level changed since the assessment)."""
        if not self.is_major:
            return "none", ""
        today = today or timezone.localdate()
        if self.evaluated_on is None:
            return "unassessed", "未进行安全评估"
        due = self.evaluated_on + timedelta(days=settings.YINGJI_MAJOR_HAZARD_FILING_DAYS)
        reassess = _years_after(self.evaluated_on, settings.YINGJI_MAJOR_HAZARD_REASSESS_YEARS)
        if self.evaluated_level and self.evaluated_level != self.level:
            return "reassess", f"级别已由{self.evaluated_level}变为{self.level}，应重新评估"
        if today >= reassess:
            return "reassess", f"安全评估已满{settings.YINGJI_MAJOR_HAZARD_REASSESS_YEARS}年（{reassess:%Y-%m-%d}），应重新评估"
        if self.filed_on is None or self.filed_on < self.evaluated_on:
            late = "，已逾期" if today > due else ""
            return "refile", f"应于 {due:%Y-%m-%d} 前备案{late}"
        number = f" {self.filing_number}" if self.filing_number else ""
        return "ok", f"已备案{number}（{self.filed_on:%Y-%m-%d}），{reassess:%Y-%m-%d} 前重新评估"

    @property
    def register_text(self) -> str:
        return self.register_state()[1]

    @property
    def s_text(self) -> str:
        return f"{self.s_value:.3f}"

    @property
    def r_text(self) -> str:
        return f"{self.r_value:.2f}" if self.r_value is not None else "—"


class InventoryLine(EnterpriseScoped):
    """One hazardous chemical of a unit at its 设计最大量 (tonnes), with the Q and β GB 18218 gives it."""

    unit = models.ForeignKey(HazardUnit, verbose_name="单元", on_delete=models.CASCADE, related_name="lines")
    chemical = models.CharField("危险化学品", max_length=128, help_text="GB 18218-2018表1名称、别名或CAS号；"
                                "不在表1中的填写名称并选择表2危险性类别")
    categories = models.CharField("危险性类别（表2）", max_length=64, blank=True,
                                  help_text="不在表1中的必填，多个以逗号分隔，如 W5.3,J2")
    max_tonnes = models.DecimalField("设计最大量（吨）", max_digits=14, decimal_places=3,
                                     validators=[MinValueValidator(0)])
    critical_t = models.DecimalField("临界量Q（吨）", max_digits=12, decimal_places=3, editable=False)
    beta = models.DecimalField("校正系数β", max_digits=4, decimal_places=1, editable=False)
    q_source = models.CharField("临界量依据", max_length=32, editable=False)
    beta_source = models.CharField("β依据", max_length=32, editable=False)

    region_field = "unit__enterprise__region"
    enterprise_field = "unit__enterprise"

    class Meta:
        verbose_name = verbose_name_plural = "危险化学品存量"
        ordering = ["unit", "id"]

    def __str__(self):
        return f"{self.chemical} {self.max_tonnes} 吨"

    def get_absolute_url(self):
        return self.unit.get_absolute_url()

    @property
    def ratio(self):
        return self.max_tonnes / self.critical_t if self.critical_t else None
