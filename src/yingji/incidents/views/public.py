"""Public reporting pages: the no-login form at /report/ and its thank-you page, and the duty inbox
(incidents/inbox/) where reports are verified into incidents, merged into one, or rejected."""


from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView, TemplateView

from yingji.core import security
from yingji.core.downloads import file_response
from yingji.core.errors import error_response
from yingji.core.generic import ScopedMixin
from yingji.core.middleware import body_limit
from yingji.core.models import Region
from yingji.core.scoping import scope

from ..forms import EventTypeSelect, event_choices
from ..models import Incident, PublicReport
from ..services import public as services


def add_errors(form, exc: ValidationError):
    """A service's field errors onto the form's fields; the rest above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def client_ip(request) -> str | None:
    """The reporter's address, found as the login throttling finds it (YINGJI_TRUSTED_PROXIES)."""
    return services.client_ip(security.client_ip(request))


def _count_refused(request):
    services.record_refused(client_ip(request))


def _over_rate(request):
    """429 before the body is read when this address has already used its hourly reports."""
    try:
        services.check_ip_rate(client_ip(request))
    except services.RateLimited as exc:
        message = "；".join(exc.messages)
        if request.path.startswith("/api/"):
            return error_response(429, "throttled", message)
        return HttpResponse(f"<!doctype html><meta charset=utf-8><title>上报过于频繁</title><p>{message}</p>",
                            status=429)
    return None


# The /report/ page and the API submission: over MAX_UPLOAD_MB + 1 MB is refused unread and still counts
# toward the hourly limit; an address over its limit is refused before its body is read.
public_upload_limit = body_limit(refused=_count_refused, before_body=_over_rate)


def incident_url(incident) -> str:
    """The incident's page when the incident pages are mounted, else ""."""
    if incident is None:
        return ""
    try:
        return incident.get_absolute_url()
    except NoReverseMatch:
        return ""


# --- The public form (no login) -------------------------------------------------

