"""Hazards (隐患) and their closed loop: found (自查/执法检查/群众举报) → graded 一般/重大 → 整改中 (a plan with
measures, funds, responsible person and deadline) → 待验收 (rectified, photos after) → 已销号 after the
inspector's 复查验收, or back to 整改中 when it fails. A 重大 hazard may be listed for supervision (挂牌督办)
by the county or the city; its 销号 closes the listing. Every step is kept in an append-only log."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Record, Region

from .enterprises import Enterprise, EnterpriseScoped

USER = settings.AUTH_USER_MODEL


class Hazard(Record, EnterpriseScoped):
    """A 生产安全事故隐患 of an enterprise, or of a public place (no enterprise: region and location only)."""

    SOURCE_CHOICES = [("self_check", "企业自查"), ("inspection", "执法检查"), ("tip", "群众举报"), ("other", "其他")]
    GENERAL, MAJOR = "general", "major"
    GRADE_CHOICES = [(GENERAL, "一般隐患"), (MAJOR, "重大事故隐患")]
    PENDING, RECTIFYING, AWAITING, CLOSED = "pending", "rectifying", "awaiting", "closed"
    STATUS_CHOICES = [(PENDING, "待整改"), (RECTIFYING, "整改中"), (AWAITING, "待验收"), (CLOSED, "已销号")]
    OPEN = (PENDING, RECTIFYING, AWAITING)

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="hazards", help_text="公共场所的隐患不选企业，填写所属区划和位置")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="hazards")
    title = models.CharField("隐患名称", max_length=128)
    description = models.TextField("隐患描述", blank=True)
    location = models.CharField("隐患部位/地点", max_length=255, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    source = models.CharField("隐患来源", max_length=16, choices=SOURCE_CHOICES, default="self_check")
    found_on = models.DateField("发现日期")
    found_by = models.CharField("发现人", max_length=64, blank=True)
    grade = models.CharField("隐患等级", max_length=8, choices=GRADE_CHOICES, default=GENERAL, db_index=True)
    criterion = models.CharField("重大事故隐患判定标准条款", max_length=16, blank=True,
                                 help_text="重大事故隐患必填：按企业监管类别适用的判定标准条款")
    criterion_basis = models.CharField("判定依据（无适用标准时）", max_length=255, blank=True,
                                       help_text="监管类别没有判定标准条款（或公共场所）的重大事故隐患，写明判定依据")
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=PENDING, db_index=True)
    measures = models.TextField("整改措施", blank=True)
    funds_wan = models.DecimalField("整改资金（万元）", max_digits=10, decimal_places=2, null=True, blank=True)
    responsible = models.CharField("整改责任人", max_length=32, blank=True)
    responsible_phone = models.CharField("责任人电话", max_length=32, blank=True)
    deadline = models.DateField("整改期限", null=True, blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    accepted_by = models.ForeignKey(USER, verbose_name="验收人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    photo_before = models.FileField("整改前照片", upload_to="safety/hazards/%Y/%m/", blank=True, max_length=255)
    photo_after = models.FileField("整改后照片", upload_to="safety/hazards/%Y/%m/", blank=True, max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "隐患"
        ordering = ["-found_on", "-id"]
        permissions = [("accept_hazard", "复查验收、销号隐患"), ("supervise_hazard", "挂牌督办重大事故隐患")]
        # The lists (status, overdue) and the statistics (region × month, grade) over 100,000 rows.
        indexes = [models.Index(fields=["-found_on", "-id"], name="hazard_newest_first"),  # page 1, in order
                   models.Index(fields=["region", "status"]), models.Index(fields=["status", "deadline"]),
                   models.Index(fields=["region", "found_on"]), models.Index(fields=["grade", "status"])]

    def __str__(self):
        return f"隐患：{self.title}"

    def get_absolute_url(self):
        return reverse("safety:hazard_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != self.CLOSED

    def is_overdue(self, today=None) -> bool:
        """Not closed and past its deadline (the deadline day itself still counts as in time)."""
        today = today or timezone.localdate()
        return self.is_open and self.deadline is not None and self.deadline < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def place(self) -> str:
        return self.enterprise.name if self.enterprise_id else f"{self.region.name}（公共场所）"

    @property
    def status_text(self) -> str:
        return self.get_status_display() + ("·已逾期" if self.overdue else "")

    @property
    def open_supervision(self):
        return next((s for s in self.supervisions.all() if s.closed_on is None), None)


class HazardUpdate(EnterpriseScoped):
    """Append-only log of a hazard's loop: each step with who, when, what and an optional photo."""

    KIND_CHOICES = [("report", "登记"), ("plan", "整改方案"), ("progress", "整改进展"), ("rectified", "整改完成"),
                    ("accepted", "验收通过"), ("rejected", "验收不通过"), ("supervised", "挂牌督办"), ("edit", "修改")]

    hazard = models.ForeignKey(Hazard, verbose_name="隐患", on_delete=models.CASCADE, related_name="updates")
    time = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类型", max_length=12, choices=KIND_CHOICES)
    text = models.TextField("内容")
    actor = models.ForeignKey(USER, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    photo = models.FileField("照片", upload_to="safety/hazards/%Y/%m/", blank=True, max_length=255)

    region_field = "hazard__region"
    enterprise_field = "hazard__enterprise"

    class Meta:
        verbose_name = verbose_name_plural = "隐患整改记录"
        ordering = ["time", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.text[:40]}"


class HazardSupervision(EnterpriseScoped):
    """挂牌督办 of a 重大事故隐患 by the county or the city, with its notice number and deadline; closed (销号)
    when the hazard is accepted."""

    LEVEL_CHOICES = [("county", "县级"), ("city", "市级")]

    hazard = models.ForeignKey(Hazard, verbose_name="隐患", on_delete=models.CASCADE, related_name="supervisions")
    level = models.CharField("督办层级", max_length=8, choices=LEVEL_CHOICES)
    number = models.CharField("督办文号", max_length=64, unique=True)
    authority = models.CharField("督办单位", max_length=64)
    deadline = models.DateField("督办整改期限")
    requirements = models.TextField("督办要求", blank=True)
    listed_on = models.DateField("挂牌日期")
    listed_by = models.ForeignKey(USER, verbose_name="挂牌人", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_on = models.DateField("销号日期", null=True, blank=True)

    region_field = "hazard__region"
    enterprise_field = "hazard__enterprise"

    class Meta:
        verbose_name = verbose_name_plural = "重大隐患挂牌督办"
        ordering = ["-listed_on", "-id"]

    def __str__(self):
        return f"挂牌督办 {self.number}"
