"""Incidents (突发事件): intake, grading, timeline, information reports, public reports,
dispatch assignments and the duty roster."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from yingji.core.models import Record, Region, RegionScoped
from yingji.core.uploads import human_size, kind_label
from yingji.resources.models import RescueForce, Vehicle
from yingji.standards import accidents, event_codes, levels

USER = settings.AUTH_USER_MODEL


class Incident(Record):
    """One emergency as the bureau handles it, from the first call to the archive."""

    SOURCE_CHOICES = [
        ("duty_phone", "值班电话"), ("public", "公众上报"), ("monitoring", "监测报警"),
        ("superior", "上级通报"), ("department", "部门通报"), ("enterprise", "企业报告"),
    ]
    REPORTED, VERIFYING, RESPONDING, CONTROLLED, ENDED, ARCHIVED = (
        "reported", "verifying", "responding", "controlled", "ended", "archived")
    STATUS_CHOICES = [(REPORTED, "接报"), (VERIFYING, "核实"), (RESPONDING, "处置中"), (CONTROLLED, "已控制"),
                      (ENDED, "结束"), (ARCHIVED, "归档")]
    ACTIVE_STATUSES = (REPORTED, VERIFYING, RESPONDING, CONTROLLED)
    # 493号令 第三条 grades, and the Ⅰ–Ⅳ levels used for the other event classes.
    GRADE_CHOICES = [("特别重大事故", "特别重大事故"), ("重大事故", "重大事故"), ("较大事故", "较大事故"),
                     ("一般事故", "一般事故")]
    LEVEL_CHOICES = [(lv.level, f"{lv.roman}级（{lv.event_grade}）") for lv in levels.levels().values()]
    LOCATED_CHOICES = [("boundary", "按边界判定"), ("nearest_centre", "按最近中心点估计"), ("chosen", "人工选择")]
    # 493号令第二条: the regulation covers 生产经营活动 only; asked at intake, pre-filled by event class.
    PRODUCTION_CHOICES = [(accidents.YES, "是"), (accidents.NO, "否（如居民住宅、自然灾害）"),
                          (accidents.UNKNOWN, "待核实"), (accidents.DEFENCE, "国防科研生产（不适用493号令）")]

    number = models.CharField("事件编号", max_length=24, unique=True, editable=False)
    title = models.CharField("事件名称", max_length=128)
    source = models.CharField("信息来源", max_length=16, choices=SOURCE_CHOICES)
    reporter_name = models.CharField("报告人", max_length=64, blank=True)
    reporter_phone = models.CharField("报告人电话", max_length=32, blank=True)
    occurred_at = models.DateTimeField("发生时间")
    reported_at = models.DateTimeField("接报时间", db_index=True)  # when the bureau learned of it
    region = models.ForeignKey(Region, verbose_name="发生地区划", on_delete=models.PROTECT, related_name="incidents")
    region_located_by = models.CharField("区划判定方式", max_length=16, choices=LOCATED_CHOICES, default="chosen")
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    event_code = models.CharField("事件类型代码", max_length=5, db_index=True)
    production_activity = models.CharField("是否在生产经营活动中发生", max_length=8, choices=PRODUCTION_CHOICES,
                                           blank=True)  # "" only until intake fills the class's default
    description = models.TextField("事件描述", blank=True)
    unit_overview = models.TextField("事故发生单位概况", blank=True)
    deaths = models.PositiveIntegerField("死亡（人）", default=0)
    missing = models.PositiveIntegerField("下落不明（人）", default=0)  # graded with deaths (493号令第十二条)
    serious_injuries = models.PositiveIntegerField("重伤（人）", default=0)
    injuries = models.PositiveIntegerField("轻伤（人）", default=0)
    direct_loss_wan = models.DecimalField("直接经济损失（万元）", max_digits=14, decimal_places=2, default=0,
                                          validators=[MinValueValidator(0)])
    people_affected = models.PositiveIntegerField("受影响人数（人）", default=0)
    is_drill = models.BooleanField("演练", default=False, db_index=True)
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=REPORTED, db_index=True)
    accident_grade = models.CharField("事故等级", max_length=8, choices=GRADE_CHOICES, blank=True)
    level = models.PositiveSmallIntegerField("事件级别", choices=LEVEL_CHOICES, null=True, blank=True)
    graded_by = models.CharField("定级依据", max_length=64, blank=True)
    grading_plan = models.CharField("分级所依预案", max_length=128, blank=True)  # not a 493 accident: the plan used
    report_up_to = models.CharField("应上报至", max_length=64, blank=True)
    casualty_window_ends = models.DateTimeField("伤亡变化补报截止", null=True, blank=True)
    duty_officer = models.ForeignKey(USER, verbose_name="接报值班员", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="incidents_taken")
    merged_into = models.ForeignKey("self", verbose_name="已并入", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "突发事件"
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["status", "-reported_at"]), models.Index(fields=["region", "-reported_at"])]
        permissions = [("grade_incident", "可定级突发事件"), ("merge_incident", "可合并重复事件")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("incidents:incident_detail", args=[self.pk])

    @property
    def event_name(self) -> str:
        try:
            return event_codes.get(self.event_code).name
        except ValueError:
            return self.event_code

    @property
    def order493_scope(self) -> accidents.Scope | None:
        """Whether 国务院令第493号 applies (第二条), from the event class and the 生产经营活动 answer."""
        try:
            return accidents.order493_scope(self.event_code, self.production_activity or None) if self.event_code \
                else None
        except ValueError:
            return None

    @property
    def is_accident(self) -> bool:
        """A 生产安全事故 under 493号令: graded by 第三条, reported by 第十条 (not every 事故灾难 code is one)."""
        scope = self.order493_scope
        return bool(scope and scope.applies)

    @property
    def grading_basis_label(self) -> str:
        """How the grade was reached, as the incident page, list and reports say it."""
        if self.accident_grade:
            scope = self.order493_scope
            return "暂按493号令定级（是否生产经营活动待核实）" if scope and scope.provisional else "按493号令定级"
        if self.level and self.grading_plan:
            return f"按《{self.grading_plan}》分级"
        if self.level:
            return "按指挥长研判定级"
        return "未定级" + ("" if self.is_accident else "（按相应应急预案分级）")

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES and self.merged_into_id is None

    @property
    def grade_label(self) -> str:
        if self.accident_grade:
            return self.accident_grade
        return self.get_level_display() if self.level else "未定级"

    @property
    def colour(self) -> str:
        """Map colour of the incident's level (red…blue), grey until graded."""
        level = self.level or {"特别重大事故": 1, "重大事故": 2, "较大事故": 3, "一般事故": 4}.get(self.accident_grade)
        return levels.by_level(level).colour_en if level else "grey"


