"""Pages of plans: the plan registry, the task board, and the actions of the incident response card."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import DetailView, FormView, ListView, RedirectView

from yingji.core.downloads import file_response
from yingji.core.generic import FilterSetMixin, ObjectDeleteView, ObjectFormView, ObjectListView, ScopedMixin
from yingji.core.middleware import body_limit
from yingji.core.scoping import scope, user_may_use_region
from yingji.incidents.models import Incident

from . import filtersets, panels, services
from .forms import (
    ActivateForm,
    AddTaskForm,
    ChangeLevelForm,
    EndForm,
    LevelForm,
    PlanForm,
    TaskStatusForm,
    TemplateForm,
)
from .models import SETTABLE_STATUS_CHOICES, Activation, Plan, ResponseLevel, Task, TaskTemplate, incident_url

# --- Plans --------------------------------------------------------------------


class PlanListView(ObjectListView):
    model = Plan
    title = "应急预案"
    search_fields = ["name", "summary", "owner__name"]
    filterset_class = filtersets.PlanFilterSet
    filters = [("type", "预案类型", Plan.TYPE_CHOICES), ("status", "审批状态", Plan.STATUS_CHOICES)]
    columns = [("name", "预案名称"), ("type", "预案类型"), ("region.name", "适用区划"), ("owner.name", "编制（牵头）单位"),
               ("version", "版本"), ("status", "审批状态"), ("approved_on", "审批日期")]
    orderings = {"name": "name", "type": "type", "approved_on": "-approved_on"}
    add_url_name = "plans:plan_add"

    def base_queryset(self):
        return Plan.objects.select_related("region", "owner")


class PlanDetailView(ScopedMixin, DetailView):
    model = Plan
    template_name = "plans/plan_detail.html"

    def base_queryset(self):
        return Plan.objects.select_related("region", "owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["levels"] = self.object.levels.prefetch_related("tasks__organisation")
        context["activations"] = scope(self.object.activations.select_related("incident"), self.request.user)[:20]
        return context


@body_limit()  # the original document: refused unread over MAX_UPLOAD_MB + 1 MB
class PlanFormView(ObjectFormView):
    model = Plan
    form_class = PlanForm
    template_name = "plans/plan_form.html"
    service = staticmethod(services.save_plan)
    success_url_name = "plans:plan_detail"


class PlanDeleteView(ObjectDeleteView):
    model = Plan
    service = staticmethod(services.delete_plan)
    success_url_name = "plans:plan_list"


class PlanDocumentView(ScopedMixin, DetailView):
    """The original document, only to those who may see the plan (never from a public media URL)."""

    model = Plan

    def get(self, request, *args, **kwargs):
        plan = self.get_object()
        if not plan.document:
            raise Http404("该预案没有上传原件。")
        return file_response(request, plan.document, plan.document_name, about=plan)


# --- Response levels and task templates (edited from the plan page) -----------

class LevelFormView(ObjectFormView):
    model = ResponseLevel
    form_class = LevelForm
    service = staticmethod(services.save_level)
    success_url_name = "plans:level_detail"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "plan_pk" in self.kwargs:
            kwargs["plan"] = get_object_or_404(scope(Plan.objects.all(), self.request.user, for_write=True),
                                               pk=self.kwargs["plan_pk"])
        return kwargs


class TemplateFormView(ObjectFormView):
    model = TaskTemplate
    form_class = TemplateForm
    service = staticmethod(services.save_template)
    success_url_name = "plans:template_detail"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "level_pk" in self.kwargs:
            levels = scope(ResponseLevel.objects.select_related("plan"), self.request.user, for_write=True)
            kwargs["response_level"] = get_object_or_404(levels, pk=self.kwargs["level_pk"])
        return kwargs


class ToPlanView(ScopedMixin, RedirectView):
    """A level's or template's own address: its place on the plan page."""

    def get_redirect_url(self, *args, **kwargs):
        return get_object_or_404(self.get_queryset(), pk=kwargs["pk"]).get_absolute_url()


class PartDeleteView(ObjectDeleteView):
    """Delete a level or a template, then return to its plan."""

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        back = obj.get_absolute_url().split("#")[0]
        try:
            type(self).service(request.user, obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect(request.path)
        messages.success(request, f"已删除{self.model._meta.verbose_name}“{obj}”。")
        return redirect(back)


class LevelDeleteView(PartDeleteView):
    model = ResponseLevel
    service = staticmethod(services.delete_level)


class TemplateDeleteView(PartDeleteView):
    model = TaskTemplate
    service = staticmethod(services.delete_template)


# --- Task board and responses -------------------------------------------------

class TaskBoardView(FilterSetMixin, ScopedMixin, ListView):
    """Open tasks of running responses, most urgent first, overdue ones flagged; ?all=1 adds closed ones.
    Filters (status, overdue, incident, region…) are the response-task API's FilterSet."""

    model = Task
    template_name = "plans/task_board.html"
    paginate_by = 100
    filterset_class = filtersets.TaskFilterSet

    def get_queryset(self):
        params = self.request.GET
        if params.get("all"):
            tasks = scope(Task.objects.select_related("incident", "organisation__region", "activation__plan"),
                          self.request.user).order_by("-due_at")
        else:
            tasks = panels.open_tasks(self.request.user)
        tasks = self.filter_queryset(tasks)
        q = params.get("q", "").strip()
        if q:
            tasks = tasks.filter(Q(organisation__name__icontains=q) | Q(text__icontains=q)
                                 | Q(incident__title__icontains=q))
        return tasks

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for task in context["object_list"]:
            task.may_update = task.is_open and task.activation.active and user.has_perm("plans.change_task") and (
                user_may_use_region(user, task.organisation.region))
        context.update(
            title="响应任务看板", status_choices=Task.STATUS_CHOICES,
            settable=SETTABLE_STATUS_CHOICES,
            open_count=panels.open_tasks(user).count(), overdue_count=panels.overdue_tasks(user).count(),
            active_count=panels.active_activations(user).count(),
            query_without_page=_query_without_page(self.request),
        )
        return context


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class ActivationListView(ObjectListView):
    model = Activation
    title = "预案启动记录"
    search_fields = ["plan__name", "incident__title", "incident__number"]
    filterset_class = filtersets.ActivationFilterSet
    filters = [("active", "状态", [("True", "响应中"), ("False", "已终止")])]
    columns = [("incident", "突发事件"), ("plan.name", "预案"), ("level", "响应级别"), ("suggested_level", "建议级别"),
               ("activated_at", "启动时间"), ("activated_by", "启动人"), ("active", "响应中"), ("ended_at", "终止时间")]

    def base_queryset(self):
        return Activation.objects.select_related("incident", "plan", "activated_by")


