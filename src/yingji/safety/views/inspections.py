"""Pages of inspections and enforcement (执法检查): the yearly plans, the inspector pool, the 双随机 draws (and
their public page, no login), inspections on a checklist with failed items turned into hazards, 执法文书 (.docx),
penalties and the 失信 list."""


from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView

from yingji.core.generic import (
    ObjectActionView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    _add_errors,
    delete_view,
)
from yingji.core.scoping import scope

from .. import filtersets, forms
from ..models import (
    CreditListing,
    Draw,
    DrawAssignment,
    EnforcementDocument,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)
from ..services import enforcement_docx
from ..services import inspections as services

# --- plans -------------------------------------------------------------------------------------------------------

class PlanListView(ObjectListView):
    model = InspectionPlan
    title = "年度执法检查计划"
    search_fields = ["title"]
    filterset_class = filtersets.InspectionPlanFilterSet
    filters = [("status", "状态", InspectionPlan.STATUS_CHOICES)]
    columns = [("title", "计划"), ("year", "年度"), ("region.name", "区划"), ("total", "计划检查家次"),
               ("status", "状态")]
    add_url_name = "safety:plan_add"

    def base_queryset(self):
        return InspectionPlan.objects.select_related("region")


class PlanDetailView(ScopedMixin, DetailView):
    model = InspectionPlan
    template_name = "safety/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = services.plan_progress(self.object)
        context.update(progress=rows, totals={k: sum(r[k] for r in rows) for k in ("key", "general", "drawn", "done")},
                       draws=scope(self.object.draws.all(), self.request.user))
        return context


class PlanFormView(ObjectFormView):
    model = InspectionPlan
    form_class = forms.PlanForm
    service = staticmethod(services.save_plan)
    success_url_name = "safety:plan_detail"

    def get_initial(self):
        return {**super().get_initial(), "year": timezone.localdate().year, "region": self.request.user.region_id}


class PlanPublishView(ObjectActionView):
    model = InspectionPlan
    form_class = type("PublishForm", (forms.forms.Form,), {})
    permission = "safety.change_inspectionplan"

    def act(self, obj, data):
        services.publish_plan(self.request.user, obj)
        return "计划已发布，可以进行双随机抽取。"


PlanDeleteView = delete_view(InspectionPlan, services.delete_plan, "safety:plan_list")


# --- the inspector pool ------------------------------------------------------------------------------------------

class InspectorListView(ObjectListView):
    model = Inspector
    title = "执法人员库"
    search_fields = ["name", "badge_number"]
    filterset_class = filtersets.InspectorFilterSet
    filters = [("active", "状态", [("true", "在岗"), ("false", "不在岗")])]
    columns = [("name", "姓名"), ("badge_number", "执法证号"), ("title", "职务"), ("region.name", "执法部门"),
               ("active", "在岗"), ("conflict_names", "回避企业")]
    add_url_name = "safety:inspector_add"

    def base_queryset(self):
        return Inspector.objects.select_related("region").prefetch_related("conflicts")

    def get_context_data(self, **kwargs):
        for inspector in kwargs.get("object_list") or self.object_list:
            inspector.conflict_names = "、".join(e.name for e in inspector.conflicts.all()) or "—"
        return super().get_context_data(**kwargs)


class InspectorFormView(ObjectFormView):
    model = Inspector
    form_class = forms.InspectorForm
    service = staticmethod(services.save_inspector)
    success_url_name = ""

    def form_valid(self, form):
        response = super().form_valid(form)
        return redirect("safety:inspector_list") if response.status_code == 302 else response

    def get_initial(self):
        return {**super().get_initial(), "region": self.request.user.region_id}


InspectorDeleteView = delete_view(Inspector, services.delete_inspector, "safety:inspector_list")


# --- 双随机 draws ----------------------------------------------------------------------------------------------------

