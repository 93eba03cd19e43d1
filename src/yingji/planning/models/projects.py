"""Models of key projects (重点项目) with sub-projects and funding plans by source and year.

A key project (重点项目, e.g. 资阳's ten of 附件2) belongs to a programme (所属计划) and a region; its sub-projects
(子项目, 附表3's rows) carry the 总投资估算 and the 年度资金计划: one FundingPlanLine per (year, source, region) as
printed. Funds received (到位) and spent (支出) are FundingRecords. Totals are never stored: they are sums of the
lines (services/projects.py), so by year, by level and by district they always add up."""

from django.db import models
from django.urls import reverse

from yingji.core.models import Record, Region

__all__ = ["KeyProject", "SubProject", "FundingPlanLine", "FundingRecord", "PROJECT_LEVELS", "FUNDING_SOURCES"]

PROJECT_LEVELS = [("省级", "省级"), ("市级", "市级"), ("县级", "县级"), ("市县级", "市县级")]
# 附表3's funding columns: 省级资金, 市本级 and the counties (县区); a line of a county names its region.
PROVINCIAL, CITY, COUNTY = "provincial", "city", "county"
FUNDING_SOURCES = [(PROVINCIAL, "省级资金"), (CITY, "市本级"), (COUNTY, "县（区）资金")]
MONEY = {"max_digits": 14, "decimal_places": 2}


class KeyProject(Record):
    """A key project of a programme, with its 牵头/配合 units and span (附件2's 时间进度)."""

    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="key_projects")
    programme = models.CharField("所属计划", max_length=128, db_index=True,
                                 help_text="如“资阳市应急救援能力提升三年行动计划”：合计按计划分别计算")
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("项目名称", max_length=128)
    level = models.CharField("项目级别", max_length=8, choices=PROJECT_LEVELS, blank=True)
    lead_units = models.CharField("牵头单位", max_length=255)
    support_units = models.CharField("配合单位", max_length=255, blank=True)
    district = models.CharField("实施地区", max_length=128, blank=True, help_text="留空表示全区划")
    content = models.TextField("建设内容", blank=True)
    schedule = models.CharField("时间进度（原文）", max_length=64, blank=True)
    start_year = models.PositiveSmallIntegerField("起始年份")
    end_year = models.PositiveSmallIntegerField("截止年份")
    progress = models.TextField("进展情况", blank=True)
    progress_percent = models.PositiveSmallIntegerField("完成进度（%）", default=0)
    completed_year = models.PositiveSmallIntegerField("实际完成年份", null=True, blank=True)

    applies_downwards = True  # a city's projects are read by its counties (牵头 or 配合 there)

    class Meta:
        verbose_name = verbose_name_plural = "重点项目"
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["region", "programme", "number"],
                                               name="keyproject_unique_number")]

    def __str__(self):
        return f"{self.number}. {self.name}"

    def get_absolute_url(self):
        return reverse("planning:project_detail", args=[self.pk])


class SubProject(Record):
    """A row of the implementation table (附表3): what is built, its level, 总投资估算 and 完成时限 as printed."""

    project = models.ForeignKey(KeyProject, verbose_name="重点项目", on_delete=models.CASCADE,
                                related_name="subprojects")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="subprojects",
                               help_text="留空取重点项目的区划")
    number = models.PositiveSmallIntegerField("序号")
    printed_project_name = models.CharField("项目名称（实施计划表原文）", max_length=128, blank=True)
    name = models.CharField("子项目", max_length=128)
    level = models.CharField("项目级别", max_length=8, choices=PROJECT_LEVELS)
    responsible_units = models.CharField("责任单位", max_length=255, blank=True, help_text="留空同重点项目")
    content = models.TextField("建设内容及进度安排", blank=True)
    total_investment = models.DecimalField("总投资估算（万元）", **MONEY, null=True, blank=True,
                                           help_text="原表无数字的留空")
    start_year = models.PositiveSmallIntegerField("起始年份")
    end_year = models.PositiveSmallIntegerField("截止年份")

    applies_downwards = True

    class Meta:
        verbose_name = verbose_name_plural = "子项目"
        ordering = ["project__programme", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="subproject_unique_number")]

    def __str__(self):
        return f"{self.number}. {self.name}"

    def get_absolute_url(self):
        return reverse("planning:subproject_detail", args=[self.pk])


class FundingPlanLine(Record):
    """One cell of the yearly funding plan (年度资金计划): a sub-project's amount for a year from a source. The
    region is who pays: the programme's region for 省级资金 and 市本级, the county (区) for 县（区）资金."""

    subproject = models.ForeignKey(SubProject, verbose_name="子项目", on_delete=models.CASCADE,
                                   related_name="funding_lines")
    region = models.ForeignKey(Region, verbose_name="资金承担区划", on_delete=models.PROTECT,
                               related_name="funding_lines")
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("资金来源", max_length=16, choices=FUNDING_SOURCES)
    amount = models.DecimalField("计划金额（万元）", **MONEY)

    applies_downwards = True

    class Meta:
        verbose_name = verbose_name_plural = "年度资金计划"
        ordering = ["subproject__number", "year", "source", "region__code"]
        constraints = [models.UniqueConstraint(fields=["subproject", "year", "source", "region"],
                                               name="fundingplanline_unique_cell")]

    def __str__(self):
        return f"{self.subproject.name} {self.year}年 {self.get_source_display()} {self.region.name}"

    def get_absolute_url(self):
        return self.subproject.get_absolute_url()


class FundingRecord(Record):
    """Money received (到位) for a sub-project or spent (支出) on it, by the region that received or spent it."""

    RECEIVED, SPENT = "received", "spent"
    KIND_CHOICES = [(RECEIVED, "到位"), (SPENT, "支出")]

    subproject = models.ForeignKey(SubProject, verbose_name="子项目", on_delete=models.CASCADE,
                                   related_name="funding_records")
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT, related_name="funding_records")
    kind = models.CharField("类别", max_length=8, choices=KIND_CHOICES)
    source = models.CharField("资金来源", max_length=16, choices=FUNDING_SOURCES)
    amount = models.DecimalField("金额（万元）", **MONEY)
    occurred_on = models.DateField("日期")
    note = models.CharField("说明（文号、用途）", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金到位与支出"
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["subproject", "kind"])]

    def __str__(self):
        return f"{self.subproject.name} {self.get_kind_display()} {self.amount} 万元（{self.occurred_on}）"

    def get_absolute_url(self):
        return self.subproject.get_absolute_url()