class PublicReportForm(forms.Form):
    """Parses only; the service checks phone, name, description, location and photo with its own messages, all
    at once (no length limit here: a form error would hide the service's until it is fixed). The browser's
    maxlength still stops typing past the limits."""

    phone = forms.CharField(label="联系电话", required=False, widget=forms.TextInput(attrs={
        "maxlength": 32, "inputmode": "tel", "autocomplete": "tel", "placeholder": "手机号或带区号的固定电话"}))
    name = forms.CharField(label="称呼（可不填）", required=False,
                           widget=forms.TextInput(attrs={"maxlength": 32, "autocomplete": "name", "placeholder": "如：王先生"}))
    description = forms.CharField(label="情况描述", required=False, widget=forms.Textarea(attrs={
        "rows": 5, "maxlength": services.DESCRIPTION_MAX,
        "placeholder": "如：××路口两车相撞，一人受伤，车辆起火冒烟。请尽量写明地点、情况、有无人员被困或受伤。"}))
    longitude = forms.CharField(label="经度", required=False, widget=forms.TextInput(attrs={
        "inputmode": "decimal", "placeholder": "点“使用我的位置”自动填写"}))
    latitude = forms.CharField(label="纬度", required=False, widget=forms.TextInput(attrs={
        "inputmode": "decimal", "placeholder": "点“使用我的位置”自动填写"}))
    address = forms.CharField(label="事发地址", required=False, widget=forms.TextInput(attrs={
        "maxlength": 255, "placeholder": "如：乐至县天池街道××路××号附近"}))
    photo = forms.FileField(label="现场照片（可不传）", required=False, widget=forms.ClearableFileInput(attrs={
        "accept": "image/*"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs["data-max-mb"] = settings.MAX_UPLOAD_MB
        self.fields["photo"].help_text = f"仅限图片（JPEG、PNG 等），不超过 {settings.MAX_UPLOAD_MB} MB。"


@public_upload_limit
class PublicReportView(FormView):
    """/report/: anyone, no login, CSRF on. The rate limit is the service's."""

    template_name = "incidents/public_report.html"
    form_class = PublicReportForm

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "photo"}
        try:
            report = services.submit_public_report(data, form.cleaned_data.get("photo"), client_ip(self.request))
        except services.RateLimited as exc:
            add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        self.request.session["public_report_ref"] = services.reference(report)
        return redirect("incidents:public_report_thanks")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "max_mb": settings.MAX_UPLOAD_MB,
                "per_hour": settings.YINGJI_PUBLIC_REPORTS_PER_HOUR}


class PublicThanksView(TemplateView):
    template_name = "incidents/public_thanks.html"

    def get(self, request, *args, **kwargs):
        ref = request.session.get("public_report_ref")
        if not ref:
            return redirect("incidents:public_report")
        return self.render_to_response(self.get_context_data(reference=ref))


LOCATE_JS = """\
// /report/: fill longitude/latitude from the device (WGS84, as the Geolocation API gives it),
// check the photo size before sending, and keep a slow network from sending the form twice.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  var lon = document.getElementById("id_longitude");
  var lat = document.getElementById("id_latitude");
  function say(text, bad) { status.textContent = text; status.className = bad ? "hint bad" : "hint"; }
  if (button) {
    if (!window.isSecureContext) {
      button.disabled = true;
      say("当前连接不是 HTTPS，浏览器不允许定位，请填写事发地址。", true);
    } else if (!("geolocation" in navigator)) {
      button.disabled = true;
      say("您的浏览器不支持定位，请填写事发地址。", true);
    } else {
      button.addEventListener("click", function () {
        button.disabled = true;
        say("正在定位，请稍候…");
        navigator.geolocation.getCurrentPosition(function (pos) {
          lon.value = pos.coords.longitude.toFixed(6);
          lat.value = pos.coords.latitude.toFixed(6);
          say("已定位，精度约 " + Math.round(pos.coords.accuracy) + " 米。如不在事发现场，请改填地址。");
          button.disabled = false;
        }, function (err) {
          say(err.code === 1 ? "您未允许定位，请填写事发地址。" : "暂时无法定位，请填写事发地址。", true);
          button.disabled = false;
        }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
      });
    }
  }
  var photo = document.getElementById("id_photo");
  var photoStatus = document.getElementById("photo-status");
  if (photo && photoStatus) {
    photo.addEventListener("change", function () {
      var file = photo.files && photo.files[0];
      var max = Number(photo.getAttribute("data-max-mb")) * 1024 * 1024;
      if (file && max && file.size > max) {
        photoStatus.textContent = "照片过大（" + (file.size / 1048576).toFixed(1) + " MB），不能超过 " +
          photo.getAttribute("data-max-mb") + " MB，请重新选择或不传照片。";
        photo.value = "";
      } else if (file && file.type && file.type.indexOf("image/") !== 0) {
        photoStatus.textContent = "只能上传图片。";
        photo.value = "";
      } else {
        photoStatus.textContent = "";
      }
    });
  }
  var form = document.getElementById("public-report");
  if (form) {
    form.addEventListener("submit", function () {
      var submit = form.querySelector("button[type=submit]");
      window.setTimeout(function () { submit.disabled = true; submit.textContent = "正在提交…"; }, 0);
    });
  }
})();
"""


def locate_js(request):
    """The page's one script, served by the app (CSP allows only 'self' scripts; no inline, no CDN)."""
    response = HttpResponse(LOCATE_JS, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- The duty inbox ---------------------------------------------------------------

class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return "\u3000" * max(region.path.count("/") - 2, 0) + region.name


class VerifyForm(forms.Form):
    title = forms.CharField(label="事件名称", max_length=128, required=False)
    event_code = forms.ChoiceField(label="事件类型", required=False, choices=(), widget=EventTypeSelect)
    region = RegionChoiceField(label="发生地区划", queryset=Region.objects.none(), required=False,
                               empty_label="按定位判定",
                               help_text="有定位时按定位判定乡镇；没有定位时须选择。")
    occurred_at = forms.DateTimeField(label="发生时间", required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), help_text="不填则按上报时间。")
    address = forms.CharField(label="地址", max_length=255, required=False)
    longitude = forms.FloatField(label="经度", required=False)
    latitude = forms.FloatField(label="纬度", required=False)
    description = forms.CharField(label="事件描述", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_code"].choices = event_choices()
        self.fields["region"].queryset = scope(Region.objects.all(), user).order_by("path")

    def service_data(self) -> dict:
        """No region chosen: the service locates by the point or keeps the report's region; no time: the report's."""
        return {k: v for k, v in self.cleaned_data.items() if v is not None or k not in ("region", "occurred_at")}


class MergeForm(forms.Form):
    merge_into = forms.ModelChoiceField(label="并入事件", queryset=Incident.objects.none(), required=False,
                                        empty_label="请选择正在处置的事件")
    note = forms.CharField(label="说明", max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merge_into"].queryset = open_incidents(user)


class RejectForm(forms.Form):
    reason = forms.CharField(label="驳回原因", max_length=255, required=False, widget=forms.TextInput(
        attrs={"placeholder": "如：经电话回拨核实，情况不属实"}))


def open_incidents(user):
    """Incidents a report may be merged into: open, not merged, in the user's scope; newest first."""
    return (scope(Incident.objects.filter(status__in=Incident.ACTIVE_STATUSES, merged_into__isnull=True), user)
            .select_related("region").order_by("-reported_at"))


class InboxMixin(ScopedMixin):
    model = PublicReport

    def get_queryset(self):
        return services.inbox(self.request.user)


STATUS_FILTERS = [("pending", "待核实"), ("verified", "已核实立案"), ("merged", "已并入事件"), ("rejected", "已驳回"),
                  ("all", "全部")]


class InboxView(InboxMixin, ListView):
    template_name = "incidents/public_inbox.html"
    paginate_by = 50

    def status(self) -> str:
        value = self.request.GET.get("status", "pending")
        return value if value in dict(STATUS_FILTERS) else "pending"

    def get_queryset(self):
        reports = super().get_queryset()
        return reports if self.status() == "all" else reports.filter(status=self.status())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(services.inbox(self.request.user).order_by().values_list("status").annotate(n=Count("id")))
        context.update(
            title="公众上报",
            current=self.status(),
            tabs=[(value, label, sum(counts.values()) if value == "all" else counts.get(value, 0))
                  for value, label in STATUS_FILTERS],
            rows=[(r, services.reference(r)) for r in context["object_list"]],
            query_without_page=f"status={self.status()}",
        )
        return context


class InboxDetailView(InboxMixin, DetailView):
    template_name = "incidents/public_detail.html"
    context_object_name = "report"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        if "verify_form" not in kwargs:
            context["verify_form"] = VerifyForm(user=user, initial=self.initial(report))
        context.setdefault("merge_form", MergeForm(user=user))
        context.setdefault("reject_form", RejectForm())
        context.update(
            title=f"公众上报 {services.reference(report)}",
            reference=services.reference(report),
            incident_url=incident_url(report.incident),
            can_handle=report.status == PublicReport.PENDING and user.has_perm("incidents.change_publicreport"),
            can_open=user.has_perm("incidents.add_incident"),
            unlocated_note=report.region_id is None,
        )
        return context

    @staticmethod
    def initial(report: PublicReport) -> dict:
        gist = " ".join(report.description.split())
        gist = gist[:30] + ("…" if len(gist) > 30 else "")
        place = report.region.name if report.region and report.region.name not in gist else ""
        return {
            "title": f"{place}{'：' if place else ''}{gist}",
            "region": report.region_id,
            "address": report.address,
            "longitude": report.longitude,
            "latitude": report.latitude,
            "description": report.description,
        }


class InboxActionView(InboxMixin, View):
    """POST one of the detail page's forms; a refusal re-renders the page with the form's errors."""

    http_method_names = ["post"]
    form_name = ""

    def get_permission_required(self):
        return ["incidents.change_publicreport"]

    def make_form(self, data, user):
        raise NotImplementedError

    def act(self, report, form) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        report = get_object_or_404(self.get_queryset(), pk=pk)
        form = self.make_form(request.POST, request.user)
        if form.is_valid():
            try:
                message = self.act(report, form)
            except ValidationError as exc:
                if report.status != PublicReport.PENDING or "status" in getattr(exc, "error_dict", {}):
                    # Handled meanwhile (by someone else, or a second click): the forms are gone, say it above.
                    messages.error(request, "；".join(exc.messages))
                    return redirect("incidents:public_inbox_detail", pk=report.pk)
                add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "您没有执行此操作的权限。")
            else:
                messages.success(request, message)
                return redirect("incidents:public_inbox_detail", pk=report.pk)
        view = InboxDetailView()
        view.setup(request, pk=pk)
        view.object = report
        context = view.get_context_data(**{self.form_name: form, "active_form": self.form_name})
        return view.render_to_response(context)


class VerifyView(InboxActionView):
    form_name = "verify_form"

    def make_form(self, data, user):
        return VerifyForm(data, user=user)

    def act(self, report, form):
        incident = services.verify_public_report(self.request.user, report, form.service_data())
        return f"已核实立案：{incident.number} {incident.title}（接报值班员：{incident.duty_officer or '系统'}）。"


class MergeView(InboxActionView):
    form_name = "merge_form"

    def make_form(self, data, user):
        return MergeForm(data, user=user)

    def act(self, report, form):
        if form.cleaned_data["merge_into"] is None:
            raise ValidationError({"merge_into": ["请选择要并入的事件。"]})
        incident = services.verify_public_report(self.request.user, report, {
            "merge_into": form.cleaned_data["merge_into"], "note": form.cleaned_data["note"]})
        return f"已并入事件 {incident.number} {incident.title}，并记入其时间线。"


class RejectView(InboxActionView):
    form_name = "reject_form"

    def make_form(self, data, user):
        return RejectForm(data)

    def act(self, report, form):
        services.reject_public_report(self.request.user, report, form.cleaned_data["reason"])
        return "已驳回该上报。"


class PhotoView(InboxMixin, View):
    """The report's photo, for those who may see the report: uploads are never a public folder."""

    def get(self, request, pk):
        report = get_object_or_404(self.get_queryset(), pk=pk)
        if not report.photo:
            raise Http404("该上报没有照片。")
        # Inline only when the stored bytes verify as an image; anything else is a plain download.
        response = file_response(request, report.photo, about=report, inline_images=True)
        response["Cache-Control"] = "private, max-age=600"
        return response


urlpatterns = [
    path("report/", PublicReportView.as_view(), name="public_report"),
    path("report/thanks/", never_cache(PublicThanksView.as_view()), name="public_report_thanks"),
    path("report/report.js", locate_js, name="public_report_js"),
    path("incidents/inbox/", InboxView.as_view(), name="public_inbox"),
    path("incidents/inbox/<int:pk>/", InboxDetailView.as_view(), name="public_inbox_detail"),
    path("incidents/inbox/<int:pk>/verify/", VerifyView.as_view(), name="public_verify"),
    path("incidents/inbox/<int:pk>/merge/", MergeView.as_view(), name="public_merge"),
    path("incidents/inbox/<int:pk>/reject/", RejectView.as_view(), name="public_reject"),
    path("incidents/inbox/<int:pk>/photo/", PhotoView.as_view(), name="public_photo"),
]
