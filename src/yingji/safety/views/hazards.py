"""Pages of the hazard (隐患) closed loop: the list (overdue and 挂牌督办 flagged), the record with its steps as
forms for whoever may take them, the report form, the 督办 notice (.docx), the photos and the statistics."""


from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, TemplateView

from yingji.core.downloads import file_response
from yingji.core.generic import ObjectActionView, ObjectFormView, ObjectListView, ScopedMixin, delete_view
from yingji.core.models import Region
from yingji.core.scoping import scope

from .. import filtersets, forms
from ..models import Enterprise, Hazard
from ..services import hazard_notice
from ..services import hazards as services

FLAG = [("1", "是"), ("0", "否")]


class HazardListView(ObjectListView):
    model = Hazard
    title = "隐患排查治理"
    search_fields = ["title", "location", "enterprise__name"]
    filterset_class = filtersets.HazardFilterSet
    columns = [("title", "隐患"), ("place", "单位/地点"), ("grade", "等级"), ("status_text", "状态"),
               ("deadline", "整改期限"), ("source", "来源"), ("region.name", "所属区划")]
    orderings = {"deadline": ("deadline", "整改期限"), "found_on": ("-found_on", "发现日期")}
    add_url_name = "safety:hazard_add"

    @property
    def filters(self):
        home = getattr(self.request.user, "region", None)  # the areas right below the user's (not a scan of hazards)
        regions = scope(Region.objects.filter(parent=home) if home else Region.objects.filter(parent__isnull=True),
                        self.request.user).order_by("code")
        return [("status", "状态", Hazard.STATUS_CHOICES), ("grade", "等级", Hazard.GRADE_CHOICES),
                ("source", "来源", Hazard.SOURCE_CHOICES), ("overdue", "已逾期", FLAG),
                ("supervised", "挂牌督办", FLAG), ("region", "区划", [(str(r.pk), r.name) for r in regions])]

    def base_queryset(self):
        return Hazard.objects.select_related("enterprise", "region")

    def summary(self, queryset):
        counts = services.board(queryset)
        return (f"未销号 {counts['open']} 项，其中逾期 {counts['overdue']} 项（重大隐患逾期 {counts['escalated']} 项），"
                f"挂牌督办中 {counts['supervised']} 项。")


class HazardDetailView(ScopedMixin, DetailView):
    model = Hazard
    template_name = "safety/hazard_detail.html"

    def base_queryset(self):
        return Hazard.objects.select_related("enterprise", "region", "accepted_by").prefetch_related("supervisions")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hazard, user = self.object, self.request.user
        may_change = services.may_rectify(user, hazard) and user.has_perm("safety.change_hazard")
        may_accept = user.has_perm("safety.accept_hazard")
        status = hazard.status
        item = services.criteria().get(hazard.criterion)
        context.update(
            updates=hazard.updates.select_related("actor"),
            supervisions=hazard.supervisions.all(),
            criterion=item,
            may_edit=may_change and hazard.is_open,
            plan_form=forms.HazardPlanForm(auto_id="plan-%s", initial=_plan_initial(hazard))
            if may_change and status in (Hazard.PENDING, Hazard.RECTIFYING) else None,
            progress_form=forms.HazardProgressForm(auto_id="progress-%s") if may_change and status == Hazard.RECTIFYING else None,
            rectified_form=forms.HazardRectifiedForm(auto_id="rectified-%s") if may_change and status == Hazard.RECTIFYING else None,
            accept_form=forms.HazardAcceptForm(auto_id="accept-%s") if may_accept and status == Hazard.AWAITING else None,
            reject_form=forms.HazardRejectForm(auto_id="reject-%s") if may_accept and status == Hazard.AWAITING else None,
            supervise_form=forms.HazardSuperviseForm(auto_id="supervise-%s") if user.has_perm("safety.supervise_hazard")
            and hazard.grade == Hazard.MAJOR and hazard.is_open and hazard.open_supervision is None else None,
        )
        return context


def _plan_initial(hazard: Hazard) -> dict:
    return {"measures": hazard.measures, "funds_wan": hazard.funds_wan, "responsible": hazard.responsible,
            "responsible_phone": hazard.responsible_phone, "deadline": hazard.deadline}


