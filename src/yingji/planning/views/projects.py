"""Pages of key projects (重点项目) with sub-projects and funding plans by source and year."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import path
from django.views.generic import DetailView, TemplateView

from yingji.core.api_base import int_param
from yingji.core.audit import record_event
from yingji.core.forms import ScopedModelForm
from yingji.core.generic import (
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    QueryParamsPage,
    ScopedMixin,
    delete_view,
)
from yingji.core.imports import XLSX
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import scope

from .. import filtersets_projects as filtersets
from ..models import FundingPlanLine, FundingRecord, KeyProject, SubProject
from ..models.projects import PROJECT_LEVELS
from ..services import projects as services
from ..services.projects_xlsx import plan_table_xlsx

MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


class ServiceForm(ScopedModelForm):
    def _post_clean(self):  # the model's own checks run in the service, with the domain rules, in one answer
        pass


class KeyProjectForm(ServiceForm):
    class Meta:
        model = KeyProject
        fields = ["region", "programme", "number", "name", "level", "lead_units", "support_units", "district",
                  "content", "schedule", "start_year", "end_year", "progress", "progress_percent", "completed_year"]


class SubProjectForm(ServiceForm):
    class Meta:
        model = SubProject
        fields = ["project", "region", "number", "printed_project_name", "name", "level", "responsible_units",
                  "content", "total_investment", "start_year", "end_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = False
        _amount_field(self, "total_investment")


class FundingPlanLineForm(ServiceForm):
    class Meta:
        model = FundingPlanLine
        fields = ["subproject", "year", "source", "region", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _amount_field(self, "amount")


class FundingRecordForm(ServiceForm):
    class Meta:
        model = FundingRecord
        fields = ["subproject", "kind", "source", "region", "amount", "occurred_on", "note"]
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _amount_field(self, "amount")


def _amount_field(form, name):
    """Any number is taken by the form; the service says what is wrong with it (two decimals, not negative)."""
    old = form.fields[name]
    form.fields[name] = forms.DecimalField(label=old.label, required=old.required, help_text=old.help_text,
                                           widget=forms.NumberInput(attrs={"step": "any"}))


def _plan_total():
    lines = (FundingPlanLine.objects.filter(subproject__project=OuterRef("pk")).order_by()
             .values("subproject__project").annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(lines, output_field=MONEY_FIELD), Value(0, output_field=MONEY_FIELD))


class KeyProjectListView(ObjectListView):
    model = KeyProject
    title = "重点项目"
    template_name = "planning/projects/project_list.html"
    search_fields = ["name", "lead_units", "support_units", "programme"]
    filterset_class = filtersets.KeyProjectFilterSet
    filters = [("level", "项目级别", PROJECT_LEVELS)]
    columns = [("name", "项目名称"), ("number", "序号"), ("programme", "所属计划"), ("lead_units", "牵头单位"),
               ("schedule_text", "实施期限"), ("plan_total_text", "计划投资（万元）"),
               ("progress_percent", "完成进度（%）")]
    orderings = {"number": ("number", "序号"), "plan": ("-plan_total", "计划投资")}
    add_url_name = "planning:project_add"
    sheet = "funding_plan"  # the import button: yearly funding-plan cells (export: project_export, same layout)

    def base_queryset(self):
        return KeyProject.objects.select_related("region").annotate(plan_total=_plan_total())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(p.get_absolute_url(), [
            p.name, p.number, p.programme, p.lead_units, p.schedule or f"{p.start_year}—{p.end_year}年",
            services.money(p.plan_total), p.progress_percent]) for p in context["objects"]]
        context["programmes"] = self.programmes(self.object_list)
        return context

    def programmes(self, queryset) -> list[dict]:
        """Each programme in the list with its totals (overall, by level, by year, by district)."""
        out = []
        pairs = queryset.order_by("region__code", "programme").values_list("region", "programme").distinct()
        regions = Region.objects.in_bulk({r for r, _ in pairs})
        for region_id, programme in dict.fromkeys(pairs):
            sums = services.totals(services.programme_lines(regions[region_id], programme))
            out.append({"region": regions[region_id], "programme": programme, "totals": sums})
        return out


class KeyProjectExportView(ObjectExportView, KeyProjectListView):
    """The key projects' funding-plan cells as the import sheet (年度资金计划)."""

    sheet = "funding_plan"

    def get_queryset(self):
        projects = super().get_queryset()
        return scope(FundingPlanLine.objects.select_related("subproject__project", "region"), self.request.user) \
            .filter(subproject__project__in=projects.values("pk"))