class AccidentNotice(RegionScoped):
    """493号令第十条: a body the bureau notified of a 生产安全事故 (公安机关、劳动保障行政部门、工会、人民检察院)
    or reported it to (本级人民政府), with when and how. The list of bodies is accidents.article10_parties()."""

    PARTY_CHOICES = [(p.key, p.role) for p in accidents.article10_parties()]
    METHOD_CHOICES = [("phone", "电话"), ("fax", "传真"), ("document", "公文"), ("sms", "短信"), ("in_person", "当面"),
                      ("system", "信息系统")]

    incident = models.ForeignKey(Incident, verbose_name="突发事件", on_delete=models.CASCADE,
                                 related_name="article10_notices")
    party = models.CharField("通知对象", max_length=16, choices=PARTY_CHOICES)
    name = models.CharField("单位名称", max_length=128)
    notified_at = models.DateTimeField("通知时间")
    method = models.CharField("方式", max_length=16, choices=METHOD_CHOICES, default="phone")
    note = models.CharField("备注", max_length=255, blank=True)  # who took it, their phone
    notified_by = models.ForeignKey(USER, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL)

    region_field = "incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "第十条通知"
        ordering = ["incident", "notified_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "party"], name="accidentnotice_one_per_party")]

    def __str__(self):
        return f"第十条通知：{self.name}（{self.incident.number}）"


class TimelineEntry(RegionScoped):
    """Append-only log of an incident: reports, grade and status changes, activations, tasks, dispatches, notes."""

    KIND_CHOICES = [
        ("intake", "接报"), ("status", "状态变更"), ("grade", "定级"), ("casualty", "伤亡损失变化"),
        ("report", "信息报告"), ("activation", "预案启动"), ("task", "任务"), ("dispatch", "调派"),
        ("note", "记录"), ("merge", "合并"), ("edit", "信息修改"),
        ("report_flow", "报告审签"), ("delivery", "报告签收"), ("urge", "催报"),
    ]

    incident = models.ForeignKey(Incident, verbose_name="突发事件", on_delete=models.CASCADE, related_name="timeline")
    time = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES)
    text = models.TextField("内容")
    actor = models.ForeignKey(USER, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField("数据", default=dict, blank=True)
    attachment = models.FileField("附件", upload_to="incidents/notes/%Y/%m/", blank=True)
    # The stored path is Django's (uniquified); the name the user gave is kept apart for display and download.
    attachment_name = models.CharField("附件原名", max_length=255, blank=True)
    attachment_type = models.CharField("附件类型", max_length=128, blank=True)  # MIME type found by content
    attachment_size = models.PositiveBigIntegerField("附件大小（字节）", null=True, blank=True)

    region_field = "incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "事件时间线"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["incident", "-time", "-id"])]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.text[:40]}"

    @property
    def attachment_display_name(self) -> str:
        """The name the file was given (entries from before names were kept: the stored file's name)."""
        return self.attachment_name or self.attachment.name.rsplit("/", 1)[-1]

    @property
    def attachment_label(self) -> str:
        return kind_label(self.attachment_type)

    @property
    def attachment_size_display(self) -> str:
        return human_size(self.attachment_size)


class InformationReport(RegionScoped):
    """首报/续报/终报. The due time is computed and stored when the report becomes due;
    the issued content and .docx are kept as issued."""

    INITIAL, FOLLOW_UP, FINAL = "initial", "follow_up", "final"
    KIND_CHOICES = [(INITIAL, "首报"), (FOLLOW_UP, "续报"), (FINAL, "终报")]
    # 待报 is the drafting state (a 退回 report is back in it); 待审核 and 待签发 wait for the bureau's reviewer
    # and signer (services/report_workflow.py). All three are still "due": the deadline counts until 签发.
    DUE, SUBMITTED, REVIEWED, ISSUED, CANCELLED = "due", "submitted", "reviewed", "issued", "cancelled"
    STATUS_CHOICES = [(DUE, "待报"), (SUBMITTED, "待审核"), (REVIEWED, "待签发"), (ISSUED, "已签发报送"),
                      (CANCELLED, "已取消")]
    PENDING = (DUE, SUBMITTED, REVIEWED)

    incident = models.ForeignKey(Incident, verbose_name="突发事件", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES)
    sequence = models.PositiveSmallIntegerField("序号", default=1)  # 续报 are numbered 1, 2, …
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=DUE, db_index=True)
    trigger = models.CharField("触发原因", max_length=255, blank=True)
    due_at = models.DateTimeField("应报时间", db_index=True)
    recipient = models.CharField("报送单位", max_length=128, blank=True)
    content = models.JSONField("报告内容", default=dict, blank=True)  # the 第十二条 sections, editable until issued
    issued_at = models.DateTimeField("报送时间", null=True, blank=True)
    issued_by = models.ForeignKey(USER, verbose_name="签发人", null=True, blank=True, on_delete=models.SET_NULL)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    submitted_by = models.ForeignKey(USER, verbose_name="拟稿人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="reports_drafted")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="reports_reviewed")
    return_reason = models.CharField("退回原因", max_length=255, blank=True)  # the last 退回, shown to the drafter
    document = models.FileField("报告文件", upload_to="incidents/reports/%Y/%m/", blank=True)
    relay_deadlines = models.JSONField("逐级上报时限", default=list, blank=True)  # [{"to": …, "due": iso}]
    # Parts local 信息报送 rules ask for beyond 第十二条's six items; editable until issued, like `content`.
    potential_loss = models.TextField("可能造成的伤亡和损失", blank=True)
    trend = models.TextField("事件发展趋势", blank=True)
    leaders = models.TextField("领导到位情况", blank=True)
    next_steps = models.TextField("下一步工作建议", blank=True)
    copy_to = models.CharField("抄送", max_length=255, blank=True)
    # The incident's figures, grade and status when the report was issued: the next 续报 reports the change.
    facts = models.JSONField("报送时事件情况", default=dict, blank=True)

    region_field = "incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "信息报告"
        ordering = ["incident", "due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "sequence"], name="report_unique_sequence")]

    def get_absolute_url(self):
        return reverse("incidents:report_detail", args=[self.pk])

    def __str__(self):
        label = self.get_kind_display()
        return f"{label}（第{self.sequence}次）" if self.kind == self.FOLLOW_UP else label

    @property
    def is_pending(self) -> bool:
        """Not yet issued nor cancelled: its deadline still runs."""
        return self.status in self.PENDING


class ReportDelivery(RegionScoped):
    """An issued report delivered to the next level up (the 首报's recipient bureau), waiting for that level's
    duty officer to 签收 it. Late when received after `receipt_due` (or not received by then)."""

    report = models.ForeignKey(InformationReport, verbose_name="信息报告", on_delete=models.CASCADE,
                               related_name="deliveries")
    to_region = models.ForeignKey(Region, verbose_name="接收区划", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="report_deliveries")  # null: a level with no region registered
    to_name = models.CharField("接收单位", max_length=128)
    sent_at = models.DateTimeField("送达时间", db_index=True)
    receipt_due = models.DateTimeField("应签收时间")
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    received_by = models.ForeignKey(USER, verbose_name="签收人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="reports_received")

    region_field = "report__incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "报告送达"
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.report}送达{self.to_name}"

    def get_absolute_url(self):
        return self.report.get_absolute_url()

    def is_late(self, now=None) -> bool:
        from django.utils import timezone

        return (self.received_at or now or timezone.now()) > self.receipt_due

    @property
    def late(self) -> bool:
        """签收 after the due time, or still not received past it."""
        return self.is_late()


class ReportUrge(RegionScoped):
    """催报: an upper level asks for a report still due (or overdue)."""

    report = models.ForeignKey(InformationReport, verbose_name="信息报告", on_delete=models.CASCADE,
                               related_name="urges")
    by = models.ForeignKey(USER, verbose_name="催报人", null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="report_urges")
    by_region = models.ForeignKey(Region, verbose_name="催报单位区划", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("催报时间", db_index=True)
    message = models.CharField("催报内容", max_length=255)

    region_field = "report__incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "催报"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"催报{self.report}（{self.at:%m-%d %H:%M}）"

    def get_absolute_url(self):
        return self.report.get_absolute_url()


class PublicReport(RegionScoped):
    """A report from the public (no login), waiting in the duty inbox to be verified or rejected."""

    PENDING, VERIFIED, REJECTED, MERGED = "pending", "verified", "rejected", "merged"
    STATUS_CHOICES = [(PENDING, "待核实"), (VERIFIED, "已核实立案"), (REJECTED, "已驳回"), (MERGED, "已并入事件")]

    phone = models.CharField("联系电话", max_length=32)
    name = models.CharField("称呼", max_length=32, blank=True)
    description = models.TextField("情况描述")
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    region = models.ForeignKey(Region, verbose_name="所在区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="public_reports")
    photo = models.FileField("照片", upload_to="incidents/public/%Y/%m/", blank=True)
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    created_at = models.DateTimeField("上报时间", auto_now_add=True, db_index=True)
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=PENDING, db_index=True)
    reject_reason = models.CharField("驳回原因", max_length=255, blank=True)
    incident = models.ForeignKey(Incident, verbose_name="对应事件", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="public_reports")
    handled_by = models.ForeignKey(USER, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL)
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公众上报"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "-created_at"]), models.Index(fields=["ip", "-created_at"])]

    def __str__(self):
        return f"公众上报 {self.created_at:%m-%d %H:%M} {self.description[:20]}"


class Assignment(RegionScoped):
    """A rescue force (and optionally one of its vehicles) sent to an incident, with its status times."""

    ASSIGNED, EN_ROUTE, ON_SCENE, WORKING, RETURNING, BACK = (
        "assigned", "en_route", "on_scene", "working", "returning", "back")
    STATUS_CHOICES = [(ASSIGNED, "已派"), (EN_ROUTE, "出动"), (ON_SCENE, "到场"), (WORKING, "处置"),
                      (RETURNING, "返回"), (BACK, "归队")]
    TIME_FIELDS = {ASSIGNED: "assigned_at", EN_ROUTE: "departed_at", ON_SCENE: "arrived_at", WORKING: "working_at",
                   RETURNING: "returning_at", BACK: "back_at"}

    incident = models.ForeignKey(Incident, verbose_name="突发事件", on_delete=models.CASCADE,
                                 related_name="assignments")
    force = models.ForeignKey(RescueForce, verbose_name="救援队伍", on_delete=models.PROTECT,
                              related_name="assignments")
    vehicle = models.ForeignKey(Vehicle, verbose_name="车辆", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="assignments")
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=ASSIGNED, db_index=True)
    active = models.BooleanField("执行中", default=True, editable=False)  # False once 归队
    assigned_at = models.DateTimeField("调派时间")
    departed_at = models.DateTimeField("出动时间", null=True, blank=True)
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    working_at = models.DateTimeField("开始处置", null=True, blank=True)
    returning_at = models.DateTimeField("返回时间", null=True, blank=True)
    back_at = models.DateTimeField("归队时间", null=True, blank=True)
    eta_s = models.PositiveIntegerField("预计到达用时（s）", null=True, blank=True)
    distance_m = models.PositiveIntegerField("距离（m）", null=True, blank=True)
    eta_method = models.CharField("估算方法", max_length=32, blank=True)
    assigned_by = models.ForeignKey(USER, verbose_name="调派人", null=True, blank=True, on_delete=models.SET_NULL)
    notes = models.CharField("备注", max_length=255, blank=True)

    region_field = "incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "力量调派"
        ordering = ["-assigned_at", "-id"]
        constraints = [
            # A vehicle is on at most one active assignment, and a force sent as a whole (no vehicle) too: the
            # database refuses a second. A station may have several vehicles out, one assignment each.
            models.UniqueConstraint(fields=["force"], condition=Q(active=True, vehicle__isnull=True),
                                    name="assignment_one_active_whole_force"),
            models.UniqueConstraint(fields=["vehicle"], condition=Q(active=True),
                                    name="assignment_one_active_per_vehicle"),
        ]

    def __str__(self):
        return f"{self.force}{'（' + self.vehicle.plate + '）' if self.vehicle_id else ''} → {self.incident.number}"

    def get_absolute_url(self):
        return self.incident.get_absolute_url() + "#dispatch"

    @property
    def response_s(self) -> int | None:
        """Dispatch to arrival, in seconds."""
        if self.arrived_at and self.assigned_at:
            return int((self.arrived_at - self.assigned_at).total_seconds())
        return None


class DutyShift(Record):
    """A duty shift (值班) of the bureau: 带班领导 and 值班员, with the handover note at its end."""

    region = models.ForeignKey(Region, verbose_name="值班区划", on_delete=models.PROTECT, related_name="duty_shifts")
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间", db_index=True)
    leader = models.ForeignKey(USER, verbose_name="带班领导", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="shifts_led")
    officers = models.ManyToManyField(USER, verbose_name="值班员", related_name="duty_shifts", blank=True)
    phone = models.CharField("值班电话", max_length=32, blank=True)
    handover_notes = models.TextField("交接班记录", blank=True)
    handed_over_at = models.DateTimeField("交班时间", null=True, blank=True)
    handed_over_by = models.ForeignKey(USER, verbose_name="交班人", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="shifts_handed_over")
    taken_over_at = models.DateTimeField("接班签收时间", null=True, blank=True)
    taken_over_by = models.ForeignKey(USER, verbose_name="接班人", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="shifts_taken_over")

    applies_downwards = True  # the county's roster and duty phone are read by its townships too

    class Meta:
        verbose_name = verbose_name_plural = "值班安排"
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="dutyshift_ends_after_start")]

    def get_absolute_url(self):
        return reverse("incidents:duty_detail", args=[self.pk])

    def __str__(self):
        return f"{self.region} {self.starts_at:%Y-%m-%d %H:%M} 值班"