class IncidentResponseView(ScopedMixin, DetailView):
    """An incident's response card on a page of its own: what `incident_url` falls back to when the
    incidents app has no page for the incident."""

    model = Incident
    template_name = "plans/incident_response.html"
    context_object_name = "incident"

    def get_permission_required(self):
        return ["plans.view_activation"]

    def base_queryset(self):
        return Incident.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(panels.incident_context(self.object, self.request.user))
        context["incident_page"] = incident_url(self.object)
        return context


class ResponseActionView(ScopedMixin, FormView):
    """A form of the response card: runs one service, then goes back to the page the form was on
    (`next`, when it is on this site) or the incident page, with a message."""

    http_method_names = ["post"]
    permission = ""

    def get_permission_required(self):
        return [self.permission]

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def incident_of(self, obj):
        return obj if isinstance(obj, Incident) else obj.incident

    def back(self, obj):
        target = self.request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()},
                                                      require_https=self.request.is_secure()):
            return redirect(target)
        return redirect(incident_url(self.incident_of(obj)))

    def act(self, obj, data: dict) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        obj = self.get_object()
        try:
            messages.success(self.request, self.act(obj, form.cleaned_data))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(self.request, "；".join(getattr(exc, "messages", [str(exc)])))
        return self.back(obj)

    def form_invalid(self, form):
        obj = self.get_object()
        messages.error(self.request, "；".join(f"{form.fields[f].label}：{e}" if f in form.fields else e
                                              for f, errors in form.errors.items() for e in errors))
        return self.back(obj)


class ActivateView(ResponseActionView):
    model = Incident
    form_class = ActivateForm
    permission = "plans.add_activation"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def act(self, incident, data):
        activation = services.activate(self.request.user, incident, data["plan"], data["level"], data["reason"])
        if activation.level_since != activation.activated_at:  # it was running: the level changed
            return f"《{activation.plan.name}》已调整为{activation.get_level_display()}。"
        return f"已启动《{activation.plan.name}》{activation.get_level_display()}，生成任务 {activation.tasks.count()} 项。"


class ChangeLevelView(ResponseActionView):
    model = Activation
    form_class = ChangeLevelForm
    permission = "plans.change_activation"

    def act(self, activation, data):
        activation = services.change_level(self.request.user, activation, data["level"], data["reason"])
        return f"《{activation.plan.name}》已调整为{activation.get_level_display()}。"


class EndActivationView(ResponseActionView):
    model = Activation
    form_class = EndForm
    permission = "plans.change_activation"

    def act(self, activation, data):
        activation = services.end_activation(self.request.user, activation, data["reason"])
        return f"已终止《{activation.plan.name}》的响应。"


class AddTaskView(ResponseActionView):
    model = Activation
    form_class = AddTaskForm
    permission = "plans.add_task"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def act(self, activation, data):
        due = timezone.now() + timedelta(minutes=data["due_in_minutes"])
        task = services.add_task(self.request.user, activation, data["text"], data["organisation"], due)
        return f"已增派任务“{task.text}”。"


class TaskStatusView(ResponseActionView):
    model = Task
    form_class = TaskStatusForm
    permission = "plans.change_task"

    def act(self, task, data):
        task = services.set_task_status(self.request.user, task, data["status"], data["note"])
        return f"任务“{task.text}”：{task.get_status_display()}。"
