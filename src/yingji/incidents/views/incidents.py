"""Incident pages: list, intake, the incident page with its actions, dispatch and timeline."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.generic import DetailView

from yingji.core import roads
from yingji.core.downloads import file_response
from yingji.core.generic import ObjectActionView, ObjectFormView, ObjectListView, ScopedMixin
from yingji.core.middleware import body_limit
from yingji.core.scoping import scope
from yingji.resources.models import RescueForce, Vehicle

from .. import filtersets
from ..forms import (
    AdvanceForm,
    Article10Form,
    DispatchForm,
    IncidentForm,
    LevelForm,
    MergeForm,
    NoteForm,
    StatusForm,
)
from ..models import Assignment, Incident, TimelineEntry
from ..services import dispatch as dispatching
from ..services import incidents as services
from ..services.dispatch import ORDER


class IncidentListView(ObjectListView):
    model = Incident
    title = "突发事件"
    search_fields = ["number", "title", "address", "reporter_phone"]
    filterset_class = filtersets.IncidentFilterSet  # the API's too; these are the drop-downs shown
    filters = [("status", "状态", Incident.STATUS_CHOICES), ("level", "级别", Incident.LEVEL_CHOICES),
               ("accident_grade", "事故等级", Incident.GRADE_CHOICES),
               ("is_drill", "演练", [("0", "非演练"), ("1", "演练")])]
    columns = [("number", "编号"), ("title", "事件名称"), ("event_name", "类型"), ("region.name", "区划"),
               ("reported_at", "接报时间"), ("grade_label", "等级"), ("grading_basis_label", "定级依据"),
               ("status", "状态")]
    orderings = {"reported_at": "-reported_at", "occurred_at": "-occurred_at", "deaths": "-deaths"}
    add_url_name = "incidents:incident_add"

    def base_queryset(self):
        return Incident.objects.select_related("region")


class IncidentFormView(ObjectFormView):
    """接报 (new) or correction of an existing incident (casualty changes re-grade and make a 续报 due)."""

    model = Incident
    form_class = IncidentForm
    success_url_name = "incidents:incident_detail"

    @staticmethod
    def service(actor, incident, data, reason=""):
        if incident.pk:
            return services.update_incident(actor, incident, data, reason)
        return services.create_incident(actor, data)

    def service_kwargs(self, form):
        return {"reason": form.cleaned_data.get("reason", "")} if form.instance.pk else {}


class IncidentDetailView(ScopedMixin, DetailView):
    model = Incident
    template_name = "incidents/incident_detail.html"

    def base_queryset(self):
        return Incident.objects.select_related("region", "duty_officer", "merged_into")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident, user = self.object, self.request.user
        timeline = Paginator(incident.timeline.select_related("actor"), 50).get_page(self.request.GET.get("page"))
        assignments = list(incident.assignments.select_related("force", "vehicle").order_by("-active", "-assigned_at"))
        for a in assignments:
            a.next_steps = [(s, label) for s, label in Assignment.STATUS_CHOICES if ORDER.index(s) > ORDER.index(a.status)]
        context.update(
            timeline=timeline,
            assignments=assignments,
            candidates=dispatching.candidates(incident, user, limit=8) if incident.is_active else [],
            road_network=roads.network() is not None,
            status_form=StatusForm(incident=incident),
            level_form=LevelForm(),
            merge_form=MergeForm(),
            note_form=NoteForm(),
            merged=incident.merged.all(),
            article10_form=Article10Form(),
        )
        article10 = services.article10_notices(incident)
        context.update(article10=article10, article10_pending=[p for p in article10 if not p["notified_at"]])
        context.update(panel_context(incident, user))
        return context


def panel_context(incident, user) -> dict:
    """Sections other features contribute to the incident page: each gives a context function and a template."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    from yingji.core.discovery import app_modules

    from . import reports

    sources = [(getattr(reports, "reports_context", None), "incidents/_reports_panel.html")]
    # Higher apps plug in by convention (no import of them here): panels.INCIDENT_PANELS = [(function, template)].
    sources += [panel for module in app_modules("panels") for panel in getattr(module, "INCIDENT_PANELS", ())]
    context, templates = {}, []
    for function, template in sources:
        try:
            get_template(template)
        except TemplateDoesNotExist:
            continue
        if function is not None:
            context.update(function(incident, user))
            templates.append(template)
    context["panel_templates"] = templates
    return context


class IncidentActionView(ObjectActionView):
    model = Incident
    permission = "incidents.view_incident"  # each service checks its own permission


