"""Risk points (风险点) of an enterprise or of a public place, graded into the four colours by LEC or LS
(yingji.standards.risk), with the bands a bureau may set for its region and the regions below."""

from django.db import models
from django.urls import reverse

from yingji.core.models import Record, Region, RegionScoped

from .enterprises import Enterprise, EnterpriseScoped

METHOD_CHOICES = [("lec", "LEC（作业条件危险性评价法）"), ("ls", "LS（风险矩阵）")]
COLOUR_CHOICES = [("红", "红（重大风险）"), ("橙", "橙（较大风险）"), ("黄", "黄（一般风险）"), ("蓝", "蓝（低风险）")]
CONTROL_LEVELS = [("公司级", "公司级"), ("车间级", "车间级"), ("班组级", "班组级"), ("岗位级", "岗位级")]


class RiskScheme(RegionScoped):
    """The four colour bands a bureau uses for one method, binding its region and the regions below (the
    nearest scheme up the tree wins; none: the defaults of data/risk_bands.csv). `bands` is a list of four
    {"grade", "bound", "level", "colour", "colour_code", "control_level"}, 1 重大 first; LEC bounds are
    exclusive (D > bound), LS bounds inclusive (R ≥ bound), as the sources write them."""

    region = models.ForeignKey(Region, verbose_name="适用区划", on_delete=models.CASCADE, related_name="risk_schemes")
    method = models.CharField("评价方法", max_length=8, choices=METHOD_CHOICES)
    bands = models.JSONField("分级标准")
    notes = models.CharField("依据", max_length=255, blank=True)

    applies_downwards = True

    class Meta:
        verbose_name = verbose_name_plural = "风险分级标准"
        constraints = [models.UniqueConstraint(fields=["region", "method"], name="riskscheme_unique_method")]

    def __str__(self):
        return f"{self.region.name} {self.get_method_display()}分级标准"

    def get_absolute_url(self):
        return reverse("safety:risk_scheme_edit", args=[self.pk])


class RiskPoint(Record, EnterpriseScoped):
    """A place, installation or activity where an accident may arise; graded and controlled by colour."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="risk_points", help_text="公共场所的风险点不选企业")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="risk_points")
    name = models.CharField("风险点名称", max_length=128)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    area = models.JSONField("范围（GeoJSON 面）", null=True, blank=True)
    hazards = models.CharField("主要危险有害因素", max_length=255, blank=True)
    accident_types = models.CharField("可能导致的事故类型", max_length=255, blank=True)
    method = models.CharField("评价方法", max_length=8, choices=METHOD_CHOICES, default="lec")
    likelihood = models.DecimalField("L（可能性）", max_digits=5, decimal_places=2)
    exposure = models.DecimalField("E（暴露频繁程度，LEC）", max_digits=5, decimal_places=2, null=True, blank=True)
    consequence = models.DecimalField("C（后果，LEC）或 S（严重性，LS）", max_digits=6, decimal_places=2)
    score = models.DecimalField("风险值（D 或 R）", max_digits=10, decimal_places=3, editable=False)
    grade = models.PositiveSmallIntegerField("风险等级序号", editable=False, db_index=True)  # 1 重大 … 4 低
    level = models.CharField("风险等级", max_length=8, editable=False)
    colour = models.CharField("颜色", max_length=2, choices=COLOUR_CHOICES, editable=False, db_index=True)
    colour_code = models.CharField("颜色值", max_length=7, editable=False)
    control_level = models.CharField("管控层级", max_length=8, choices=CONTROL_LEVELS, blank=True,
                                     help_text="留空按颜色取默认（红 公司级、橙 车间级、黄 班组级、蓝 岗位级）")
    control_level_auto = models.BooleanField("管控层级随颜色", default=True, editable=False)
    measures = models.TextField("管控措施", blank=True)
    responsible = models.CharField("责任人", max_length=32, blank=True)
    responsible_phone = models.CharField("责任人电话", max_length=32, blank=True)
    assessed_on = models.DateField("评价日期")

    class Meta:
        verbose_name = verbose_name_plural = "风险点"
        ordering = ["grade", "region__code", "name"]
        indexes = [models.Index(fields=["region", "grade"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("safety:risk_point_detail", args=[self.pk])
