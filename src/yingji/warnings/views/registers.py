"""Registers behind the warnings: the recipients (预警接收人: list, page, Excel import and export through the core
sheet registry), the village loudspeaker terminals (应急广播终端) with their last acknowledgement, and the import
of external CAP messages (a provincial feed, a file), refused with the reason when the message fails the XSD or
its signature."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import DetailView, FormView

from yingji.core.generic import ObjectExportView, ObjectListView, ScopedMixin
from yingji.core.models import Region
from yingji.core.scoping import scope

from ..filtersets import RecipientFilterSet, TerminalFilterSet
from ..models import Delivery, LoudspeakerTerminal, Recipient, Warning
from .common import level_info

RECIPIENT_SHEET = "recipients"  # sheets.py
TERMINAL_SHEET = "loudspeakers"
MAX_CAP_BYTES = 2 * 1024 * 1024


def _townships(user):
    regions = scope(Region.objects.filter(level__in=("county", "township")), user).order_by("path")
    return [(str(r.pk), r.name) for r in regions]


# --- Recipients --------------------------------------------------------------------------------------------------

class RecipientListView(ObjectListView):
    model = Recipient
    title = "预警接收人"
    search_fields = ["name", "phone", "email"]
    columns = [("name", "姓名"), ("kind", "类别"), ("phone", "手机号"), ("email", "电子邮箱"), ("region.name", "所在村（社区）/乡镇"),
               ("longitude", "经度"), ("latitude", "纬度"), ("is_active", "启用")]
    orderings = {"name": "name", "region": ("region__path", "所在区划")}

    filterset_class = RecipientFilterSet

    sheet = RECIPIENT_SHEET

    export_url_name = "warnings:recipient_export"  # read from the class by the route battery

    @property
    def filters(self):
        return [("kind", "类别", Recipient.KIND_CHOICES), ("region", "区划", _townships(self.request.user)),
                ("is_active", "启用状态", [("true", "启用"), ("false", "停用")])]

    def base_queryset(self):
        return Recipient.objects.select_related("region")

    def summary(self, queryset):
        counts = queryset.aggregate(n=Count("pk"), phones=Count("pk", filter=~Q(phone="")),
                                    placed=Count("pk", filter=Q(longitude__isnull=False)))
        return f"共 {counts['n']} 人，有手机号 {counts['phones']} 人，有位置 {counts['placed']} 人（其余按所在村定位）。"


class RecipientExportView(ObjectExportView, RecipientListView):
    pass


class RecipientDetailView(ScopedMixin, DetailView):
    model = Recipient
    template_name = "warnings/recipient_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deliveries = (scope(Delivery.objects.filter(recipient=self.object), self.request.user)
                      .select_related("warning").order_by("-id")[:30])
        context.update(title=self.object.name, deliveries=deliveries)
        return context


# --- Loudspeaker terminals -----------------------------------------------------------------------------------------

class TerminalListView(ObjectListView):
    model = LoudspeakerTerminal
    title = "应急广播终端"
    search_fields = ["code", "name"]
    columns = [("code", "终端编号"), ("name", "名称"), ("region.name", "所在村（社区）"), ("n_deliveries", "播发次数"),
               ("last_ack_at", "最近应答"), ("is_active", "启用")]
    orderings = {"code": "code", "ack": ("-last_ack_at", "最近应答")}
    filterset_class = TerminalFilterSet

    sheet = TERMINAL_SHEET

    export_url_name = "warnings:terminal_export"  # read from the class by the route battery

    @property
    def filters(self):
        return [("region", "区划", _townships(self.request.user)),
                ("is_active", "启用状态", [("true", "启用"), ("false", "停用")])]

    def base_queryset(self):
        return LoudspeakerTerminal.objects.select_related("region").annotate(n_deliveries=Count("deliveries"))

    def summary(self, queryset):
        counts = queryset.aggregate(n=Count("pk", distinct=True), active=Count("pk", filter=Q(is_active=True), distinct=True),
                                    acked=Count("pk", filter=Q(last_ack_at__isnull=False), distinct=True))
        return f"共 {counts['n']} 台，启用 {counts['active']} 台，曾应答 {counts['acked']} 台。"


class TerminalExportView(ObjectExportView, TerminalListView):
    pass


class TerminalDetailView(ScopedMixin, DetailView):
    model = LoudspeakerTerminal
    template_name = "warnings/terminal_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deliveries = (scope(Delivery.objects.filter(terminal=self.object), self.request.user)
                      .select_related("warning").order_by("-id")[:30])
        context.update(title=f"{self.object.code} {self.object.name}", deliveries=deliveries,
                       last=deliveries[0] if deliveries else None)
        return context


# --- External CAP import -------------------------------------------------------------------------------------------

class CapImportForm(forms.Form):
    file = forms.FileField(label="CAP 文件（XML）", required=False,
                           help_text="CAP 1.2 报文（.xml，≤ 2 MB），如省级平台下发的预警、OASIS 示例。")
    text = forms.CharField(label="或粘贴 XML", required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload is None and not text:
            raise ValidationError("请上传 CAP 文件或粘贴 XML。")
        if upload is not None:
            if upload.size > MAX_CAP_BYTES:
                raise ValidationError({"file": f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限 2 MB。"})
            data["content"] = upload.read()
            data["filename"] = upload.name
        else:
            data["content"] = text.encode("utf-8")
            data["filename"] = "粘贴的 XML"
        return data


def import_service():
    from ..services import imports

    return imports.import_cap


class CapImportView(ScopedMixin, FormView):
    """/warnings/import/: upload or paste a CAP message; it is stored read-only beside ours, or refused with the
    reason (schema, signature, area) and nothing written."""

    model = Warning
    form_class = CapImportForm
    template_name = "warnings/cap_import.html"

    def get_permission_required(self):
        return ["warnings.add_warning"]

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            warning = import_service()(self.request.user, data["content"])
        except ValidationError as exc:
            reasons = exc.messages  # each names the element or the field and the reason
            return self.render_to_response(self.get_context_data(form=form, refused=reasons,
                                                                 filename=data["filename"]), status=400)
        except PermissionDenied as exc:
            return self.render_to_response(self.get_context_data(form=form, refused=[str(exc)],
                                                                 filename=data["filename"]), status=403)
        messages.success(self.request, f"已导入外部预警“{warning.headline}”（{warning.identifier}）。")
        return redirect(warning.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        imported = (scope(Warning.objects.filter(source=Warning.IMPORTED), self.request.user)
                    .order_by("-created_at", "-id")[:20])
        context.update(title="导入外部 CAP 预警", imported=[(w, level_info(w.level)) for w in imported])
        return context


urlpatterns = [
    path("warnings/recipients/", RecipientListView.as_view(), name="recipient_list"),
    path("warnings/recipients/export.xlsx", RecipientExportView.as_view(), name="recipient_export"),
    path("warnings/recipients/<int:pk>/", RecipientDetailView.as_view(), name="recipient_detail"),
    path("warnings/terminals/", TerminalListView.as_view(), name="terminal_list"),
    path("warnings/terminals/export.xlsx", TerminalExportView.as_view(), name="terminal_export"),
    path("warnings/terminals/<int:pk>/", TerminalDetailView.as_view(), name="terminal_detail"),
    path("warnings/import/", CapImportView.as_view(), name="cap_import"),
]

