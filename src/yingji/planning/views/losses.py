"""Pages of disaster-loss reports (灾情报告): the events and the reports (filtered, exported and imported in the 制度's
table layout), an event with its township table and the county total and the upward report, the entry form, and a
report with its review (accept / return with a reason)."""

from django import forms
from django.db.models import Count, Q
from django.urls import path
from django.utils import timezone
from django.views.generic import DetailView

from yingji.core.forms import ScopedModelForm
from yingji.core.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    delete_view,
)
from yingji.core.scoping import scope
from yingji.standards import divisions

from .. import filtersets_losses as filtersets
from ..models import FIGURE_FIELDS, DisasterEvent, DisasterLossReport
from ..services import losses as services

Report = DisasterLossReport
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
FLAG = [("1", "是"), ("0", "否")]


# --- forms (they only parse; the services check) ------------------------------------------------------------------

class _ServiceForm(ScopedModelForm):
    def _post_clean(self):  # the model's checks run in the service, with the 制度's rules, in one answer
        pass


class DisasterEventForm(_ServiceForm):
    hazard = forms.ChoiceField(label="灾种", choices=[("", "—— 请选择 ——")] + services.hazard_choices())
    occurred_at = forms.DateTimeField(label="灾害发生时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                      help_text="北京时间；初报时限由此起算")

    class Meta:
        model = DisasterEvent
        fields = ["name", "hazard", "occurred_at", "ended_on", "region", "incident", "description"]
        widgets = {"ended_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.filter(
            level__in=(divisions.COUNTY, divisions.TOWNSHIP)).order_by("code")
        self.fields["incident"].queryset = self.fields["incident"].queryset.filter(is_drill=False).order_by("-occurred_at")


class LossReportForm(_ServiceForm):
    class Meta:
        model = Report
        fields = ["event", "region", "stage", "covers_on", *FIGURE_FIELDS, "remarks"]
        widgets = {"covers_on": DATE, "remarks": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.filter(level=divisions.TOWNSHIP).order_by("code")
        self.fields["region"].label = "乡镇（街道）"
        self.fields["event"].queryset = self.fields["event"].queryset.exclude(filings__stage=Report.FINAL)
        for name in FIGURE_FIELDS:  # the service names a bad figure in Chinese; the box takes any text
            field = self.fields[name]
            self.fields[name] = forms.CharField(label=field.label, required=False, initial=0,
                                                help_text=services.indicators()[name]["definition"],
                                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    pass


class FileForm(forms.Form):
    stage = forms.ChoiceField(label="报送阶段", choices=Report.STAGE_CHOICES)
    covers_on = forms.DateField(label="统计截至日期（续报）", required=False, widget=DATE)


# --- events ------------------------------------------------------------------------------------------------------

class LossEventListView(ObjectListView):
    model = DisasterEvent
    title = "灾害过程与灾情报告"
    search_fields = ["name", "description"]
    filterset_class = filtersets.DisasterEventFilterSet
    columns = [("name", "灾害过程"), ("hazard_label", "灾种"), ("started_on", "开始日期"), ("ended_on", "灾情稳定日期"),
               ("region.name", "受灾区划")]
    orderings = {"started_on": ("-started_on", "开始日期")}
    add_url_name = "planning:loss_event_add"

    @property
    def filters(self):
        years = sorted({d.year for d in DisasterEvent.objects.dates("started_on", "year")}, reverse=True)
        return [("hazard", "灾种", [(c, r["label"]) for c, r in services.hazard_types().items() if not r["parent"]]),
                ("year", "年份", [(str(y), str(y)) for y in years])]

    def base_queryset(self):
        return DisasterEvent.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = context["summary"] or f"依{services.SOURCE}，以乡（镇、街道）为统计单位。"
        return context


class LossEventDetailView(ScopedMixin, DetailView):
    model = DisasterEvent
    template_name = "planning/losses/event_detail.html"

    def base_queryset(self):
        return DisasterEvent.objects.select_related("region", "incident")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event, user = self.object, self.request.user
        reports = scope(event.reports.select_related("region"), user).order_by("region__code", "-id")
        totals = services.aggregate(event)
        if not _county_or_above(user):  # a township sees its own row, not the other townships' nor the county's
            own = {r.region_id for r in reports}
            totals["townships"] = [t for t in totals["townships"] if t["region_id"] in own]
            totals["total"] = None
        stages = dict(Report.STAGE_CHOICES)
        context.update(
            reports=reports, totals=totals,
            township_rows=[{"name": t["name"], "report_id": t["report_id"], "stage": stages[t["stage"]],
                            "values": [t[f] for f in FIGURE_FIELDS]} for t in totals["townships"]],
            total_row=[totals["total"][f] for f in FIGURE_FIELDS] if totals["total"] else None, fields=[(f, services.label(f)) for f in FIGURE_FIELDS],
            table_fields=[(f, services.label(f)) for f in ("affected_people", "deaths", "missing", "relocated",
                                                           "needing_aid", "crop_affected_ha", "direct_loss")],
            filings=event.filings.select_related("filed_by") if _county_or_above(user) else None,
            deadlines=[(label, services.county_due(event, stage), services.township_due(event, stage))
                       for stage, label in Report.STAGE_CHOICES if stage != Report.FOLLOWUP],
            file_form=FileForm(initial={"covers_on": timezone.localdate()}, auto_id="file-%s")
            if user.has_perm(services.REVIEW) and _county_or_above(user) else None,
            may_report=user.has_perm("planning.add_disasterlossreport"),
            may_edit=user.has_perm("planning.change_disasterevent") and _county_or_above(user),
            source=services.SOURCE)
        return context


def _county_or_above(user) -> bool:
    if user.is_superuser:
        return True
    home = getattr(user, "region", None)
    return home is not None and divisions.LEVELS.index(home.level) <= divisions.LEVELS.index(divisions.COUNTY)


class LossEventFormView(ObjectFormView):
    model = DisasterEvent
    form_class = DisasterEventForm
    service = staticmethod(services.save_event)
    success_url_name = "planning:loss_event_detail"

    def get_initial(self):
        initial = super().get_initial()
        initial.setdefault("region", getattr(self.request.user.region, "pk", None)
                           if getattr(self.request.user, "region", None) else None)
        return initial


LossEventDeleteView = delete_view(DisasterEvent, services.delete_event, "planning:loss_event_list")


class LossFileView(ObjectActionView):
    model = DisasterEvent
    form_class = FileForm
    permission = services.REVIEW

    def act(self, obj, data):
        filing = services.file_upward(self.request.user, obj, data["stage"], data.get("covers_on"))
        late = "（已超过报送时限，记为迟报）" if filing.late else ""
        return f"已向上级报送{filing.get_stage_display()}{late}。"


# --- reports -----------------------------------------------------------------------------------------------------

class LossReportListView(ObjectListView):
    model = Report
    title = "乡镇灾情报告"
    search_fields = ["event__name", "region__name"]
    filterset_class = filtersets.DisasterLossReportFilterSet
    columns = [("region.name", "乡镇（街道）"), ("event.name", "灾害过程"), ("stage", "阶段"), ("status_text", "状态"),
               ("affected_people", "受灾人口（人次）"), ("direct_loss", "直接经济损失（万元）"), ("due_at", "报送时限")]
    orderings = {"due_at": ("due_at", "报送时限"), "submitted_at": ("-submitted_at", "报送时间")}
    add_url_name = "planning:loss_report_add"
    export_url_name = "planning:loss_report_export"
    sheet = "disaster_losses"

    @property
    def filters(self):
        return [("stage", "阶段", Report.STAGE_CHOICES), ("status", "状态", Report.STATUS_CHOICES),
                ("overdue", "逾期或迟报", FLAG), ("is_current", "计入汇总", FLAG)]

    def base_queryset(self):
        return Report.objects.select_related("event", "region")

    def summary(self, queryset):
        counts = queryset.order_by().aggregate(
            pending=_count(status=Report.SUBMITTED), overdue=_count(services.overdue_q()))
        return f"待审核 {counts['pending']} 份；逾期或迟报 {counts['overdue']} 份。"


def _count(*args, **kwargs):
    return Count("id", filter=Q(*args, **kwargs))


class LossReportExportView(ObjectExportView, LossReportListView):
    pass


class LossReportDetailView(ScopedMixin, DetailView):
    model = Report
    template_name = "planning/losses/report_detail.html"

    def base_queryset(self):
        return Report.objects.select_related("event", "region", "submitted_by", "reviewed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        may_change = user.has_perm("planning.change_disasterlossreport") and report.editable
        may_review = user.has_perm(services.REVIEW) and _county_or_above(user) and report.status == Report.SUBMITTED
        context.update(
            figures=[(services.label(f), getattr(report, f), services.indicators()[f]["parent"]) for f in FIGURE_FIELDS],
            may_change=may_change, may_review=may_review, return_form=ReturnForm(auto_id="return-%s"),
            source=services.SOURCE)
        return context


class LossReportFormView(ObjectFormView):
    model = Report
    form_class = LossReportForm
    service = staticmethod(services.save_report)
    success_url_name = "planning:loss_report_detail"

    def get_initial(self):
        initial = super().get_initial()
        event = self.request.GET.get("event", "")
        if event.isascii() and event.isdigit() and len(event) < 10:
            initial["event"] = int(event)
        home = getattr(self.request.user, "region", None)
        if home is not None and home.level == divisions.TOWNSHIP:
            initial["region"] = home.pk
        initial.setdefault("covers_on", timezone.localdate())
        return initial


LossReportDeleteView = delete_view(Report, services.delete_report, "planning:loss_report_list")


class _Step(ObjectActionView):
    model = Report
    form_class = NoteForm
    permission = "planning.change_disasterlossreport"


class LossSubmitView(_Step):
    def act(self, obj, data):
        report = services.submit_report(self.request.user, obj)
        return "已报送县级审核" + ("（已超过报送时限，记为迟报）。" if report.late else "。")


class LossAcceptView(_Step):
    permission = services.REVIEW

    def act(self, obj, data):
        services.accept_report(self.request.user, obj)
        return "审核通过，已计入县级汇总。"


class LossReturnView(_Step):
    form_class = ReturnForm
    permission = services.REVIEW

    def act(self, obj, data):
        services.return_report(self.request.user, obj, data.get("reason", ""))
        return "已退回乡镇修改。"


urlpatterns = [
    path("planning/losses/", LossEventListView.as_view(), name="loss_event_list"),
    path("planning/losses/events/add/", LossEventFormView.as_view(), name="loss_event_add"),
    path("planning/losses/events/<int:pk>/", LossEventDetailView.as_view(), name="loss_event_detail"),
    path("planning/losses/events/<int:pk>/edit/", LossEventFormView.as_view(), name="loss_event_edit"),
    path("planning/losses/events/<int:pk>/delete/", LossEventDeleteView.as_view(), name="loss_event_delete"),
    path("planning/losses/events/<int:pk>/file/", LossFileView.as_view(), name="loss_event_file"),
    path("planning/losses/reports/", LossReportListView.as_view(), name="loss_report_list"),
    path("planning/losses/reports/export/", LossReportExportView.as_view(), name="loss_report_export"),
    path("planning/losses/reports/add/", LossReportFormView.as_view(), name="loss_report_add"),
    path("planning/losses/reports/<int:pk>/", LossReportDetailView.as_view(), name="loss_report_detail"),
    path("planning/losses/reports/<int:pk>/edit/", LossReportFormView.as_view(), name="loss_report_edit"),
    path("planning/losses/reports/<int:pk>/delete/", LossReportDeleteView.as_view(), name="loss_report_delete"),
    path("planning/losses/reports/<int:pk>/submit/", LossSubmitView.as_view(), name="loss_report_submit"),
    path("planning/losses/reports/<int:pk>/accept/", LossAcceptView.as_view(), name="loss_report_accept"),
    path("planning/losses/reports/<int:pk>/return/", LossReturnView.as_view(), name="loss_report_return"),
]

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS = [
    ("灾情报告（灾害过程）", "planning:loss_event_list", "planning.view_disasterevent"),
    ("乡镇灾情报告", "planning:loss_report_list", "planning.view_disasterlossreport"),
]