class KeyProjectDetailView(ScopedMixin, DetailView):
    model = KeyProject
    template_name = "planning/projects/project_detail.html"

    def base_queryset(self):
        return KeyProject.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = services.project_table(self.object)
        context.update(table=table, sums=table["totals"], years=list(table["totals"]["columns"]),
                       records=FundingRecord.objects.filter(subproject__project=self.object)
                       .select_related("subproject", "region")[:200],
                       rate=services.rate(table["totals"]["total"], table["spent"]))
        return context


class PlanTableView(QueryParamsPage, ScopedMixin, TemplateView):
    """A programme's implementation table in the seed's layout (附表3): rows by sub-project, totals row."""

    model = KeyProject
    template_name = "planning/projects/plan_table.html"
    title = "项目实施计划表"

    def get_permission_required(self):
        return ["planning.view_keyproject"]

    def programme(self):
        region_id = int_param(self.request.GET, "region", label="区划编号")
        programme = self.request.GET.get("programme", "").strip()
        region = scope(Region.objects.all(), self.request.user).filter(pk=region_id).first()
        if region is None or not programme:
            raise ValidationError({"programme": ["请选择所属计划。"]})
        projects = scope(KeyProject.objects.filter(region=region, programme=programme), self.request.user)
        if not projects.exists():
            raise ValidationError({"programme": [f"没有“{programme}”的重点项目，或不在您的管辖范围内。"]})
        return region, programme, projects

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region, programme, projects = self.programme()
        context.update(table=services.plan_table(region, programme, projects), title=f"{programme} · 项目实施计划表",
                       region=region, programme=programme)
        return context


