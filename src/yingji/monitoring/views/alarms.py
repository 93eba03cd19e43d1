"""Monitoring pages: alarms — the live list (active first, refreshed by the bell without a reload), the alarm page
with its history and the duty officer's actions (确认 at one click; 指派, 备注; 手动解除 and 生成事件 through a page
that says what will happen), and the incident opened from an alarm on the intake form pre-filled from it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.generic import DetailView, FormView

from yingji.core.generic import ObjectActionView, ObjectListView, ScopedMixin, _add_errors
from yingji.core.models import Region, User
from yingji.core.scoping import scope
from yingji.incidents.forms import IncidentForm
from yingji.incidents.models import Incident
from yingji.safety.models import Enterprise, is_enterprise_account

from .. import kinds
from ..alarm_filters import AlarmFilterSet
from ..models import LEVEL_CHOICES, Alarm
from ..services import alarms as services

# The order a duty officer reads the list in: what is still on (未确认 before 已确认), the worse level, the newest.
LIST_ORDER = ["-active", "-state", "-level", "-raised_at", "-id"]


def alarm_queryset():
    return Alarm.objects.select_related("sensor", "rule", "region", "enterprise", "assignee", "incident")


class AlarmListView(ObjectListView):
    model = Alarm
    title = "报警"
    template_name = "monitoring/alarm_list.html"
    search_fields = ["sensor__code", "sensor__name", "alarm_type", "enterprise__name"]
    filterset_class = AlarmFilterSet
    orderings = {"raised_at": ("-raised_at", "报警时间"), "level": ("-level", "级别")}
    paginate_by = 50

    @property
    def filters(self):
        user = self.request.user
        regions = scope(Region.objects.filter(level__in=("county", "township")), user).order_by("path")
        enterprises = scope(Enterprise.objects.filter(sensors__isnull=False), user).distinct().order_by("name")
        return [("state", "状态", Alarm.STATE_CHOICES), ("active", "是否恢复", [("1", "未恢复"), ("0", "已恢复")]),
                ("level", "级别", [(str(v), t) for v, t in LEVEL_CHOICES]), ("kind", "监测类型", kinds.choices()),
                ("region", "区划", [(str(r.pk), r.name) for r in regions]),
                ("enterprise", "企业", [(str(e.pk), e.name) for e in enterprises])]

    def base_queryset(self):
        return alarm_queryset().order_by(*LIST_ORDER)

    def summary(self, queryset):
        active = queryset.filter(active=True)
        unack = active.filter(state=Alarm.ACTIVE_UNACK).count()
        level2 = active.filter(level=2).count()
        return f"未恢复 {active.count()} 条（其中二级 {level2} 条，未确认 {unack} 条）。"


class AlarmDetailView(ScopedMixin, DetailView):
    model = Alarm
    template_name = "monitoring/alarm_detail.html"

    def base_queryset(self):
        return alarm_queryset().select_related("sensor__hazard_unit", "acknowledged_by", "cleared_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alarm, user = self.object, self.request.user
        may_act = user.has_perm(services.PERM) and scope(Alarm.objects.filter(pk=alarm.pk), user,
                                                         for_write=True).exists()
        incident = alarm.incident if alarm.incident_id and scope(
            Incident.objects.filter(pk=alarm.incident_id), user).exists() else None
        context.update(
            events=alarm.events.select_related("actor").order_by("at", "id"),
            unit=alarm.sensor.unit, kind=alarm.sensor.kind_info, may_act=may_act,
            may_ack=may_act and alarm.state in services.UNACKNOWLEDGED,
            may_assign=may_act and alarm.active, may_clear=may_act and alarm.active,
            may_open_incident=may_act and not alarm.incident_id and user.has_perm("incidents.add_incident"),
            incident=incident,
            assign_form=AssignForm(alarm=alarm, user=user) if may_act and alarm.active else None,
        )
        return context


def assignable_users(alarm: Alarm, actor):
    """People the actor may pick as 处置人: active users of the actor's region and below who can see the alarm
    (their region is the alarm's or above it; an enterprise account only of the alarm's enterprise) and may view
    alarms."""
    above = alarm.region.ancestors(include_self=True)
    users = (scope(User.objects.filter(is_active=True, region__in=above), actor)
             .filter(groups__permissions__codename="view_alarm",
                     groups__permissions__content_type__app_label="monitoring")
             .distinct().order_by("region__path", "username"))
    linked = set(alarm.enterprise.accounts.values_list("pk", flat=True)) if alarm.enterprise_id else set()
    return [u for u in users if not is_enterprise_account(u) or u.pk in linked]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label="处置人", coerce=int)
    note = forms.CharField(label="说明", required=False, max_length=services.NOTE_MAX)

    def __init__(self, *args, alarm, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "— 选择处置人 —")] + [
            (u.pk, f"{u}（{u.region.name if u.region_id else ''}·{u.role_label}）")
            for u in assignable_users(alarm, user)]


class NoteForm(forms.Form):
    note = forms.CharField(label="内容", required=False, max_length=services.NOTE_MAX + 1000)


class AlarmActionView(ObjectActionView):
    model = Alarm
    permission = "monitoring.view_alarm"  # each service checks monitoring.change_alarm itself
    form_class = NoteForm

    def get_queryset(self):
        return scope(alarm_queryset(), self.request.user, for_write=True)


class AcknowledgeView(AlarmActionView):
    def act(self, alarm, data):
        services.acknowledge(self.request.user, alarm, data.get("note", ""))
        return f"已确认报警“{alarm}”。"


class NoteView(AlarmActionView):
    def act(self, alarm, data):
        services.add_note(self.request.user, alarm, data.get("note", ""))
        return "已记入报警处置记录。"


class AssignView(AlarmActionView):
    form_class = AssignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "alarm": self.get_object(), "user": self.request.user}

    def act(self, alarm, data):
        user = scope(User.objects.all(), self.request.user).filter(pk=data["assignee"]).first()
        alarm = services.assign(self.request.user, alarm, user, data.get("note", ""))
        return f"已将报警指派给 {alarm.assignee}。"


class ClearForm(forms.Form):
    note = forms.CharField(label="解除原因", required=False, max_length=services.NOTE_MAX + 1000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="如：现场核实为误报、探头检修、已排除泄漏。必填，记入处置记录。")


class ClearView(ScopedMixin, FormView):
    """手动解除: the page says what will happen (the alarm ends; the next reading past the setpoint raises a new
    one) and asks the reason."""

    model = Alarm
    scope_for_write = True
    form_class = ClearForm
    template_name = "monitoring/alarm_clear.html"

    def get_queryset(self):
        return scope(alarm_queryset(), self.request.user, for_write=True)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        alarm = self.get_object()
        return super().get_context_data(object=alarm, alarm=alarm, title=f"手动解除报警：{alarm}", **kwargs)

    def form_valid(self, form):
        alarm = self.get_object()
        try:
            services.clear(self.request.user, alarm, form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"已手动解除报警“{alarm}”。")
        return redirect(alarm.get_absolute_url())


class AlarmIncidentForm(IncidentForm):
    """The intake form, pre-filled from the alarm; its source is always 监测报警."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("source", None)
        # To the second: the alarm's time is the reading's.
        self.fields["occurred_at"].widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"},
                                                                format="%Y-%m-%dT%H:%M:%S")


