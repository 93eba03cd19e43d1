"""Models of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项).

Units (单位) are core's Organisation records. A 分工方案 also names collective bodies that are no single unit
("市安委会成员单位", "各县(区)人民政府"): they stay in the task's printed unit text (`units_text`) and in
`collective_units`, and only named units are linked, as 牵头 (lead) or 配合 (co) units. Who may see a task: the
planning staff and leadership (permission planning.view_all_plantasks) see every task of their region; any other
user sees only the tasks whose lead or co units include their own unit (`narrow_scope`)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from yingji.core.models import Organisation, Record, Region
from yingji.core.uploads import human_size, kind_label

__all__ = ["ImplementationPlan", "PlanTask", "TaskMilestone", "ProgressReport", "JointMeeting", "Decision"]

VIEW_ALL = "planning.view_all_plantasks"


def _units_filter(user, prefix: str = "") -> Q:
    """Tasks whose lead or co units include the user's unit."""
    unit = getattr(user, "organisation_id", None)
    if unit is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}lead_units": unit}) | Q(**{f"{prefix}co_units": unit})


def narrow_to_units(queryset, user, prefix: str = ""):
    """Every task (and its reports, milestones) for the planning staff; a unit's own tasks for anyone else."""
    if user.is_superuser or user.has_perm(VIEW_ALL):
        return queryset
    ids = PlanTask.objects.filter(_units_filter(user)).values("pk")
    return queryset.filter(**{f"{prefix}pk__in" if prefix else "pk__in": ids})


class ImplementationPlan(Record):
    """A plan whose tasks are divided among units (实施方案/分工方案), e.g. 阳泉市贯彻落实省市“十四五”应急体系规划实施方案."""

    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="implementation_plans")
    title = models.CharField("方案名称", max_length=255)
    issuer = models.CharField("发文机关", max_length=128, blank=True)
    document_number = models.CharField("发文字号", max_length=64, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)
    start = models.DateField("实施起始日期")
    end = models.DateField("实施截止日期")
    notes = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "规划实施方案"
        ordering = ["-start", "title"]
        constraints = [models.UniqueConstraint(fields=["region", "title"], name="implplan_unique_title")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("planning:task_list") + f"?plan={self.pk}"


class PlanTask(Record):
    NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
    STATUS_CHOICES = [(NOT_STARTED, "未开始"), (IN_PROGRESS, "推进中"), (DONE, "已完成")]

    plan = models.ForeignKey(ImplementationPlan, verbose_name="实施方案", on_delete=models.CASCADE, related_name="tasks")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="plan_tasks",
                               help_text="方案所属区划或其下级；留空取方案的区划")
    number = models.PositiveSmallIntegerField("序号")
    section = models.CharField("所属部分", max_length=128, blank=True)
    title = models.CharField("任务名称", max_length=128)
    text = models.TextField("任务内容")
    lead_units = models.ManyToManyField(Organisation, verbose_name="牵头单位", blank=True, related_name="led_tasks")
    co_units = models.ManyToManyField(Organisation, verbose_name="配合单位", blank=True, related_name="co_tasks")
    units_text = models.TextField("责任单位（原文）", blank=True)
    collective_units = models.CharField("其他责任主体", max_length=255, blank=True,
                                        help_text="未登记为单位的责任主体，如“市安委会成员单位”“各县(区)人民政府”")
    deadline_text = models.CharField("完成时限（原文）", max_length=64, blank=True)
    deadline = models.DateField("完成期限", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=NOT_STARTED, db_index=True)
    percent = models.PositiveSmallIntegerField("完成进度（%）", default=0, editable=False)
    last_reported_at = models.DateTimeField("最近报告时间", null=True, blank=True, editable=False)
    is_overdue = models.BooleanField("已逾期", default=False, editable=False, db_index=True)

    narrow_scope = staticmethod(narrow_to_units)

    class Meta:
        verbose_name = verbose_name_plural = "规划任务"
        ordering = ["plan", "number"]
        permissions = [("view_all_plantasks", "查看辖区内全部规划任务（规划人员、领导）")]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plantask_unique_number")]

    def __str__(self):
        return f"（{self.number}）{self.title}"

    def get_absolute_url(self):
        return reverse("planning:task_detail", args=[self.pk])

    def unit_ids(self) -> set[int]:
        return {o.pk for o in self.lead_units.all()} | {o.pk for o in self.co_units.all()}