class PlanTableExportView(PlanTableView):
    def get(self, request, *args, **kwargs):
        try:
            region, programme, projects = self.programme()
        except ValidationError as exc:
            return HttpResponse("；".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
        content = plan_table_xlsx(services.plan_table(region, programme, projects), programme)
        record_event(request.user, AuditEntry.EXPORT, f"导出项目实施计划表（{programme}）",
                     {"区划": region.name, "重点项目": projects.count()}, request)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''plan_table.xlsx"
        return response


class ExecutionView(QueryParamsPage, ScopedMixin, TemplateView):
    """Funding execution (资金执行): planned, received and spent per project for the user's region and a year."""

    model = KeyProject
    template_name = "planning/projects/execution.html"
    title = "项目资金执行"

    def get_permission_required(self):
        return ["planning.view_keyproject"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = int_param(self.request.GET, "year", default=0, min_value=0, max_value=9999, label="年度")
        region_id = int_param(self.request.GET, "region", default=0, min_value=0, label="区划编号")
        regions = scope(Region.objects.all(), self.request.user)
        region = self.request.user.region if not region_id else regions.filter(pk=region_id).first()
        if region is None:
            raise ValidationError({"region": ["区划不存在，或不在您的管辖范围内。"]})
        years = sorted(set(scope(FundingPlanLine.objects.all(), self.request.user).values_list("year", flat=True)))
        context.update(summary=services.funding_summary(region, year or None), year=year, years=years,
                       region=region, title=self.title)
        return context


class KeyProjectFormView(ObjectFormView):
    model = KeyProject
    form_class = KeyProjectForm
    service = staticmethod(services.save_project)
    success_url_name = "planning:project_detail"


class _ChildFormView(ObjectFormView):
    """A part of a project's page: back to the project after saving; ?project= / ?subproject= preselects."""

    parent_param = ""

    def get_initial(self):
        initial = super().get_initial()
        value = self.request.GET.get(self.parent_param, "")
        if value.isascii() and value.isdigit() and len(value) < 10:
            initial[self.parent_param] = int(value)
        return initial


class SubProjectFormView(_ChildFormView):
    model = SubProject
    form_class = SubProjectForm
    service = staticmethod(services.save_subproject)
    parent_param = "project"


class FundingPlanLineFormView(_ChildFormView):
    model = FundingPlanLine
    form_class = FundingPlanLineForm
    service = staticmethod(services.save_funding_line)
    parent_param = "subproject"


class FundingRecordFormView(_ChildFormView):
    model = FundingRecord
    form_class = FundingRecordForm
    service = staticmethod(services.save_funding_record)
    parent_param = "subproject"


class SubProjectDetailView(ScopedMixin, DetailView):
    """A sub-project has no page of its own: its project's page shows it (the battery's detail page)."""

    model = SubProject
    template_name = "planning/projects/subproject_detail.html"

    def base_queryset(self):
        return SubProject.objects.select_related("project", "region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(lines=self.object.funding_lines.select_related("region"),
                       records=self.object.funding_records.select_related("region"))
        return context


KeyProjectDeleteView = delete_view(KeyProject, services.delete_project, "planning:project_list")
SubProjectDeleteView = delete_view(SubProject, services.delete_subproject, "planning:project_list")
FundingPlanLineDeleteView = delete_view(FundingPlanLine, services.delete_funding_line, "planning:project_list")
FundingRecordDeleteView = delete_view(FundingRecord, services.delete_funding_record, "planning:project_list")


urlpatterns = [
    path("projects/", KeyProjectListView.as_view(), name="project_list"),
    path("projects/add/", KeyProjectFormView.as_view(), name="project_add"),
    path("projects/export.xlsx", KeyProjectExportView.as_view(), name="project_export"),
    path("projects/table/", PlanTableView.as_view(), name="plan_table"),
    path("projects/table.xlsx", PlanTableExportView.as_view(), name="plan_table_export"),
    path("projects/execution/", ExecutionView.as_view(), name="project_execution"),
    path("projects/<int:pk>/", KeyProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", KeyProjectFormView.as_view(), name="project_edit"),
    path("projects/<int:pk>/delete/", KeyProjectDeleteView.as_view(), name="project_delete"),
    path("subprojects/add/", SubProjectFormView.as_view(), name="subproject_add"),
    path("subprojects/<int:pk>/", SubProjectDetailView.as_view(), name="subproject_detail"),
    path("subprojects/<int:pk>/edit/", SubProjectFormView.as_view(), name="subproject_edit"),
    path("subprojects/<int:pk>/delete/", SubProjectDeleteView.as_view(), name="subproject_delete"),
    path("funding-lines/add/", FundingPlanLineFormView.as_view(), name="funding_line_add"),
    path("funding-lines/<int:pk>/edit/", FundingPlanLineFormView.as_view(), name="funding_line_edit"),
    path("funding-lines/<int:pk>/delete/", FundingPlanLineDeleteView.as_view(), name="funding_line_delete"),
    path("funding-records/add/", FundingRecordFormView.as_view(), name="funding_record_add"),
    path("funding-records/<int:pk>/edit/", FundingRecordFormView.as_view(), name="funding_record_edit"),
    path("funding-records/<int:pk>/delete/", FundingRecordDeleteView.as_view(), name="funding_record_delete"),
]

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = [
    ("重点项目", "planning:project_list", "planning.view_keyproject"),
    ("项目资金执行", "planning:project_execution", "planning.view_keyproject"),
]
