"""Emergency plans (应急预案): response levels, task templates, activations and tasks."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from yingji.core.models import Organisation, Record, Region, RegionScoped
from yingji.incidents.models import Assignment, Incident, InformationReport
from yingji.incidents.signals import EVENT_CHOICES
from yingji.standards import event_codes

from . import matching

USER = settings.AUTH_USER_MODEL
LEVEL_CHOICES = [(n, f"{matching.ROMAN[n]}级响应") for n in (1, 2, 3, 4)]
GRADE_CHOICES = [(n, f"{matching.grade_text(n)}及以上") for n in (1, 2, 3, 4)]
COLOUR_CHOICES = [("red", "红色"), ("orange", "橙色及以上"), ("yellow", "黄色及以上"), ("blue", "蓝色及以上")]
COLOUR_CSS = {1: "red", 2: "orange", 3: "yellow", 4: "blue"}


def level_label(level: int | None) -> str:
    return dict(LEVEL_CHOICES).get(level, "—")


def incident_url(incident) -> str:
    """The incident's own page; this app's response page until the incidents UI provides one."""
    try:
        return incident.get_absolute_url()
    except NoReverseMatch:
        return reverse("plans:incident_response", args=[incident.pk])


class Plan(Record):
    """An emergency plan of a government, department, township or enterprise."""

    TYPE_CHOICES = [("general", "总体应急预案"), ("special", "专项应急预案"), ("department", "部门应急预案"),
                    ("township", "乡镇（街道）应急预案"), ("enterprise", "企业应急预案")]
    DRAFT, APPROVED, ABOLISHED = "draft", "approved", "abolished"
    STATUS_CHOICES = [(DRAFT, "草稿"), (APPROVED, "已审批"), (ABOLISHED, "已废止")]
    DOCUMENT_TYPES = (".pdf", ".doc", ".docx", ".wps", ".ofd")
    applies_downwards = True  # a county plan applies to its townships: they read it (core/scoping.py)

    name = models.CharField("预案名称", max_length=128)
    type = models.CharField("预案类型", max_length=16, choices=TYPE_CHOICES)
    region = models.ForeignKey(Region, verbose_name="适用区划", on_delete=models.PROTECT, related_name="plans")
    owner = models.ForeignKey(Organisation, verbose_name="编制（牵头）单位", on_delete=models.PROTECT,
                              related_name="plans")
    event_codes = models.JSONField("适用事件类别", default=list)  # GB/T 35561 codes at any level
    version = models.CharField("版本", max_length=32)
    status = models.CharField("审批状态", max_length=16, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    approved_on = models.DateField("审批日期", null=True, blank=True)
    document = models.FileField("预案原件", upload_to="plans/%Y/", blank=True, max_length=255)
    summary = models.TextField("适用范围与说明", blank=True)
    grace_minutes = models.PositiveSmallIntegerField(
        "任务最短时限（分钟）", default=5, validators=[MaxValueValidator(120)],
        help_text="启动后任何任务的完成时限都不早于此：“立即”的任务在启动后这么多分钟内完成。")

    class Meta:
        verbose_name = verbose_name_plural = "应急预案"
        ordering = ["region__path", "type", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name", "version"],
                                               name="plan_unique_version_in_region")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def event_labels(self) -> list[str]:
        table = event_codes.table()
        return [f"{table[c].name}（{c}）" if c in table else c for c in self.event_codes]

    @property
    def document_name(self) -> str:
        return self.document.name.rsplit("/", 1)[-1] if self.document else ""


class ResponseLevel(RegionScoped):
    """One response level Ⅰ–Ⅳ of a plan. Its criteria are alternatives: any one met starts it."""

    plan = models.ForeignKey(Plan, verbose_name="预案", on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField("响应级别", choices=LEVEL_CHOICES)
    name = models.CharField("名称", max_length=32, blank=True)
    min_grade = models.PositiveSmallIntegerField("事件（事故）级别达到", choices=GRADE_CHOICES, null=True,
                                                 blank=True)
    min_deaths = models.PositiveIntegerField("死亡（含下落不明）人数达到（人）", null=True, blank=True,
                                             validators=[MinValueValidator(1)])
    min_injured = models.PositiveIntegerField("受伤人数达到（人）", null=True, blank=True,
                                              validators=[MinValueValidator(1)],
                                              help_text="重伤与轻伤合计。")
    min_people_affected = models.PositiveIntegerField("受影响人数达到（人）", null=True, blank=True,
                                                      validators=[MinValueValidator(1)],
                                                      help_text="受灾、需紧急转移安置或疏散的人数。")
    warning_colour = models.CharField("预警级别达到", max_length=8, choices=COLOUR_CHOICES, blank=True)
    notes = models.TextField("其他启动条件与说明", blank=True)

    region_field = "plan__region"
    applies_downwards = True  # the plan's levels bind the regions below with the plan

    class Meta:
        verbose_name = verbose_name_plural = "响应级别"
        ordering = ["plan", "level"]
        constraints = [models.UniqueConstraint(fields=["plan", "level"], name="response_level_unique_in_plan")]

    def __str__(self):
        return f"{self.plan.name} {self.display_name}"

    def get_absolute_url(self):
        return f"{self.plan.get_absolute_url()}#level-{self.level}"

    @property
    def display_name(self) -> str:
        return self.name or level_label(self.level)

    @property
    def colour(self) -> str:
        return COLOUR_CSS.get(self.level, "grey")

    def criteria(self) -> matching.Criteria:
        return matching.Criteria(self.level, self.min_grade, self.min_deaths, self.min_injured,
                                 self.min_people_affected, self.warning_colour)

    @property
    def criteria_lines(self) -> list[str]:
        return matching.describe(self.criteria())


class TaskTemplate(RegionScoped):
    """A task a response level sets: what, by which unit, how long after the level starts."""

    response_level = models.ForeignKey(ResponseLevel, verbose_name="响应级别", on_delete=models.CASCADE,
                                       related_name="tasks")
    text = models.CharField("任务内容", max_length=255)
    organisation = models.ForeignKey(Organisation, verbose_name="责任单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="task_templates")
    local_government = models.BooleanField(
        "由事发地乡镇（街道）负责", default=False,
        help_text="启动时按事件发生地确定责任单位（乡镇人民政府或街道办事处）。")
    due_offset_minutes = models.PositiveIntegerField("完成时限（启动后分钟）",
                                                     validators=[MaxValueValidator(30 * 24 * 60)])
    completes_on = models.CharField("系统事件发生即完成", max_length=32, choices=EVENT_CHOICES, blank=True,
                                    help_text="如“首报已报送”：该事件发生时任务自动完成，并链接到对应记录。")
    order = models.PositiveSmallIntegerField("排序", default=0)

    region_field = "response_level__plan__region"
    applies_downwards = True

    class Meta:
        verbose_name = verbose_name_plural = "任务模板"
        ordering = ["response_level", "due_offset_minutes", "order", "id"]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return self.response_level.get_absolute_url()

    @property
    def unit_label(self) -> str:
        return "事发地乡镇（街道）" if self.local_government else str(self.organisation or "—")

    @property
    def offset_label(self) -> str:
        return offset_text(self.due_offset_minutes)


def offset_text(minutes: int) -> str:
    if minutes == 0:
        return "立即"
    if minutes % 1440 == 0:
        return f"+{minutes // 1440} 天"
    if minutes % 60 == 0:
        return f"+{minutes // 60} 小时"
    return f"+{minutes} 分钟" if minutes < 60 else f"+{minutes // 60} 小时 {minutes % 60} 分钟"


class Activation(RegionScoped):
    """A plan started on an incident (预案启动) at a response level, until it is ended."""

    incident = models.ForeignKey(Incident, verbose_name="突发事件", on_delete=models.PROTECT,
                                 related_name="plan_activations")
    plan = models.ForeignKey(Plan, verbose_name="预案", on_delete=models.PROTECT, related_name="activations")
    level = models.PositiveSmallIntegerField("响应级别", choices=LEVEL_CHOICES)
    suggested_level = models.PositiveSmallIntegerField("建议级别", choices=LEVEL_CHOICES, null=True, blank=True)
    suggestion_reasons = models.JSONField("建议依据", default=list, blank=True)
    override_reason = models.TextField("本级响应理由（与建议级别不同时）", blank=True)
    activated_by = models.ForeignKey(USER, verbose_name="启动人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    activated_at = models.DateTimeField("启动时间")
    level_since = models.DateTimeField("本级响应起始时间")
    active = models.BooleanField("响应中", default=True, db_index=True)
    ended_at = models.DateTimeField("终止时间", null=True, blank=True)
    ended_by = models.ForeignKey(USER, verbose_name="终止人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    end_reason = models.TextField("终止说明", blank=True)

    region_field = "incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "预案启动"
        ordering = ["-activated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["incident", "plan"], condition=Q(active=True),
                                               name="activation_one_active_per_plan")]

    def __str__(self):
        return f"{self.plan.name} {level_label(self.level)}"

    def get_absolute_url(self):
        return incident_url(self.incident)

    @property
    def colour(self) -> str:
        return COLOUR_CSS.get(self.level, "grey")

    @property
    def is_override(self) -> bool:
        return self.level != self.suggested_level


class Task(RegionScoped):
    """A response task created from a template (or added by the commander) with its due time."""

    TODO, DOING, DONE, BLOCKED, REVOKED = "todo", "doing", "done", "blocked", "revoked"
    STATUS_CHOICES = [(TODO, "待办"), (DOING, "进行中"), (DONE, "完成"), (BLOCKED, "受阻"), (REVOKED, "已撤销")]
    OPEN = (TODO, DOING, BLOCKED)
    SETTABLE = (TODO, DOING, DONE, BLOCKED)  # 已撤销 is set only by a level change or the end of a response

    activation = models.ForeignKey(Activation, verbose_name="预案启动", on_delete=models.CASCADE, related_name="tasks")
    incident = models.ForeignKey(Incident, verbose_name="突发事件", on_delete=models.PROTECT,
                                 related_name="plan_tasks")
    template = models.ForeignKey(TaskTemplate, verbose_name="任务模板", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    level = models.PositiveSmallIntegerField("所属响应级别", choices=LEVEL_CHOICES, null=True, blank=True)
    text = models.CharField("任务内容", max_length=255)
    organisation = models.ForeignKey(Organisation, verbose_name="责任单位", on_delete=models.PROTECT,
                                     related_name="response_tasks")
    due_at = models.DateTimeField("完成时限", db_index=True)
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=TODO, db_index=True)
    note = models.CharField("最新说明", max_length=255, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    # What completed the task by itself (the template's completes_on): the report or the assignment.
    completed_by_report = models.ForeignKey(InformationReport, verbose_name="完成依据（信息报告）", null=True,
                                            blank=True, on_delete=models.SET_NULL, related_name="+")
    completed_by_assignment = models.ForeignKey(Assignment, verbose_name="完成依据（力量调派）", null=True,
                                                blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_field = "incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "响应任务"
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return incident_url(self.incident)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def completion_link(self) -> tuple[str, str] | None:
        """(label, url) of the record whose event completed the task, if one did."""
        if self.completed_by_report_id:
            report = self.completed_by_report
            return str(report), report.get_absolute_url()
        if self.completed_by_assignment_id:
            a = self.completed_by_assignment
            return f"{a.force.name}{' ' + a.vehicle.plate if a.vehicle_id else ''}到场", a.get_absolute_url()
        return None

    @property
    def overdue_minutes(self) -> int:
        return int((timezone.now() - self.due_at).total_seconds() // 60) if self.is_overdue else 0

    @property
    def overdue_text(self) -> str:
        minutes = self.overdue_minutes
        if minutes < 60:
            return f"逾期 {max(minutes, 1)} 分钟"
        hours, minutes = divmod(minutes, 60)
        return f"逾期 {hours} 小时" + (f" {minutes} 分钟" if minutes else "")


SETTABLE_STATUS_CHOICES = [(s, label) for s, label in Task.STATUS_CHOICES if s in Task.SETTABLE]


class TaskUpdate(RegionScoped):
    """Status history of a task: append-only, one row per change."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="updates")
    from_status = models.CharField("原状态", max_length=16, choices=Task.STATUS_CHOICES, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=Task.STATUS_CHOICES)
    note = models.CharField("说明", max_length=255, blank=True)
    actor = models.ForeignKey(USER, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL)
    time = models.DateTimeField("时间", default=timezone.now, db_index=True)

    region_field = "task__incident__region"

    class Meta:
        verbose_name = verbose_name_plural = "任务状态变更"
        ordering = ["-time", "-id"]

    def __str__(self):
        return f"{self.task}：{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"
