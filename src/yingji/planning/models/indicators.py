"""Models of plan indicators (指标) with targets, yearly denominators and computed actuals.

An indicator's actual for a year is computed from the records (services/indicators.py) by its `formula`, or
entered by hand (IndicatorManualValue, only with a source note and always shown as manual). The yearly
denominators are RegionYearStat rows (常住人口, 工矿商贸就业人员) and core.RegionGDP (GDP, 万元); a missing one is never
guessed."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from yingji.core.models import Record, Region, RegionScoped

__all__ = ["Indicator", "IndicatorManualValue", "RegionYearStat", "FORMULA_CHOICES", "TARGET_KIND_CHOICES",
           "ATTRIBUTE_CHOICES"]

YEAR_VALIDATORS = [MinValueValidator(1949), MaxValueValidator(2100)]

# The fixed set of computations (services/indicators.py FORMULAS says how each is computed).
# Not among them: 灾害预警信息发布覆盖率 (seed 002's 分项目标 “达到100%”). The warnings app records, per warning and
# township, how many *registered recipients* lie inside the warning's area of how many are registered there
# (warnings.WarningCoverage: targeting), and per-recipient deliveries; neither counts the public that broadcasts,
# TV and operator-wide SMS reach, which is what the plan's 覆盖率 measures. Such a figure is entered as a manual
# value with its source (formula "manual"). What those records do measure is computed under its own name,
# warning_recipient_coverage (登记人员覆盖率, labelled as counted over registered people), as a reference.
FORMULA_CHOICES = [
    ("production_deaths", "生产安全事故死亡人数（含下落不明）"),
    ("deaths_per_gdp", "亿元地区生产总值生产安全事故死亡率"),
    ("industrial_deaths_per_100k", "工矿商贸就业人员十万人生产安全事故死亡率"),
    ("disaster_deaths_missing", "因自然灾害死亡失踪人数"),
    ("disaster_affected", "自然灾害受灾人次"),
    ("disaster_loss", "因自然灾害直接经济损失（万元）"),
    ("disaster_loss_share", "因自然灾害直接经济损失占地区生产总值比例"),
    ("disaster_deaths_per_million", "每百万人口因自然灾害死亡率"),
    ("affected_per_100k", "每十万人受灾人次"),
    ("warning_recipient_coverage", "预警信息登记人员覆盖率（按登记人员计）"),
    ("manual", "手工填报（注明来源）"),
]
COMPUTED_CHOICES = [c for c in FORMULA_CHOICES if c[0] != "manual"]
TARGET_KIND_CHOICES = [
    ("decrease_pct", "比基期下降X%"), ("increase_pct", "比基期上升X%"),
    ("lt", "<X"), ("le", "≤X"), ("gt", ">X"), ("ge", "≥X"),
]
ATTRIBUTE_CHOICES = [("约束性", "约束性"), ("预期性", "预期性")]


class Indicator(Record):
    """One 主要指标 of a plan for a region (乐至县“十四五”应急体系规划 …): target, attribute, formula."""

    region = models.ForeignKey(Region, verbose_name="规划区划", on_delete=models.PROTECT, related_name="indicators")
    plan = models.CharField("规划名称", max_length=128)
    number = models.PositiveSmallIntegerField("序号", default=1)
    code = models.CharField("指标编号", max_length=32)
    name = models.CharField("指标名称", max_length=128)
    unit = models.CharField("计量单位", max_length=32, blank=True)
    formula = models.CharField("计算方法", max_length=32, choices=FORMULA_CHOICES)
    reference_formula = models.CharField(
        "参考计算方法", max_length=32, choices=COMPUTED_CHOICES, blank=True,
        help_text="仅用于手工填报的指标：另按记录计算一个口径相近的数值并列显示作参考（如预警信息登记人员覆盖率），"
                  "不代替手工值，也不参与达标判断")
    annual_average = models.BooleanField("按规划期年均计", default=False,
                                         help_text="指标名称含“年均”的：自规划期起始年至当年的各年数值取算术平均")
    period_start = models.PositiveSmallIntegerField("规划期起始年", validators=YEAR_VALIDATORS)
    baseline_year = models.PositiveSmallIntegerField("基期年份", null=True, blank=True, validators=YEAR_VALIDATORS)
    baseline_value = models.DecimalField("基期值", max_digits=16, decimal_places=4, null=True, blank=True,
                                         help_text="留空：按记录计算基期年份的数值")
    target_kind = models.CharField("目标类型", max_length=16, choices=TARGET_KIND_CHOICES)
    target_value = models.DecimalField("目标值X", max_digits=16, decimal_places=4,
                                       validators=[MinValueValidator(Decimal("0"))])
    target_year = models.PositiveSmallIntegerField("目标年份", validators=YEAR_VALIDATORS)
    attribute = models.CharField("指标属性", max_length=8, choices=ATTRIBUTE_CHOICES)
    responsible_units = models.CharField("责任单位", max_length=255, blank=True)
    source = models.CharField("出处", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "规划指标"
        ordering = ["region__path", "plan", "number", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "plan", "code"], name="indicator_unique_code")]

    def __str__(self):
        return f"{self.name}（{self.plan}）"

    def get_absolute_url(self):
        return reverse("planning:indicator_detail", args=[self.pk])

    @property
    def target_label(self) -> str:
        """As the plan prints it: 下降15%、<1%、<15000."""
        value = f"{self.target_value.normalize():f}"
        percent = "%" if self.unit == "%" else ""
        return {"decrease_pct": f"下降{value}%", "increase_pct": f"上升{value}%", "lt": f"<{value}{percent}",
                "le": f"≤{value}{percent}", "gt": f">{value}{percent}", "ge": f"≥{value}{percent}"}[self.target_kind]

    @property
    def is_manual(self) -> bool:
        return self.formula == "manual"


class IndicatorManualValue(RegionScoped):
    """A value entered by hand for a year: only with its source, and shown as manual wherever it appears."""

    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="manual_values")
    year = models.PositiveSmallIntegerField("年份", validators=YEAR_VALIDATORS)
    value = models.DecimalField("数值", max_digits=16, decimal_places=4)
    source_note = models.CharField("数据来源说明", max_length=255)
    is_demo = models.BooleanField("演示数据", default=False)

    region_field = "indicator__region"

    class Meta:
        verbose_name = verbose_name_plural = "指标手工填报值"
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="manual_value_one_per_year")]

    def __str__(self):
        return f"{self.indicator.name} {self.year} 年（手工填报）"

    def get_absolute_url(self):
        return reverse("planning:indicator_detail", args=[self.indicator_id])


class RegionYearStat(Record):
    """The yearly denominators of a region, as the statistics bureau publishes them. Any may be empty (not yet
    published): the figures that divide by it then say 缺少分母数据. GDP is not kept here: its one home is
    core.RegionGDP (万元), which the forms and the sheet of these rows write through (services/denominators.py)."""

    region = models.ForeignKey(Region, verbose_name="行政区划", on_delete=models.CASCADE, related_name="year_stats")
    year = models.PositiveSmallIntegerField("年份", validators=YEAR_VALIDATORS)
    population = models.PositiveIntegerField("常住人口（人）", null=True, blank=True)
    industrial_employees = models.PositiveIntegerField("工矿商贸就业人员（人）", null=True, blank=True)
    source = models.CharField("数据来源", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度统计分母"
        ordering = ["region__path", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="year_stat_one_per_region_year")]

    def __str__(self):
        return f"{self.region.name} {self.year} 年统计数据"

    def get_absolute_url(self):
        return reverse("planning:year_stat_edit", args=[self.pk])
