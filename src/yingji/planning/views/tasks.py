"""Pages of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项).

Unit staff see their own unit's tasks only (PlanTask.narrow_scope through core scoping): another unit's task is a
404 on its page and on its report form, as another region's is."""

from django import forms
from django.db.models import Count, Q
from django.http import Http404
from django.urls import path
from django.views.generic import DetailView

from yingji.core.downloads import file_response
from yingji.core.forms import ScopedModelForm
from yingji.core.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    delete_view,
)
from yingji.core.middleware import body_limit
from yingji.core.models import Organisation
from yingji.core.scoping import scope

from .. import filtersets_tasks as filtersets
from ..models import Decision, ImplementationPlan, JointMeeting, PlanTask, ProgressReport, TaskMilestone
from ..services import tasks as services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNITS = forms.SelectMultiple(attrs={"size": 8})


# --- forms ---------------------------------------------------------------------------------------------------

class PlanForm(ScopedModelForm):
    class Meta:
        model = ImplementationPlan
        fields = ["region", "title", "issuer", "document_number", "issued_on", "start", "end", "notes"]
        widgets = {"issued_on": DATE, "start": DATE, "end": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass  # the service's rules, with its own messages


class TaskForm(ScopedModelForm):
    class Meta:
        model = PlanTask
        fields = ["plan", "number", "section", "title", "text", "lead_units", "co_units", "collective_units",
                  "units_text", "deadline_text", "deadline", "status", "region"]
        widgets = {"deadline": DATE, "lead_units": UNITS, "co_units": UNITS, "text": forms.Textarea(attrs={"rows": 4}),
                   "units_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = False

    def _post_clean(self):
        pass


class MilestoneForm(ScopedModelForm):
    class Meta:
        model = TaskMilestone
        fields = ["task", "title", "due", "done_on"]
        widgets = {"due": DATE, "done_on": DATE}

    def _post_clean(self):
        pass


class MeetingForm(ScopedModelForm):
    class Meta:
        model = JointMeeting
        fields = ["region", "title", "kind", "date", "place", "convener", "attendees", "minutes"]
        widgets = {"date": DATE, "attendees": forms.CheckboxSelectMultiple, "minutes": forms.Textarea(attrs={"rows": 6})}

    def _post_clean(self):
        pass


class DecisionForm(ScopedModelForm):
    class Meta:
        model = Decision
        fields = ["meeting", "number", "text", "responsible", "deadline"]
        widgets = {"deadline": DATE, "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = "留空取该会议的下一个序号"

    def _post_clean(self):
        pass


class ReportForm(forms.Form):
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    percent = forms.CharField(label="完成进度（%）", required=False,
                              widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}))
    attachment = forms.FileField(label="附件", required=False, help_text="图片、PDF 或 Office 文档")


class CloseForm(forms.Form):
    closing_note = forms.CharField(label="办结情况", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    closed_on = forms.DateField(label="办结日期", required=False, widget=DATE,
                                error_messages={"invalid": "办结日期无效，应为 YYYY-MM-DD。"})


# --- plans -----------------------------------------------------------------------------------------------------

class PlanListView(ObjectListView):
    model = ImplementationPlan
    title = "规划实施方案"
    filterset_class = filtersets.ImplementationPlanFilterSet
    search_fields = ["title", "document_number"]
    columns = [("title", "方案名称"), ("document_number", "发文字号"), ("region.name", "所属区划"),
               ("start", "实施起始"), ("end", "实施截止"), ("task_count", "任务数")]
    add_url_name = "planning:plan_add"

    def base_queryset(self):
        return ImplementationPlan.objects.select_related("region").annotate(task_count=Count("tasks")).order_by(
            "-start", "title")


class PlanFormView(ObjectFormView):
    model = ImplementationPlan
    form_class = PlanForm
    service = staticmethod(services.save_plan)


# --- tasks -----------------------------------------------------------------------------------------------------

class TaskListView(ObjectListView):
    model = PlanTask
    title = "规划任务分工"
    template_name = "planning/tasks/task_list.html"
    filterset_class = filtersets.PlanTaskFilterSet
    search_fields = ["title", "text", "units_text"]
    columns = [("number", "序号"), ("title", "任务"), ("lead_names", "牵头单位"), ("deadline", "完成期限"),
               ("status", "状态"), ("percent", "进度（%）")]
    orderings = {"number": ("plan__start", "序号"), "deadline": ("deadline", "完成期限"),
                 "percent": ("-percent", "进度")}
    add_url_name = "planning:task_add"
    export_url_name = "planning:task_export"
    sheet = "plan_tasks"
    paginate_by = 100

    def base_queryset(self):
        return PlanTask.objects.select_related("plan", "region").prefetch_related("lead_units")

    @property
    def filters(self):
        user = self.request.user
        plans = [(str(p.pk), p.title) for p in scope(ImplementationPlan.objects.all(), user)]
        tasks = scope(PlanTask.objects.all(), user)
        units = [(str(o.pk), o.short_name or o.name) for o in scope(Organisation.objects.filter(
            Q(pk__in=tasks.values("lead_units")) | Q(pk__in=tasks.values("co_units"))), user).order_by("name")]
        return [("plan", "实施方案", plans), ("status", "状态", PlanTask.STATUS_CHOICES),
                ("overdue", "逾期情况", [("true", "已逾期"), ("false", "未逾期")]), ("unit", "责任单位", units)]

    def summary(self, queryset):
        counts = queryset.aggregate(total=Count("pk", distinct=True),
                                    done=Count("pk", filter=Q(status=PlanTask.DONE), distinct=True),
                                    late=Count("pk", filter=Q(deadline__lt=services.today()) & ~Q(
                                        status=PlanTask.DONE), distinct=True))
        return f"共 {counts['total']} 项任务：已完成 {counts['done']} 项，逾期未完成 {counts['late']} 项。"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = services.today()
        context["tasks"] = [(task, services.task_overdue(task, today)) for task in context["objects"]]
        context["own_unit_only"] = not services.may_see_all(self.request.user)
        return context


class TaskExportView(ObjectExportView, TaskListView):
    pass


class TaskDetailView(ScopedMixin, DetailView):
    model = PlanTask
    template_name = "planning/tasks/task_detail.html"

    def base_queryset(self):
        return PlanTask.objects.select_related("plan", "region").prefetch_related("lead_units", "co_units")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task, user = self.object, self.request.user
        context.update(
            reports=task.reports.select_related("organisation", "reporter"),
            milestones=task.milestones.all(),
            overdue=services.task_overdue(task),
            today=services.today(),
            may_report=user.has_perm("planning.add_progressreport") and services.is_task_unit(user, task),
            report_form=ReportForm(),
        )
        return context


class TaskFormView(ObjectFormView):
    model = PlanTask
    form_class = TaskForm
    service = staticmethod(services.save_task)

    def get_initial(self):
        initial = super().get_initial()
        plan = self.request.GET.get("plan", "")
        if plan.isascii() and plan.isdigit() and len(plan) < 10:
            initial["plan"] = int(plan)
        return initial


@body_limit()  # refused unread over MAX_UPLOAD_MB + 1 MB
class TaskReportView(ObjectActionView):
    """A unit's progress report from the task's page. Another unit's task is a 404 (scoped), like another region's."""

    model = PlanTask
    form_class = ReportForm
    permission = "planning.add_progressreport"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["files"] = self.request.FILES
        return kwargs

    def act(self, task, data):
        report = services.report_progress(self.request.user, task, data)
        return f"已报告进展：完成 {report.percent}%。"


class ReportAttachmentView(ScopedMixin, DetailView):
    """A report's file, for those who may see the task; served as a download (images inline once verified)."""

    model = ProgressReport

    def get(self, request, *args, **kwargs):
        report = self.get_object()
        if not report.attachment:
            raise Http404("没有附件。")
        kind = report.attachment_type
        image = kind.startswith("image/")
        return file_response(request, report.attachment, report.attachment_name, about=report.task,
                             inline_images=image, content_type=kind if kind and not image else "application/octet-stream")


class ParentFromQueryMixin:
    """A child's form opened from its parent's page (?task=12, ?meeting=3) starts with the parent chosen."""

    parent_param = ""

    def get_initial(self):
        initial = super().get_initial()
        value = self.request.GET.get(self.parent_param, "")
        if value.isascii() and value.isdigit() and len(value) < 10:
            initial[self.parent_param] = int(value)
        return initial


class MilestoneFormView(ParentFromQueryMixin, ObjectFormView):
    model = TaskMilestone
    form_class = MilestoneForm
    service = staticmethod(services.save_milestone)
    parent_param = "task"


# --- meetings --------------------------------------------------------------------------------------------------

class MeetingListView(ObjectListView):
    model = JointMeeting
    title = "联席会议"
    filterset_class = filtersets.JointMeetingFilterSet
    search_fields = ["title", "minutes"]
    filters = [("kind", "会议类型", JointMeeting.KIND_CHOICES)]
    columns = [("date", "日期"), ("title", "会议"), ("kind", "类型"), ("open_count", "落实中"),
               ("late_count", "逾期"), ("done_count", "已办结")]
    add_url_name = "planning:meeting_add"

    def base_queryset(self):
        late = Q(decisions__status=Decision.OPEN, decisions__deadline__lt=services.today())
        return JointMeeting.objects.select_related("region").annotate(
            open_count=Count("decisions", filter=Q(decisions__status=Decision.OPEN)),
            late_count=Count("decisions", filter=late),
            done_count=Count("decisions", filter=Q(decisions__status=Decision.DONE))).order_by("-date", "-pk")


class MeetingDetailView(ScopedMixin, DetailView):
    model = JointMeeting
    template_name = "planning/tasks/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, services.today()
        decisions = self.object.decisions.select_related("responsible")
        context.update(
            decisions=[(d, services.decision_overdue(d, today),
                        d.status == Decision.OPEN and user.has_perm("planning.close_decision") and (
                            services.may_see_all(user) or user.organisation_id == d.responsible_id))
                       for d in decisions],
            close_form=CloseForm(), attendees=self.object.attendees.all())
        return context


class MeetingFormView(ObjectFormView):
    model = JointMeeting
    form_class = MeetingForm
    service = staticmethod(services.save_meeting)


class DecisionFormView(ParentFromQueryMixin, ObjectFormView):
    model = Decision
    form_class = DecisionForm
    service = staticmethod(services.save_decision)
    parent_param = "meeting"


class DecisionCloseView(ObjectActionView):
    model = Decision
    form_class = CloseForm
    permission = "planning.close_decision"

    def act(self, decision, data):
        services.close_decision(self.request.user, decision, data.get("closing_note", ""), data.get("closed_on"))
        return f"议定事项{decision.number}已办结。"


urlpatterns = [
    path("planning/plans/", PlanListView.as_view(), name="plan_list"),
    path("planning/plans/add/", PlanFormView.as_view(), name="plan_add"),
    path("planning/plans/<int:pk>/edit/", PlanFormView.as_view(), name="plan_edit"),
    path("planning/plans/<int:pk>/delete/", delete_view(ImplementationPlan, services.delete_plan,
                                                       "planning:plan_list").as_view(), name="plan_delete"),
    path("planning/tasks/", TaskListView.as_view(), name="task_list"),
    path("planning/tasks/export/", TaskExportView.as_view(), name="task_export"),
    path("planning/tasks/add/", TaskFormView.as_view(), name="task_add"),
    path("planning/tasks/<int:pk>/", TaskDetailView.as_view(), name="task_detail"),
    path("planning/tasks/<int:pk>/edit/", TaskFormView.as_view(), name="task_edit"),
    path("planning/tasks/<int:pk>/delete/", delete_view(PlanTask, services.delete_task,
                                                       "planning:task_list").as_view(), name="task_delete"),
    path("planning/tasks/<int:pk>/report/", TaskReportView.as_view(), name="task_report"),
    path("planning/task-reports/<int:pk>/attachment/", ReportAttachmentView.as_view(), name="task_report_attachment"),
    path("planning/task-milestones/add/", MilestoneFormView.as_view(), name="milestone_add"),
    path("planning/task-milestones/<int:pk>/edit/", MilestoneFormView.as_view(), name="milestone_edit"),
    path("planning/meetings/", MeetingListView.as_view(), name="meeting_list"),
    path("planning/meetings/add/", MeetingFormView.as_view(), name="meeting_add"),
    path("planning/meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting_detail"),
    path("planning/meetings/<int:pk>/edit/", MeetingFormView.as_view(), name="meeting_edit"),
    path("planning/meetings/<int:pk>/delete/", delete_view(JointMeeting, services.delete_meeting,
                                                          "planning:meeting_list").as_view(), name="meeting_delete"),
    path("planning/decisions/add/", DecisionFormView.as_view(), name="decision_add"),
    path("planning/decisions/<int:pk>/edit/", DecisionFormView.as_view(), name="decision_edit"),
    path("planning/decisions/<int:pk>/close/", DecisionCloseView.as_view(), name="decision_close"),
]

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = [
    ("规划任务分工", "planning:task_list", "planning.view_plantask"),
    ("规划实施方案", "planning:plan_list", "planning.view_implementationplan"),
    ("联席会议", "planning:meeting_list", "planning.view_jointmeeting"),
]
