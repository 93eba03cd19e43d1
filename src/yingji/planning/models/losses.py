"""Disaster-loss reports (灾情报告) after 《自然灾害情况统计调查制度》 (应急管理部、国家统计局，应急〔2020〕19号):
the township (乡镇/街道) is the unit of statistics, the county bureau the reporting unit. A disaster event (一次灾害
过程) has township reports in stages 初报 → 续报 (daily, any number) → 核报; the county reviews each (accept or
return with a reason), aggregates the accepted current ones and files the upward report (a stored snapshot).

The indicators' names, units and meanings are in data/ziran_zaihai_tongji_zhibiao.csv; the deadlines are settings
(YINGJI_LOSS_*)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Record, Region

USER = settings.AUTH_USER_MODEL

__all__ = ["DisasterEvent", "DisasterLossReport", "LossFiling", "LOSS_FIELDS", "COUNT_FIELDS", "AREA_FIELDS",
           "MONEY_FIELDS", "BREAKDOWN_FIELDS", "FIGURE_FIELDS"]

# The 快报表's figures, in the table's order (the CSV's): whole numbers, areas (公顷) and money (万元).
COUNT_FIELDS = ("affected_people", "deaths", "missing", "relocated", "needing_aid", "collapsed_households",
                "collapsed_rooms", "severe_households", "severe_rooms", "minor_households", "minor_rooms")
AREA_FIELDS = ("crop_affected_ha", "crop_damaged_ha", "crop_lost_ha")
BREAKDOWN_FIELDS = ("loss_agriculture", "loss_industry", "loss_infrastructure", "loss_public", "loss_household")
MONEY_FIELDS = ("direct_loss", *BREAKDOWN_FIELDS)
FIGURE_FIELDS = (*COUNT_FIELDS[:5], *AREA_FIELDS, *COUNT_FIELDS[5:], *MONEY_FIELDS)  # people, crops, houses, money
LOSS_FIELDS = FIGURE_FIELDS  # the name other areas (indicators) import


class DisasterEvent(Record):
    """一次灾害过程 in a county (or confined to one township): its townships report under it. Applies downwards, so
    the townships of the county read the county's events (to report under them); only the county changes them."""

    applies_downwards = True

    name = models.CharField("灾害过程名称", max_length=128)
    hazard = models.CharField("灾种", max_length=32, help_text="县级须填报亚灾种；多灾种并发时以主要灾种为准")
    occurred_at = models.DateTimeField("灾害发生时间", help_text="初报时限由此起算")
    started_on = models.DateField("开始日期", editable=False, db_index=True,
                                  help_text="灾害发生时间的日期（北京时间），按年统计以此为准")
    ended_on = models.DateField("灾情稳定日期", null=True, blank=True, help_text="核报时限由此起算")
    region = models.ForeignKey(Region, verbose_name="受灾区划（县级）", on_delete=models.PROTECT,
                               related_name="disaster_events")
    incident = models.ForeignKey("incidents.Incident", verbose_name="关联事件", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="disaster_events")
    description = models.TextField("灾情概述", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "灾害过程"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["region", "started_on"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("planning:loss_event_detail", args=[self.pk])

    @property
    def hazard_label(self) -> str:
        from ..services.losses import hazard_types

        item = hazard_types().get(self.hazard)
        return item["label"] if item else self.hazard


class DisasterLossReport(Record):
    """One township's report of one stage of an event, with the 快报表's figures. `is_current` marks, per (event,
    township), the one accepted report the county's aggregate counts: the latest accepted stage (services keep it)."""

    INITIAL, FOLLOWUP, FINAL = "initial", "followup", "final"
    STAGE_CHOICES = [(INITIAL, "初报"), (FOLLOWUP, "续报"), (FINAL, "核报")]
    STAGE_ORDER = {INITIAL: 0, FOLLOWUP: 1, FINAL: 2}
    DRAFT, SUBMITTED, ACCEPTED, RETURNED = "draft", "submitted", "accepted", "returned"
    STATUS_CHOICES = [(DRAFT, "草稿"), (SUBMITTED, "待审核"), (ACCEPTED, "已审核"), (RETURNED, "已退回")]
    EDITABLE = (DRAFT, RETURNED)

    event = models.ForeignKey(DisasterEvent, verbose_name="灾害过程", on_delete=models.PROTECT,
                              related_name="reports")
    region = models.ForeignKey(Region, verbose_name="乡镇（街道）", on_delete=models.PROTECT,
                               related_name="disaster_loss_reports")
    stage = models.CharField("报送阶段", max_length=12, choices=STAGE_CHOICES, default=INITIAL)
    covers_on = models.DateField("统计截至日期", null=True, blank=True,
                                 help_text="续报：截至该日 24 时的灾情（次日上报）；初报、核报不填")
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    is_current = models.BooleanField("计入汇总", default=False, editable=False, db_index=True,
                                     help_text="本乡镇本灾害过程最新一次已审核的报告")

    affected_people = models.PositiveIntegerField("受灾人口（人次）", default=0)
    deaths = models.PositiveIntegerField("因灾死亡人口（人）", default=0)
    missing = models.PositiveIntegerField("因灾失踪人口（人）", default=0)
    relocated = models.PositiveIntegerField("紧急转移安置人口（人次）", default=0)
    needing_aid = models.PositiveIntegerField("需紧急生活救助人口（人次）", default=0)
    crop_affected_ha = models.DecimalField("农作物受灾面积（公顷）", max_digits=12, decimal_places=2, default=0)
    crop_damaged_ha = models.DecimalField("其中：成灾面积（公顷）", max_digits=12, decimal_places=2, default=0)
    crop_lost_ha = models.DecimalField("其中：绝收面积（公顷）", max_digits=12, decimal_places=2, default=0)
    collapsed_households = models.PositiveIntegerField("倒塌房屋（户）", default=0)
    collapsed_rooms = models.PositiveIntegerField("倒塌房屋（间）", default=0)
    severe_households = models.PositiveIntegerField("严重损坏房屋（户）", default=0)
    severe_rooms = models.PositiveIntegerField("严重损坏房屋（间）", default=0)
    minor_households = models.PositiveIntegerField("一般损坏房屋（户）", default=0)
    minor_rooms = models.PositiveIntegerField("一般损坏房屋（间）", default=0)
    direct_loss = models.DecimalField("直接经济损失（万元）", max_digits=14, decimal_places=2, default=0)
    loss_agriculture = models.DecimalField("其中：农业损失（万元）", max_digits=14, decimal_places=2, default=0)
    loss_industry = models.DecimalField("其中：工矿商贸业损失（万元）", max_digits=14, decimal_places=2, default=0)
    loss_infrastructure = models.DecimalField("其中：基础设施损失（万元）", max_digits=14, decimal_places=2, default=0)
    loss_public = models.DecimalField("其中：公益设施损失（万元）", max_digits=14, decimal_places=2, default=0)
    loss_household = models.DecimalField("其中：家庭财产损失（万元）", max_digits=14, decimal_places=2, default=0)
    remarks = models.TextField("灾情文字说明", blank=True)

    due_at = models.DateTimeField("报送时限", null=True, blank=True, editable=False,
                                  help_text="乡镇报县的时限，按制度的县级时限提前设定的分钟数计算；核报在灾情稳定日期确定后计算")
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(USER, verbose_name="报送人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", editable=False)
    late = models.BooleanField("迟报", default=False, editable=False)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(USER, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    return_reason = models.TextField("退回原因", blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "灾情报告"
        ordering = ["-event__occurred_at", "region__code", "-id"]
        permissions = [("review_disasterlossreport", "审核灾情报告、汇总并向上级报送")]
        indexes = [models.Index(fields=["event", "region", "status"]), models.Index(fields=["is_current", "region"]),
                   models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.region.name} {self.get_stage_display()}（{self.event.name}）"

    def get_absolute_url(self):
        return reverse("planning:loss_report_detail", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.status in self.EDITABLE

    def is_overdue(self, now=None) -> bool:
        """Not yet submitted and past the deadline, or submitted after it (迟报)."""
        if self.late:
            return True
        return self.status in self.EDITABLE and self.due_at is not None and self.due_at < (now or timezone.now())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def status_text(self) -> str:
        if self.status in self.EDITABLE and self.overdue:
            return self.get_status_display() + "·已逾期"
        return self.get_status_display() + ("·迟报" if self.late else "")


class LossFiling(Record):
    """The county's upward report (向上级报送) of one stage of an event: the aggregate of the accepted current township
    reports as it stood when filed (snapshot: county totals and the township rows), who filed it, when, and whether
    it was in time (due_at from the 制度's county deadline)."""

    event = models.ForeignKey(DisasterEvent, verbose_name="灾害过程", on_delete=models.PROTECT,
                              related_name="filings")
    region = models.ForeignKey(Region, verbose_name="上报单位（区划）", on_delete=models.PROTECT,
                               related_name="loss_filings")
    stage = models.CharField("报送阶段", max_length=12, choices=DisasterLossReport.STAGE_CHOICES)
    covers_on = models.DateField("统计截至日期", null=True, blank=True)
    snapshot = models.JSONField("汇总数据", default=dict)
    filed_at = models.DateTimeField("报送时间", default=timezone.now)
    filed_by = models.ForeignKey(USER, verbose_name="报送人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    due_at = models.DateTimeField("报送时限", null=True, blank=True)
    late = models.BooleanField("迟报", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "灾情上报记录"
        ordering = ["-filed_at", "-id"]

    def __str__(self):
        return f"{self.event.name} {self.get_stage_display()} 上报"

    def get_absolute_url(self):
        return reverse("planning:loss_event_detail", args=[self.event_id]) + "#filings"
