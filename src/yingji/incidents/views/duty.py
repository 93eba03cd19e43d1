"""Duty roster pages (值班表): a week by day, the shift page with its handover, and the roster form."""

from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from yingji.core.models import Region, User
from yingji.core.scoping import scope
from yingji.core.views import ObjectDeleteView, ScopedMixin

from ..models import DutyShift
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
        context.update(
            title=f"{shift.region.name} {timezone.localtime(shift.starts_at):%Y-%m-%d} 值班",
            is_now=shift.starts_at <= now < shift.ends_at,
            not_started=shift.starts_at > now,
            can_hand_over=can_hand_over(user, shift),
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
]