class HazardFormView(ObjectFormView):
    model = Hazard
    form_class = forms.HazardForm
    template_name = "safety/hazard_form.html"
    service = staticmethod(services.save_hazard)
    success_url_name = "safety:hazard_detail"

    def get_initial(self):
        initial = super().get_initial()
        initial.setdefault("found_on", timezone.localdate())
        enterprise = self.request.GET.get("enterprise", "")
        if enterprise.isascii() and enterprise.isdigit() and len(enterprise) < 10:
            initial["enterprise"] = int(enterprise)
        return initial

    def service_kwargs(self, form) -> dict:
        return {"photo": form.cleaned_data.get("photo_before")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        enterprises = form.fields["enterprise"].queryset if "enterprise" in form.fields else Enterprise.objects.none()
        context["hazard_form_config"] = {  # hazard_form.js offers the criteria of the enterprise's 监管类别
            "enterprises": {str(pk): category for pk, category in enterprises.values_list("pk", "category")},
            "criteria": {code: list(item.categories) for code, item in services.criteria().items()}}
        return context


HazardDeleteView = delete_view(Hazard, services.delete_hazard, "safety:hazard_list")


class _Step(ObjectActionView):
    model = Hazard
    permission = "safety.change_hazard"


class HazardPlanView(_Step):
    form_class = forms.HazardPlanForm

    def act(self, obj, data):
        services.submit_plan(self.request.user, obj, data)
        return "已提交整改方案，隐患进入“整改中”。"


class HazardProgressView(_Step):
    form_class = forms.HazardProgressForm

    def act(self, obj, data):
        services.report_progress(self.request.user, obj, data.get("text", ""), data.get("photo"))
        return "已记录整改进展。"


class HazardRectifiedView(_Step):
    form_class = forms.HazardRectifiedForm

    def act(self, obj, data):
        services.report_rectified(self.request.user, obj, data.get("text", ""), data.get("photo"),
                                  data.get("rectified_on"))
        return "已报告整改完成，等待复查验收。"


class HazardAcceptView(_Step):
    form_class = forms.HazardAcceptForm
    permission = "safety.accept_hazard"

    def act(self, obj, data):
        services.accept(self.request.user, obj, data.get("text", ""))
        return "复查验收通过，隐患已销号。"


class HazardRejectView(_Step):
    form_class = forms.HazardRejectForm
    permission = "safety.accept_hazard"

    def act(self, obj, data):
        services.reject(self.request.user, obj, data.get("reason", ""))
        return "验收不通过，隐患退回“整改中”。"


class HazardSuperviseView(_Step):
    form_class = forms.HazardSuperviseForm
    permission = "safety.supervise_hazard"

    def act(self, obj, data):
        listing = services.supervise(self.request.user, obj, data)
        return f"已{listing.get_level_display()}挂牌督办（{listing.number}），可下载督办通知书。"


class HazardNoticeView(ScopedMixin, DetailView):
    """The 督办通知书 (.docx) of the hazard's latest 挂牌督办, generated from the stored record."""

    model = Hazard

    def get(self, request, *args, **kwargs):
        return hazard_notice.download(request, self.get_object())


class HazardPhotoView(ScopedMixin, View):
    """A photo of the hazard (before/after) or of a step of its log, to those who may see the hazard."""

    model = Hazard

    def get(self, request, pk, which):
        hazard = get_object_or_404(self.get_queryset(), pk=pk)
        if which in ("before", "after"):
            stored = hazard.photo_before if which == "before" else hazard.photo_after
        elif which.isascii() and which.isdigit() and len(which) < 10:
            stored = get_object_or_404(hazard.updates.all(), pk=int(which)).photo
        else:
            raise Http404
        if not stored:
            raise Http404("没有照片。")
        return file_response(request, stored, about=hazard, inline_images=True)


class HazardStatsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """发现数, 整改数, 整改率 and 逾期数 by region, industry, grade and month: one grouped query each. By region the
    hazards roll up into the areas right below the user's region (a county: its townships, with the county total),
    or below ?region=<id> (a township of the county: its villages); every table is then of that area."""

    template_name = "safety/hazard_stats.html"
    permission_required = "safety.view_hazard"

    def get(self, request, *args, **kwargs):
        try:
            self.root = services.statistics_root(request.user, request.GET.get("region"))
        except ValidationError as exc:
            context = self.get_context_data(error=exc.message_dict["region"][0], tables=[], totals=None)
            return self.render_to_response(context, status=400)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("title", "隐患统计")
        if "tables" in context:
            return context
        root, user = self.root, self.request.user
        hazards = scope(Hazard.objects.all(), user)
        tables = []
        for key, label in services.DIMENSIONS.items():
            rows = services.statistics(hazards, key, root=root)
            name = f"{root.name}合计" if key == "region" and root is not None else "合计"
            tables.append({"key": key, "label": label, "rows": rows, "total": services.total(rows, name)})
        home = getattr(user, "region", None)
        up = root.parent if root is not None and root != home and root.parent_id else None
        context.update(root=root, up=up if up is not None and (home is None or up.is_within(home)) else None,
                       tables=tables, totals=tables[2]["total"])
        return context
