"""Duty roster pages (值班表): a week by day, the shift page with its log (值班日志) and handover, the roster
form, and the log across shifts (by day, exportable)."""

from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from yingji.core.generic import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
)
from yingji.core.models import Region, User
from yingji.core.scoping import scope

from .. import filtersets
from ..models import DutyLogEntry, DutyShift
from ..services import duty as services
from .public import RegionChoiceField, add_errors

WEEKDAYS = "一二三四五六日"
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user}（{user.role_label}，{user.region.name if user.region else '—'}）"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user}（{user.role_label}，{user.region.name if user.region else '—'}）"


class ShiftForm(forms.Form):
    """Parses only; save_shift checks times, overlaps and people with its own messages."""

    region = RegionChoiceField(label="值班区划", queryset=Region.objects.none(), required=False,
                               empty_label="请选择")
    starts_at = forms.DateTimeField(label="开始时间", required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=LOCAL_INPUT))
    ends_at = forms.DateTimeField(label="结束时间", required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=LOCAL_INPUT), help_text="局机关通常 08:30 至次日 08:30。")
    leader = PersonChoiceField(label="带班领导", queryset=User.objects.none(), required=False, empty_label="（不设）")
    officers = PeopleChoiceField(label="值班员", queryset=User.objects.none(), required=False,
                                 widget=forms.CheckboxSelectMultiple)
    phone = forms.CharField(label="值班电话", max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope(Region.objects.all(), user).order_by("path")
        people = (scope(User.objects.filter(is_active=True), user).select_related("region")
                  .prefetch_related("groups").order_by("region__path", "username"))
        self.fields["leader"].queryset = people
        self.fields["officers"].queryset = people

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("region", "starts_at", "ends_at", "leader", "phone")}


class HandoverForm(forms.Form):
    handover_notes = forms.CharField(label="交接班记录", required=False, widget=forms.Textarea(attrs={
        "rows": 5, "placeholder": "本班接报、处置中的事件、未办结事项、需下一班跟进的事情……"}))