class TaskMilestone(Record):
    task = models.ForeignKey(PlanTask, verbose_name="规划任务", on_delete=models.CASCADE, related_name="milestones")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+",
                               editable=False)
    title = models.CharField("节点", max_length=128)
    due = models.DateField("计划完成日期")
    done_on = models.DateField("实际完成日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务节点"
        ordering = ["task", "due", "pk"]

    narrow_scope = staticmethod(lambda qs, user: narrow_to_units(qs, user, "task__"))

    def __str__(self):
        return f"{self.task.title} · {self.title}"

    def get_absolute_url(self):
        return self.task.get_absolute_url()


class ProgressReport(Record):
    """A unit's progress report on a task: append-only (a correction is a new report)."""

    task = models.ForeignKey(PlanTask, verbose_name="规划任务", on_delete=models.CASCADE, related_name="reports")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+",
                               editable=False)
    organisation = models.ForeignKey(Organisation, verbose_name="报告单位", on_delete=models.PROTECT,
                                     related_name="task_reports")
    reporter = models.ForeignKey("core.User", verbose_name="填报人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    reported_at = models.DateTimeField("报告时间")
    text = models.TextField("进展情况")
    percent = models.PositiveSmallIntegerField("完成进度（%）",
                                               validators=[MinValueValidator(0), MaxValueValidator(100)])
    attachment = models.FileField("附件", upload_to="planning/task_reports/%Y/%m/", blank=True)
    attachment_name = models.CharField("附件原名", max_length=255, blank=True)
    attachment_type = models.CharField("附件类型", max_length=128, blank=True)
    attachment_size = models.PositiveBigIntegerField("附件大小（字节）", null=True, blank=True)

    narrow_scope = staticmethod(lambda qs, user: narrow_to_units(qs, user, "task__"))

    class Meta:
        verbose_name = verbose_name_plural = "任务进展报告"
        ordering = ["-reported_at", "-pk"]

    def __str__(self):
        return f"{self.organisation} 报告“{self.task.title}”进度 {self.percent}%"

    def get_absolute_url(self):
        return self.task.get_absolute_url()

    @property
    def attachment_label(self) -> str:
        return kind_label(self.attachment_type)

    @property
    def attachment_size_display(self) -> str:
        return human_size(self.attachment_size)


class JointMeeting(Record):
    """A meeting of the 联席会议: the half-yearly 例会 or a 专题 meeting, with its minutes (纪要)."""

    REGULAR, SPECIAL = "regular", "special"
    KIND_CHOICES = [(REGULAR, "例会（每半年）"), (SPECIAL, "专题会议")]

    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="joint_meetings")
    title = models.CharField("会议名称", max_length=255)
    kind = models.CharField("会议类型", max_length=16, choices=KIND_CHOICES, default=REGULAR)
    date = models.DateField("会议日期")
    place = models.CharField("地点", max_length=128, blank=True)
    convener = models.CharField("召集人/主持人", max_length=64, blank=True)
    attendees = models.ManyToManyField(Organisation, verbose_name="参会成员单位", blank=True, related_name="meetings")
    minutes = models.TextField("会议纪要", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "联席会议"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("planning:meeting_detail", args=[self.pk])


class Decision(Record):
    """A 议定事项 of a meeting, with the unit responsible and a deadline, open until closed with a note."""

    OPEN, DONE = "open", "done"
    STATUS_CHOICES = [(OPEN, "落实中"), (DONE, "已办结")]

    meeting = models.ForeignKey(JointMeeting, verbose_name="联席会议", on_delete=models.CASCADE, related_name="decisions")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+",
                               editable=False)
    number = models.PositiveSmallIntegerField("序号")
    text = models.TextField("议定事项")
    responsible = models.ForeignKey(Organisation, verbose_name="责任单位", on_delete=models.PROTECT,
                                    related_name="meeting_decisions")
    deadline = models.DateField("完成期限")
    status = models.CharField("状态", max_length=8, choices=STATUS_CHOICES, default=OPEN, db_index=True)
    closed_on = models.DateField("办结日期", null=True, blank=True, editable=False)
    closing_note = models.TextField("办结情况", blank=True, editable=False)
    is_overdue = models.BooleanField("已逾期", default=False, editable=False, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "议定事项"
        ordering = ["meeting", "number"]
        permissions = [("close_decision", "办结议定事项（责任单位或规划人员）")]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="decision_unique_number")]

    def __str__(self):
        return f"{self.meeting.title} 议定事项{self.number}"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url()