class DutyLogEntry(RegionScoped):
    """值班日志: one call, instruction or task taken during a shift. Written while the shift runs; handing the
    shift over signs the log (entries are then kept as they are)."""

    INCOMING, OUTGOING, INSTRUCTION, ASSIGNED, OTHER = "incoming", "outgoing", "instruction", "assigned", "other"
    KIND_CHOICES = [(INCOMING, "来电"), (OUTGOING, "去电"), (INSTRUCTION, "上级指示"), (ASSIGNED, "交办事项"),
                    (OTHER, "其他")]

    shift = models.ForeignKey(DutyShift, verbose_name="班次", on_delete=models.PROTECT, related_name="log_entries")
    time = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("类别", max_length=16, choices=KIND_CHOICES)
    counterpart = models.CharField("对方（单位/姓名/电话）", max_length=128, blank=True)
    content = models.TextField("内容")
    handled_by = models.ForeignKey(USER, verbose_name="经办人", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="duty_log_entries")
    follow_up = models.CharField("后续跟进", max_length=255, blank=True, help_text="需下一班或有关单位跟进的事项。")
    follow_up_done = models.BooleanField("已办结", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_field = "shift__region"

    class Meta:
        verbose_name = verbose_name_plural = "值班日志"
        ordering = ["-time", "-id"]

    def get_absolute_url(self):
        return reverse("incidents:duty_log_detail", args=[self.pk])

    def __str__(self):
        return f"{self.get_kind_display()}：{self.content[:24]}"