class LogEntryForm(forms.Form):
    """Parses only; save_log_entry checks the time against the shift, the counterpart of a call, the person."""

    time = forms.DateTimeField(label="时间", required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=LOCAL_INPUT))
    kind = forms.ChoiceField(label="类别", choices=DutyLogEntry.KIND_CHOICES, initial=DutyLogEntry.INCOMING)
    counterpart = forms.CharField(label="对方", max_length=128, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": "单位、姓名、电话"}))
    content = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    handled_by = PersonChoiceField(label="经办人", queryset=User.objects.none(), required=False,
                                   empty_label="（本人）")
    follow_up = forms.CharField(label="后续跟进", max_length=255, required=False)
    follow_up_done = forms.BooleanField(label="已办结", required=False)

    FIELDS = ("time", "kind", "counterpart", "content", "handled_by", "follow_up", "follow_up_done")

    def __init__(self, *args, user, shift=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = scope(User.objects.filter(is_active=True), user).select_related("region").prefetch_related("groups")
        if shift is not None:
            people = people.filter(region__path__startswith=shift.region.path)
        self.fields["handled_by"].queryset = people.order_by("username")

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in self.FIELDS}
        if data["handled_by"] is None:
            data.pop("handled_by")  # the service puts the one who writes it
        return data


def _week_start(request) -> date:
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


def can_hand_over(user, shift: DutyShift) -> bool:
    return shift.handed_over_at is None and shift.starts_at <= timezone.now() and services.may_hand_over(user, shift)


class RosterView(ScopedMixin, TemplateView):
    """A week (Monday to Sunday) of shifts in the user's region and below, with who is on duty now."""

    model = DutyShift
    template_name = "incidents/duty_roster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        monday = _week_start(self.request)
        zone = timezone.get_current_timezone()
        begins = timezone.make_aware(datetime.combine(monday, datetime.min.time()), zone)
        shifts = list(services.shifts_for(user).filter(starts_at__gte=begins, starts_at__lt=begins + timedelta(days=7))
                      .order_by("starts_at", "region__path"))
        now, today = timezone.now(), timezone.localdate()
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append({
                "date": day, "weekday": WEEKDAYS[offset], "is_today": day == today,
                "shifts": [s for s in shifts if timezone.localdate(s.starts_at) == day],
            })
        for shift in shifts:
            shift.is_now = shift.starts_at <= now < shift.ends_at
        context.update(
            title="值班表",
            days=days,
            monday=monday,
            sunday=monday + timedelta(days=6),
            previous_week=(monday - timedelta(days=7)).isoformat(),
            next_week=(monday + timedelta(days=7)).isoformat(),
            this_week=today - timedelta(days=today.weekday()) == monday,
            now_on_duty=services.on_duty_now(user),
            can_plan=user.has_perm("incidents.add_dutyshift"),
        )
        return context


class ShiftDetailView(ScopedMixin, DetailView):
    model = DutyShift
    template_name = "incidents/duty_detail.html"
    context_object_name = "shift"

    def base_queryset(self):
        return DutyShift.objects.select_related("region", "leader").prefetch_related("officers")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shift, user, now = self.object, self.request.user, timezone.now()
        context.setdefault("handover_form", HandoverForm())
        writable = scope(DutyShift.objects.filter(pk=shift.pk), user, for_write=True).exists()
        may_log = (writable and user.has_perm("incidents.add_dutylogentry") and shift.handed_over_at is None
                   and shift.starts_at <= now)
        context.setdefault("log_form", LogEntryForm(user=user, shift=shift, initial={
            "time": timezone.localtime(min(now, shift.ends_at))}))
        context.update(
            log_entries=scope(shift.log_entries.select_related("handled_by"), user).order_by("time", "pk"),
            follow_ups=services.open_follow_ups(shift, user),
            can_log=may_log,
            can_take_over=(writable and shift.handed_over_at is not None and shift.taken_over_at is None
                           and services.may_take_over(user, shift)),
        )
        context.update(
            title=f"{shift.region.name} {timezone.localtime(shift.starts_at):%Y-%m-%d} 值班",
            is_now=shift.starts_at <= now < shift.ends_at,
            not_started=shift.starts_at > now,
            can_hand_over=writable and can_hand_over(user, shift),
            can_edit=user.has_perm("incidents.add_dutyshift") and shift.handed_over_at is None,
            can_delete=user.has_perm("incidents.delete_dutyshift") and shift.starts_at > now,
            week=timezone.localdate(shift.starts_at).isoformat(),
        )
        return context


class ShiftFormView(ScopedMixin, FormView):
    """Create (no pk) or edit a shift through save_shift; its errors land on the form's fields."""

    model = DutyShift
    template_name = "incidents/duty_form.html"
    form_class = ShiftForm
    scope_for_write = True  # a county shift a township reads is not theirs to edit

    def get_permission_required(self):
        return ["incidents.add_dutyshift"]

    def get_object(self) -> DutyShift:
        if "pk" not in self.kwargs:
            return DutyShift()
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        shift = self.get_object()
        if shift.pk:
            return {"region": shift.region_id, "starts_at": timezone.localtime(shift.starts_at),
                    "ends_at": timezone.localtime(shift.ends_at), "leader": shift.leader_id,
                    "officers": list(shift.officers.all()), "phone": shift.phone}
        try:
            day = date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            day = services.duty_day() + timedelta(days=1)
        starts, ends = services.bureau_shift_times(day)
        return {"region": self.request.user.region_id, "starts_at": timezone.localtime(starts),
                "ends_at": timezone.localtime(ends)}

    def form_valid(self, form):
        shift = self.get_object()
        try:
            shift = services.save_shift(self.request.user, shift, form.service_data(),
                                        form.cleaned_data["officers"])
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"已保存班次：{shift}。")
        return redirect("incidents:duty_detail", pk=shift.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shift = self.get_object()
        context.update(
            title="编辑班次" if shift.pk else "新增班次", shift=shift,
            cancel_url=reverse("incidents:duty_detail", args=[shift.pk]) if shift.pk
            else reverse("incidents:duty_roster"),
        )
        return context


class HandoverView(ScopedMixin, FormView):
    """POST from the shift page: the handover note; a refusal re-renders the page with the error."""

    model = DutyShift
    form_class = HandoverForm
    http_method_names = ["post"]
    scope_for_write = True

    # Reading the shift is enough to reach the service, which lets those on the shift (or roster makers) in.

    def form_valid(self, form):
        shift = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        try:
            services.hand_over(self.request.user, shift, form.cleaned_data["handover_notes"])
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError):
                add_errors(form, exc)
            else:
                form.add_error(None, str(exc))
            view = ShiftDetailView()
            view.setup(self.request, pk=shift.pk)
            view.object = shift
            return view.render_to_response(view.get_context_data(handover_form=form))
        messages.success(self.request, "已交班，交接班记录已保存。")
        return redirect("incidents:duty_detail", pk=shift.pk)


class ShiftLogAddView(ObjectActionView):
    """POST from the shift page: one entry of the shift's 值班日志."""

    model = DutyShift
    form_class = LogEntryForm
    permission = "incidents.add_dutylogentry"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "shift": self.get_object()}

    def act(self, shift, data):
        fields = {k: data[k] for k in LogEntryForm.FIELDS if not (k == "handled_by" and data[k] is None)}
        entry = services.save_log_entry(self.request.user, DutyLogEntry(), {"shift": shift, **fields})
        return f"已记入值班日志：{entry.get_kind_display()}。"

    def form_valid(self, form):
        response = super().form_valid(form)
        response["Location"] += "#log"
        return response


class TakeOverView(ObjectActionView):
    """POST from the shift page: 接班签收 of a handed-over shift by someone on the next one."""

    model = DutyShift
    form_class = forms.Form
    permission = "incidents.view_dutyshift"  # take_over admits those on the next shift (or roster makers)

    def act(self, shift, data):
        shift = services.take_over(self.request.user, shift)
        return f"已接班签收（{timezone.localtime(shift.taken_over_at):%m-%d %H:%M}）。"