class DrawListView(ObjectListView):
    model = Draw
    title = "双随机抽取"
    search_fields = ["title", "seed"]
    filterset_class = filtersets.DrawFilterSet
    filters = [("kind", "检查类型", Draw._meta.get_field("kind").choices)]
    columns = [("title", "抽取"), ("categories_label", "监管类别"), ("enterprise_count", "企业数"),
               ("seed", "随机种子"), ("drawn_at", "抽取时间"), ("drawn_by", "抽取人")]
    add_url_name = "safety:draw_add"

    def base_queryset(self):
        return Draw.objects.select_related("plan__region", "drawn_by")


class DrawDetailView(ScopedMixin, DetailView):
    model = Draw
    template_name = "safety/draw_detail.html"

    def base_queryset(self):
        return Draw.objects.select_related("plan__region", "pool_region", "drawn_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = (self.object.assignments.select_related("enterprise").prefetch_related("inspectors", "inspections")
                .order_by("position"))
        context.update(rows=rows, check=services.verify_draw(self.object) if "verify" in self.request.GET else None,
                       may_inspect=self.request.user.has_perm("safety.add_inspection"))
        return context


class DrawFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Run a draw: the parameters, then the service draws and publishes it (or says what is wrong)."""

    form_class = forms.DrawForm
    template_name = "safety/draw_form.html"
    permission_required = "safety.add_draw"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        plan = scope(InspectionPlan.objects.filter(status="published"), self.request.user).first()
        return {"plan": plan, "categories": ["hazchem_production", "hazchem_storage"], "enterprise_count": 3,
                "inspectors_per_enterprise": 2}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            draw = services.run_draw(self.request.user, data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"已抽取并公开：{draw.title}（随机种子 {draw.seed}）。")
        return redirect(draw.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": "双随机抽取"}


class DrawPublicView(ListView):
    """双随机一公开: every draw, its seed, time and result, to anyone without login."""

    scoping_public = "双随机一公开：抽取结果（企业、执法人员、随机种子、时间）依规向社会公开，不含其他记录。"
    model = Draw
    template_name = "safety/draw_public.html"
    paginate_by = 20

    def get_queryset(self):
        return (Draw.objects.select_related("plan__region").prefetch_related("assignments__enterprise",
                                                                             "assignments__inspectors")
                .order_by("-drawn_at", "-id"))

    def get_context_data(self, **kwargs):
        """?verify=<id>: anyone may have a draw redone from its published seed and pools, here on the page."""
        context = super().get_context_data(**kwargs)
        wanted = self.request.GET.get("verify", "")
        draw = Draw.objects.filter(pk=int(wanted)).first() if wanted.isascii() and wanted.isdigit() and len(wanted) < 10 else None
        if draw is not None:
            context.update(checked=draw, check=services.verify_draw(draw))
        return context


# --- inspections ---------------------------------------------------------------------------------------------------

class InspectionListView(ObjectListView):
    model = Inspection
    title = "执法检查"
    template_name = "safety/inspection_list.html"
    search_fields = ["enterprise__name", "conclusion"]
    filterset_class = filtersets.InspectionFilterSet
    filters = [("kind", "检查方式", Inspection.KIND_CHOICES), ("status", "状态", Inspection.STATUS_CHOICES)]
    columns = [("enterprise.name", "被检查企业"), ("inspected_on", "检查日期"), ("kind", "检查方式"),
               ("failed", "不符合项"), ("status", "状态"), ("enterprise.region.name", "所属区划")]
    add_url_name = "safety:inspection_add"

    def base_queryset(self):
        return Inspection.objects.select_related("enterprise__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perm("safety.view_draw"):
            context["due"] = services.due_assignments(scope(DrawAssignment.objects.all(), user))[:50]
        return context


class InspectionDetailView(ScopedMixin, DetailView):
    model = Inspection
    template_name = "safety/inspection_detail.html"

    def base_queryset(self):
        return Inspection.objects.select_related("enterprise__region", "assignment__draw")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection, user = self.object, self.request.user
        may_change = user.has_perm("safety.change_inspection")
        checklist = services.checklists().get(inspection.checklist)
        context.update(
            checklist=checklist,
            inspectors=inspection.inspectors.all(),
            results_form=forms.ResultsForm(inspection=inspection) if may_change
            and inspection.status == Inspection.RECORDING else None,
            finding_form=forms.FindingForm(auto_id="finding-%s") if may_change else None,
            documents=scope(inspection.documents.all(), user),
            penalties=scope(inspection.penalties.all(), user),
            may_change=may_change,
        )
        return context


class InspectionFormView(ObjectFormView):
    model = Inspection
    form_class = forms.InspectionForm
    service = staticmethod(services.save_inspection)
    success_url_name = "safety:inspection_detail"

    def get_initial(self):
        initial = {**super().get_initial(), "inspected_on": timezone.localdate(), "kind": "special"}
        row = self.request.GET.get("assignment", "")
        if row.isascii() and row.isdigit() and len(row) < 10:
            assignment = scope(DrawAssignment.objects.all(), self.request.user).filter(pk=int(row)).first()
            if assignment is not None:
                initial.update(assignment=assignment.pk, enterprise=assignment.enterprise_id, kind="random",
                               inspectors=[i.pk for i in assignment.inspectors.all()])
        enterprise = self.request.GET.get("enterprise", "")
        if enterprise.isascii() and enterprise.isdigit() and len(enterprise) < 10:
            initial["enterprise"] = int(enterprise)
        return initial


class InspectionResultsView(ObjectActionView):
    model = Inspection
    form_class = forms.ResultsForm
    permission = "safety.change_inspection"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "inspection": self.get_object()}

    def act(self, obj, data):
        form = self.get_form()
        form.is_valid()
        services.record_results(self.request.user, obj, form.results(), data.get("conclusion"),
                                complete=data.get("complete"))
        return "检查已完成。" if data.get("complete") else "已保存检查结果。"


class InspectionFindingView(ObjectActionView):
    model = Inspection
    form_class = forms.FindingForm
    permission = "safety.change_inspection"

    def act(self, obj, data):
        hazard = services.finding_to_hazard(self.request.user, obj, data["code"], data)
        self.hazard = hazard
        return f"已将 {data['code']} 转为隐患“{hazard.title}”。"

    def form_valid(self, form):
        response = super().form_valid(form)
        hazard = getattr(self, "hazard", None)
        return redirect(hazard.get_absolute_url()) if hazard is not None else response


InspectionDeleteView = delete_view(Inspection, services.delete_inspection, "safety:inspection_list")


# --- 执法文书 ---------------------------------------------------------------------------------------------------------

class DocumentListView(ObjectListView):
    model = EnforcementDocument
    title = "执法文书"
    search_fields = ["number", "enterprise__name", "findings"]
    filterset_class = filtersets.EnforcementDocumentFilterSet
    filters = [("kind", "文书种类", EnforcementDocument.KIND_CHOICES)]
    columns = [("number", "文书编号"), ("kind", "文书种类"), ("enterprise.name", "企业"), ("issued_on", "制作日期"),
               ("deadline", "整改期限")]
    add_url_name = "safety:document_add"

    def base_queryset(self):
        return EnforcementDocument.objects.select_related("enterprise")


class DocumentDetailView(ScopedMixin, DetailView):
    model = EnforcementDocument
    template_name = "safety/document_detail.html"

    def base_queryset(self):
        return EnforcementDocument.objects.select_related("enterprise__region", "inspection")


class DocumentFormView(ObjectFormView):
    model = EnforcementDocument
    form_class = forms.DocumentForm
    service = staticmethod(services.save_document)
    success_url_name = "safety:document_detail"

    def get_initial(self):
        initial = {**super().get_initial(), "issued_on": timezone.localdate()}
        source = self.request.GET.get("inspection", "")
        if source.isascii() and source.isdigit() and len(source) < 10:
            inspection = scope(Inspection.objects.all(), self.request.user).filter(pk=int(source)).first()
            if inspection is not None:
                initial.update(services.document_initial(inspection))
        return initial


class DocumentDocxView(ScopedMixin, DetailView):
    model = EnforcementDocument

    def get(self, request, *args, **kwargs):
        return enforcement_docx.download(request, self.get_object())


DocumentDeleteView = delete_view(EnforcementDocument, services.delete_document, "safety:document_list")


# --- penalties and the 失信 list --------------------------------------------------------------------------------------

class PenaltyListView(ObjectListView):
    model = Penalty
    title = "行政处罚"
    search_fields = ["number", "enterprise__name", "violation"]
    filterset_class = filtersets.PenaltyFilterSet
    columns = [("number", "处罚决定书文号"), ("enterprise.name", "企业"), ("amount_wan", "罚款（万元）"),
               ("decided_on", "决定日期"), ("legal_basis", "处罚依据")]
    add_url_name = "safety:penalty_add"

    def base_queryset(self):
        return Penalty.objects.select_related("enterprise")


class _EnterprisePart(ObjectFormView):
    def get_initial(self):
        initial = super().get_initial()
        for param in ("enterprise", "inspection"):
            value = self.request.GET.get(param, "")
            if value.isascii() and value.isdigit() and len(value) < 10:
                initial[param] = int(value)
        if initial.get("inspection") and not initial.get("enterprise"):
            found = scope(Inspection.objects.all(), self.request.user).filter(pk=initial["inspection"]).first()
            initial["enterprise"] = found.enterprise_id if found else None
        return initial


class PenaltyFormView(_EnterprisePart):
    model = Penalty
    form_class = forms.PenaltyForm
    service = staticmethod(services.save_penalty)
    success_url_name = ""

    def form_valid(self, form):
        response = super().form_valid(form)
        return redirect("safety:penalty_list") if response.status_code == 302 else response


PenaltyDeleteView = delete_view(Penalty, services.delete_penalty, "safety:penalty_list")


class CreditListView(ObjectListView):
    model = CreditListing
    title = "失信名单（黑名单）"
    search_fields = ["enterprise__name", "reason"]
    filterset_class = filtersets.CreditListingFilterSet
    filters = [("list_kind", "名单", CreditListing.LIST_CHOICES), ("listed", "状态", [("1", "在名单中"), ("0", "已移出")])]
    columns = [("enterprise.name", "企业"), ("list_kind", "名单"), ("listed_on", "列入日期"),
               ("removed_on", "移出日期"), ("reason", "列入事由")]
    add_url_name = "safety:credit_add"

    def base_queryset(self):
        return CreditListing.objects.select_related("enterprise")


class CreditFormView(_EnterprisePart):
    model = CreditListing
    form_class = forms.CreditListingForm
    service = staticmethod(services.save_listing)
    success_url_name = ""

    def form_valid(self, form):
        response = super().form_valid(form)
        return redirect("safety:credit_list") if response.status_code == 302 else response


CreditDeleteView = delete_view(CreditListing, services.delete_listing, "safety:credit_list")

__all__ = ["PlanListView", "PlanDetailView", "PlanFormView", "PlanPublishView", "PlanDeleteView", "InspectorListView",
           "InspectorFormView", "InspectorDeleteView", "DrawListView", "DrawDetailView", "DrawFormView",
           "DrawPublicView", "InspectionListView", "InspectionDetailView", "InspectionFormView",
           "InspectionResultsView", "InspectionFindingView", "InspectionDeleteView", "DocumentListView",
           "DocumentDetailView", "DocumentFormView", "DocumentDocxView", "DocumentDeleteView", "PenaltyListView",
           "PenaltyFormView", "PenaltyDeleteView", "CreditListView", "CreditFormView", "CreditDeleteView"]
