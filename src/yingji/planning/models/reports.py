"""Models of the half-year report (半年报告) and the statistics pages for leadership.

A HalfYearReport is one generation of the report for a region and a half of a year: the figures as they stood
then (`content`, the sections as plain JSON, so the record says what the files say even after the data move
on), and the two files — the 公文 (.docx) and the workbook (.xlsx). Generating again makes a new record: the
one sent to the 联席会议 stays as it was."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from yingji.core.models import Record, Region

__all__ = ["HalfYearReport"]


class HalfYearReport(Record):
    FIRST, SECOND = "H1", "H2"
    HALF_CHOICES = [(FIRST, "上半年"), (SECOND, "下半年")]

    region = models.ForeignKey(Region, verbose_name="行政区划", on_delete=models.PROTECT,
                               related_name="half_year_reports")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    half = models.CharField("半年", max_length=2, choices=HALF_CHOICES)
    number = models.CharField("发文字号", max_length=64, blank=True, help_text="如：乐应急〔2026〕18号；可留空。")
    title = models.CharField("标题", max_length=200)
    recipient = models.CharField("主送机关", max_length=128)
    authority = models.CharField("发文机关", max_length=128)
    signed_by = models.CharField("签发人", max_length=32, blank=True)
    copy_to = models.CharField("抄送", max_length=255, blank=True)
    content = models.JSONField("报告内容", default=dict, blank=True,
                               help_text="生成时的各部分：标题、文字、表格（与文件一致）。")
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    generated_at = models.DateTimeField("生成时间")
    docx = models.FileField("公文（.docx）", upload_to="planning/reports/%Y/", blank=True, max_length=255)
    xlsx = models.FileField("数据表（.xlsx）", upload_to="planning/reports/%Y/", blank=True, max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "半年报告"
        ordering = ["-year", "-half", "-generated_at"]
        indexes = [models.Index(fields=["region", "year", "half"])]

    def __str__(self):
        return f"{self.region.name}{self.year}年{self.get_half_display()}报告"

    def get_absolute_url(self):
        return reverse("planning:report_detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.get_half_display()}"