class OpenIncidentView(ScopedMixin, FormView):
    """生成事件: the intake form pre-filled from the alarm (place, time, class, enterprise). At 3 a.m. the duty
    officer checks it and presses 生成事件 once (a button at the top and the bottom); whatever they know more
    (casualties, a caller) they may add before. An alarm that opened an incident already sends them to it."""

    model = Alarm
    scope_for_write = True
    form_class = AlarmIncidentForm
    template_name = "monitoring/alarm_incident.html"

    def get_permission_required(self):
        return ["monitoring.view_alarm"]

    def get_queryset(self):
        return scope(alarm_queryset(), self.request.user, for_write=True)

    def get_object(self):
        if not hasattr(self, "_alarm"):
            self._alarm = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._alarm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        alarm = self.get_object()
        if alarm.incident_id:
            messages.info(request, f"该报警已生成事件 {alarm.incident.number}，已为您打开。")
            return redirect(alarm.incident.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, instance=None)
        return kwargs

    def get_initial(self):
        data = services.incident_data(self.get_object())
        initial = {k: v for k, v in data.items() if k != "region"}
        initial["region"] = data["region"].pk
        return initial

    def get_context_data(self, **kwargs):
        alarm = self.get_object()
        return super().get_context_data(alarm=alarm, object=alarm, title="由报警生成事件", **kwargs)

    def form_valid(self, form):
        alarm = self.get_object()
        data = form.service_data()
        occurred = data.get("occurred_at")
        if occurred is not None and abs((occurred - alarm.raised_at).total_seconds()) < 1:
            data.pop("occurred_at")  # as pre-filled: the alarm's own time, to the millisecond
        try:
            incident = services.open_incident(self.request.user, alarm, data)
        except services.IncidentAlreadyOpened as exc:
            messages.info(self.request, exc.messages[0])
            return redirect(exc.incident.get_absolute_url())
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"已由报警生成事件 {incident.number}，首报时限已开始计算。")
        return redirect(incident.get_absolute_url())


urlpatterns = [
    path("monitoring/alarms/", AlarmListView.as_view(), name="alarm_list"),
    path("monitoring/alarms/<int:pk>/", AlarmDetailView.as_view(), name="alarm_detail"),
    path("monitoring/alarms/<int:pk>/acknowledge/", AcknowledgeView.as_view(), name="alarm_acknowledge"),
    path("monitoring/alarms/<int:pk>/assign/", AssignView.as_view(), name="alarm_assign"),
    path("monitoring/alarms/<int:pk>/note/", NoteView.as_view(), name="alarm_note"),
    path("monitoring/alarms/<int:pk>/clear/", ClearView.as_view(), name="alarm_clear"),
    path("monitoring/alarms/<int:pk>/incident/", OpenIncidentView.as_view(), name="alarm_incident"),
]