# --- 值班日志 across shifts -----------------------------------------------------------------------------

LOG_COLUMNS = [("time_text", "时间"), ("kind", "类别"), ("counterpart", "对方"), ("content", "内容"),
               ("handled_by", "经办人"), ("follow_up_text", "后续跟进"), ("shift.region.name", "值班区划")]


class DutyLogListView(ObjectListView):
    """Every entry the user may see, newest first; ?day= picks a local day (the FilterSet, shared with the API
    and the export), ?kind=, ?open=true for follow-ups not done."""

    model = DutyLogEntry
    title = "值班日志"
    template_name = "incidents/duty_log.html"
    search_fields = ["counterpart", "content", "follow_up"]
    filterset_class = filtersets.DutyLogEntryFilterSet
    filters = [("kind", "类别", DutyLogEntry.KIND_CHOICES), ("open", "跟进", [("true", "待跟进"), ("false", "无待跟进")])]
    columns = LOG_COLUMNS
    orderings = {"-time": ("-time", "时间（新→旧）"), "time": ("time", "时间（旧→新）")}
    export_url_name = "incidents:duty_log_export"
    sheet = "duty-log"

    def base_queryset(self):
        return DutyLogEntry.objects.select_related("shift__region", "handled_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for entry in context["object_list"]:
            entry.time_text = f"{timezone.localtime(entry.time):%Y-%m-%d %H:%M}"
        context["rows"] = [(e.get_absolute_url(), [_log_cell(e, attr) for attr, _ in LOG_COLUMNS])
                           for e in context["object_list"]]
        context["day"] = self.request.GET.get("day", "")
        context["import_url"] = ""  # entries are written during the shift, on its page
        return context


def _log_cell(entry, attr):
    if attr == "time_text":
        return f"{timezone.localtime(entry.time):%m-%d %H:%M}"
    if attr == "kind":
        return entry.get_kind_display()
    if attr == "handled_by":
        return str(entry.handled_by or "—")
    if attr == "follow_up_text":
        return f"{entry.follow_up}{'（已办结）' if entry.follow_up_done else ''}" if entry.follow_up else ""
    if attr == "shift.region.name":
        return entry.shift.region.name
    return getattr(entry, attr)


class DutyLogExportView(ObjectExportView, DutyLogListView):
    pass


class DutyLogDetailView(ScopedMixin, DetailView):
    model = DutyLogEntry
    template_name = "incidents/duty_log_detail.html"
    context_object_name = "entry"

    def base_queryset(self):
        return DutyLogEntry.objects.select_related("shift__region", "handled_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry, user = self.object, self.request.user
        writable = scope(DutyLogEntry.objects.filter(pk=entry.pk), user, for_write=True).exists()
        context.update(title=f"值班日志：{entry.get_kind_display()}",
                       can_edit=writable and entry.shift.handed_over_at is None
                       and user.has_perm("incidents.change_dutylogentry"))
        return context


class LogEntryEditForm(LogEntryForm):
    def __init__(self, *args, instance, **kwargs):
        self.instance = instance
        super().__init__(*args, shift=instance.shift, **kwargs)
        if not self.is_bound:
            self.initial.update({f: getattr(instance, f) for f in self.FIELDS})
            self.initial["time"] = timezone.localtime(instance.time)


class DutyLogEditView(ObjectFormView):
    """Correct an entry before its shift is handed over (afterwards the signed log is kept as it is)."""

    model = DutyLogEntry
    form_class = LogEntryEditForm
    service = staticmethod(services.save_log_entry)
    success_url_name = "incidents:duty_log_detail"


class ShiftDeleteView(ObjectDeleteView):
    model = DutyShift
    service = staticmethod(services.delete_shift)
    success_url_name = "incidents:duty_roster"


urlpatterns = [
    path("duty/", RosterView.as_view(), name="duty_roster"),
    path("duty/add/", ShiftFormView.as_view(), name="duty_add"),
    path("duty/<int:pk>/", ShiftDetailView.as_view(), name="duty_detail"),
    path("duty/<int:pk>/edit/", ShiftFormView.as_view(), name="duty_edit"),
    path("duty/<int:pk>/handover/", HandoverView.as_view(), name="duty_handover"),
    path("duty/<int:pk>/delete/", ShiftDeleteView.as_view(), name="duty_delete"),
    path("duty/<int:pk>/log/", ShiftLogAddView.as_view(), name="duty_log_add"),
    path("duty/<int:pk>/takeover/", TakeOverView.as_view(), name="duty_takeover"),
    path("duty/log/", DutyLogListView.as_view(), name="duty_log"),
    path("duty/log/export.xlsx", DutyLogExportView.as_view(), name="duty_log_export"),
    path("duty/log/<int:pk>/", DutyLogDetailView.as_view(), name="duty_log_detail"),
    path("duty/log/<int:pk>/edit/", DutyLogEditView.as_view(), name="duty_log_edit"),
]