class IncidentStatusView(IncidentActionView):
    form_class = StatusForm

    def act(self, incident, data):
        incident = services.change_status(self.request.user, incident, data["status"], data["reason"])
        return f"事件状态已变更为“{incident.get_status_display()}”。"


class IncidentLevelView(IncidentActionView):
    form_class = LevelForm

    def act(self, incident, data):
        incident = services.set_level(self.request.user, incident, data["level"], data["reason"], data.get("plan", ""))
        return f"已定级为{incident.get_level_display()}（{incident.grading_basis_label}）。"


class IncidentArticle10View(IncidentActionView):
    """493号令第十条: mark one body notified (公安机关、劳动保障行政部门、工会、人民检察院) or reported to (本级人民政府)."""

    form_class = Article10Form

    def act(self, incident, data):
        notice = services.notify_article10(self.request.user, incident, data["party"], data.get("notified_at"),
                                           data["method"], data.get("note", ""))
        return f"已登记：{notice.name}（{notice.get_method_display()}）。"


class IncidentMergeView(IncidentActionView):
    form_class = MergeForm

    def act(self, incident, data):
        into = get_object_or_404(scope(Incident.objects.all(), self.request.user), number=data["into"].strip())
        services.merge_incidents(self.request.user, incident, into, data["reason"])
        return f"已并入 {into.number}。"


@body_limit()  # refused unread over MAX_UPLOAD_MB + 1 MB
class IncidentNoteView(IncidentActionView):
    form_class = NoteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["files"] = self.request.FILES
        return kwargs

    def act(self, incident, data):
        services.add_note(self.request.user, incident, data["text"], data.get("attachment"))
        return "已记入时间线。"


class DispatchView(IncidentActionView):
    form_class = DispatchForm

    def act(self, incident, data):
        user = self.request.user
        force = get_object_or_404(scope(RescueForce.objects.all(), user), pk=data["force"])
        ids = data.get("vehicle") or []
        vehicles = {v.pk: v for v in scope(Vehicle.objects.filter(pk__in=ids), user)}
        if len(vehicles) != len(set(ids)):
            raise Http404("车辆不存在或不在您的管辖范围内。")
        sent = dispatching.dispatch_units(user, incident, force, [vehicles[i] for i in ids], data.get("notes", ""))
        return dispatching.confirmation(sent) + "。"


class AdvanceView(ObjectActionView):
    model = Assignment
    form_class = AdvanceForm
    permission = "incidents.view_assignment"

    def act(self, assignment, data):
        assignment = dispatching.advance(self.request.user, assignment, data["status"], data.get("time"),
                                         data.get("notes", ""))
        return f"{assignment.force.name}：{assignment.get_status_display()}。"


class AttachmentView(ScopedMixin, DetailView):
    """A timeline entry's file, only for users who may see the incident (another region's is a 404), under the
    name it was given. Images verified again from the stored bytes open inline; PDF and Office files download
    with the type found when they were accepted; anything else (files from before the check) as bytes."""

    model = TimelineEntry

    def get(self, request, *args, **kwargs):
        entry = self.get_object()
        if not entry.attachment:
            raise Http404("没有附件。")
        kind = entry.attachment_type
        image = not kind or kind.startswith("image/")
        known = not image and entry.attachment_label != "文件"
        return file_response(request, entry.attachment, entry.attachment_display_name, about=entry.incident,
                             inline_images=image, content_type=kind if known else "application/octet-stream")


urlpatterns = [
    path("incidents/", IncidentListView.as_view(), name="incident_list"),
    path("incidents/add/", IncidentFormView.as_view(), name="incident_add"),
    path("incidents/<int:pk>/", IncidentDetailView.as_view(), name="incident_detail"),
    path("incidents/<int:pk>/edit/", IncidentFormView.as_view(), name="incident_edit"),
    path("incidents/<int:pk>/status/", IncidentStatusView.as_view(), name="incident_status"),
    path("incidents/<int:pk>/level/", IncidentLevelView.as_view(), name="incident_level"),
    path("incidents/<int:pk>/merge/", IncidentMergeView.as_view(), name="incident_merge"),
    path("incidents/<int:pk>/article10/", IncidentArticle10View.as_view(), name="incident_article10"),
    path("incidents/<int:pk>/notes/", IncidentNoteView.as_view(), name="incident_note"),
    path("incidents/<int:pk>/dispatch/", DispatchView.as_view(), name="incident_dispatch"),
    path("incidents/assignments/<int:pk>/advance/", AdvanceView.as_view(), name="assignment_advance"),
    path("incidents/attachments/<int:pk>/", AttachmentView.as_view(), name="timeline_attachment"),
]
