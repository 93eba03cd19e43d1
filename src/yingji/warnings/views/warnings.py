"""Staff pages of warnings: the list (state, level, event, time; colour chips), a warning's page (the chain
Alert → Update → Cancel, the area on a map, the targeting results, deliveries per channel with live progress,
history, and the steps the user may take), its CAP XML, the progress JSON and the one-map layer.

Every state change goes through services/lifecycle.py (views never write a model); what a user may do is
asked of the service (`allowed_actions`), so the buttons and the service agree."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import DetailView

from yingji.core.generic import ObjectActionView, ObjectListView, ScopedMixin
from yingji.core.layers import allow_tiles, map_extent, tile_settings
from yingji.core.scoping import scope
from yingji.standards import event_codes

from ..filtersets import WarningFilterSet
from ..models import Delivery, Warning, WarningCoverage, WarningEvent
from .common import (
    current,
    geometry_of,
    level_choices,
    level_info,
    local_time,
    warning_features,
    with_areas,
)

CHANNEL_LABELS = dict(Delivery.CHANNEL_CHOICES)
PROGRESS_SECONDS = 3
ACTION_LABELS = {"edit": "编辑", "submit": "提交审核", "review": "审核通过", "reject": "退回", "publish": "签发发布",
                 "update": "发布更新", "cancel": "解除预警"}
PERIODS = [("24h", "近 24 小时", 1), ("7d", "近 7 天", 7), ("30d", "近 30 天", 30), ("365d", "近一年", 365)]


def lifecycle():
    from ..services import lifecycle as module

    return module


STEPS = ("edit", "submit", "review", "publish", "update", "cancel")


def allowed_actions(user, warning) -> set[str]:
    """The steps `user` may take on `warning` now, as the service decides them (lifecycle.may); 退回 goes with 审核."""
    may = lifecycle().may
    found = {step for step in STEPS if may(user, step, warning)}
    return found | ({"reject"} if "review" in found else set())


def event_name(code: str) -> str:
    item = event_codes.table().get(code or "")
    return item.name if item else ""


# --- List ----------------------------------------------------------------------------------------------------

class WarningListView(ObjectListView):
    model = Warning
    title = "预警信息"
    template_name = "warnings/warning_list.html"
    search_fields = ["headline", "identifier", "event"]
    columns = [("headline", "标题"), ("level", "级别"), ("event", "事件类型"), ("state", "状态"), ("msg_type", "消息类型"),
               ("sent", "发布时间"), ("expires", "失效时间"), ("people_reached", "覆盖人数"), ("region.name", "发布区划")]
    orderings = {"sent": ("-sent", "发布时间"), "level": ("level", "级别"), "created": ("-created_at", "拟稿时间")}
    add_url_name = "warnings:warning_add"

    filterset_class = WarningFilterSet

    @property
    def filters(self):
        codes = (scope(Warning.objects.all(), self.request.user).order_by().values_list("event_code", flat=True)
                 .distinct())
        events = sorted({(c, f"{c} {event_name(c)}".strip()) for c in codes if c})
        return [("state", "状态", Warning.STATE_CHOICES), ("level", "级别", level_choices()),
                ("event_code", "事件类型", events), ("source", "来源", Warning.SOURCE_CHOICES),
                ("period", "时间", [(key, label) for key, label, _ in PERIODS])]

    def base_queryset(self):
        return Warning.objects.select_related("region", "references")

    def get_queryset(self):
        queryset = super().get_queryset()
        days = {key: n for key, _, n in PERIODS}.get(self.request.GET.get("period", ""))
        if days:
            since = timezone.now() - timezone.timedelta(days=days)
            queryset = queryset.filter(Q(sent__gte=since) | Q(sent=None, created_at__gte=since))
        return queryset

    def summary(self, queryset):
        in_force = current(queryset).count()
        pending = queryset.filter(state__in=(Warning.SUBMITTED, Warning.REVIEWED)).count()
        return f"生效中 {in_force} 条，待审核或待签发 {pending} 条。"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = [{"warning": w, "level": level_info(w.level), "event": w.event or event_name(w.event_code)}
                            for w in context["object_list"]]
        user = self.request.user
        context["import_cap_url"] = reverse("warnings:cap_import") if user.has_perm("warnings.add_warning") else ""
        return context


# --- A warning's page -------------------------------------------------------------------------------------------

def delivery_counts(warning) -> tuple[list[dict], bool]:
    """Per channel: queued (with sending), sent, delivered, failed and total, from the delivery service's one
    GROUP BY; and whether a send is still running (anything queued or sending)."""
    from ..services.delivery import progress

    ordered = []
    counts = progress(warning)
    for channel in [*Delivery.CHANNELS, *sorted(set(counts) - set(Delivery.CHANNELS))]:
        if channel not in counts:
            continue
        states = counts[channel]
        row = {"channel": channel, "label": CHANNEL_LABELS.get(channel, channel),
               "queued": states.get(Delivery.QUEUED, 0) + states.get(Delivery.SENDING, 0),
               "sent": states.get(Delivery.SENT, 0), "delivered": states.get(Delivery.DELIVERED, 0),
               "failed": states.get(Delivery.FAILED, 0), "total": sum(states.values())}
        total = row["total"] or 1
        row["pct"] = {k: round(100 * row[k] / total, 1) for k in ("queued", "sent", "delivered", "failed")}
        ordered.append(row)
    return ordered, any(r["queued"] for r in ordered)


def chain_of(warning, user) -> list[Warning]:
    """Every message of the warning (the first Alert, its Updates, the Cancel) the user may read, oldest first."""
    messages_ = scope(Warning.objects.filter(chain=warning.chain), user).select_related("references")
    return sorted(messages_, key=lambda w: (w.sent or w.created_at, w.pk))


def _staff_properties(warning, area) -> dict:
    info = level_info(warning.level)
    return {"title": warning.headline, "colour": info["hex"], "url": warning.get_absolute_url(),
            "lines": [["级别", info["label"]], ["区域", area.area_desc], ["覆盖人数", warning.people_reached]]}


def map_config(user, warnings, home=None) -> dict:
    context = []
    if home is not None:
        geometry = geometry_of(home.boundary)
        if geometry is not None:
            context.append({"type": "Feature", "geometry": geometry, "properties": {"name": home.name}})
    return {"tiles": tile_settings(), "extent": map_extent(user), "context_labels": False,
            "context": {"type": "FeatureCollection", "features": context},
            "areas": {"type": "FeatureCollection", "features": warning_features(warnings, _staff_properties)}}


class WarningDetailView(ScopedMixin, DetailView):
    model = Warning
    template_name = "warnings/warning_detail.html"

    def get_queryset(self):
        return with_areas(super().get_queryset().select_related("region", "references", "drafted_by",
                                                                "reviewed_by", "signed_by", "template"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warning, user = self.object, self.request.user
        deliveries, running = delivery_counts(warning)
        from ..services.delivery import report_counts

        coverage = list(WarningCoverage.objects.filter(warning=warning).select_related("township")
                        .order_by("township__code", "township__name"))
        from ..services.targeting import PLACE_LABELS

        places = [(PLACE_LABELS.get(kind, kind), n) for kind, n in sorted((warning.places_reached or {}).items())
                  if isinstance(n, int)]
        villages = sorted({r.name for area in warning.areas.all() for r in area.regions.all() if r.level == "village"})
        actions = allowed_actions(user, warning)
        failed = (Delivery.objects.filter(warning=warning, state=Delivery.FAILED)
                  .select_related("recipient", "terminal").order_by("-id")[:20])
        context.update(
            title=warning.headline, level=level_info(warning.level),
            channel_names=[CHANNEL_LABELS.get(c, c) for c in warning.channels or []],
            event_label=warning.event or event_name(warning.event_code),
            chain=chain_of(warning, user), deliveries=deliveries, running=running, failed=failed,
            receipts=report_counts(warning),
            progress_seconds=PROGRESS_SECONDS, coverage=coverage, places=places, villages=villages,
            coverage_ratio=(warning.people_reached / warning.people_total) if warning.people_total else None,
            events=WarningEvent.objects.filter(warning=warning).select_related("actor").order_by("at", "id"),
            actions=actions, action_labels=ACTION_LABELS, reject_form=ReasonForm(), cancel_form=ReasonForm(),
            map_config=map_config(user, [warning], warning.region),
        )
        context["followers"] = [w for w in context["chain"] if w.references_id == warning.pk]
        return context

    def render_to_response(self, context, **kwargs):
        return allow_tiles(super().render_to_response(context, **kwargs), context["map_config"]["tiles"]["url"])


class WarningProgressView(ScopedMixin, DetailView):
    """GET …/progress.json: the delivery counts per channel, for progress.js while a send runs."""

    model = Warning

    def get(self, request, *args, **kwargs):
        warning = self.get_object()
        channels, running = delivery_counts(warning)
        return JsonResponse({"running": running, "channels": channels,
                             "people_reached": warning.people_reached})


def preview_cap(warning) -> str:
    """The frozen XML of a published message; for one not yet published, the message as it would go out (from
    the CAP service, when it can build one), else ""."""
    if warning.cap_xml:
        return warning.cap_xml
    try:
        from ..services import cap as cap_service
    except ImportError:
        return ""
    build = getattr(cap_service, "preview_xml", None)
    if build is None:
        return ""
    try:
        return build(warning)
    except (ValidationError, ValueError):
        return ""


class WarningCapView(ScopedMixin, DetailView):
    """The CAP 1.2 XML of a message, shown (…/cap/) or downloaded (…/cap.xml)."""

    model = Warning
    template_name = "warnings/warning_cap.html"
    download = False

    def get(self, request, *args, **kwargs):
        self.object = warning = self.get_object()
        xml = preview_cap(warning)
        if self.download:
            if not xml:
                messages.error(request, "该预警尚未生成 CAP 报文（签发发布时生成）。")
                return redirect(warning.get_absolute_url())
            name = warning.identifier or f"draft-{warning.pk}"
            response = HttpResponse(xml, content_type="application/cap+xml; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.xml"'
            from yingji.core import audit

            record = getattr(audit, "record_download", None)
            if record is not None:
                record(request.user, warning, f"{name}.xml")
            return response
        return self.render_to_response(self.get_context_data(xml=xml, frozen=bool(warning.cap_xml),
                                                             title=f"CAP 报文 · {warning.headline}",
                                                             level=level_info(warning.level)))


# --- Steps ------------------------------------------------------------------------------------------------------

class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "原因或说明"}))


class WarningStepView(ObjectActionView):
    """POST …/<step>/: one step of the life cycle, through the service; the service checks who may take it."""

    model = Warning
    form_class = ReasonForm
    step = ""
    scope_for_write = False  # the service decides (a township may not sign; the county signs its own)

    def get_permission_required(self):
        return ["warnings.view_warning"]

    def form_valid(self, form):
        warning = self.get_object()
        reason = form.cleaned_data.get("reason", "")
        if self.step in ("reject", "cancel") and not reason.strip():
            messages.error(self.request, f"{ACTION_LABELS[self.step]}：请填写原因。")
            return redirect(warning.get_absolute_url())
        try:
            result = self.run(warning, reason)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(self.request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect(warning.get_absolute_url())
        target = result if isinstance(result, Warning) else warning
        messages.success(self.request, self.success(target))
        if self.step == "update" and target.pk != warning.pk:
            return redirect("warnings:warning_edit", pk=target.pk)
        return redirect(target.get_absolute_url())

    def run(self, warning, reason):
        service = lifecycle()
        actor = self.request.user
        if self.step == "submit":
            return service.submit(actor, warning)
        if self.step == "review":
            return service.review(actor, warning)
        if self.step == "reject":
            return service.reject(actor, warning, reason)
        if self.step == "publish":
            return service.publish(actor, warning)
        if self.step == "update":
            return service.draft_followup(actor, warning, Warning.UPDATE)
        if self.step == "cancel":
            return service.cancel(actor, warning, reason)
        raise PermissionDenied("未知操作。")

    def success(self, warning) -> str:
        return {"submit": "已提交审核。", "review": "已审核通过，待签发。", "reject": "已退回拟稿人。",
                "publish": f"已签发发布：{warning.identifier or ''}。", "update": "已生成更新稿，请修改后提交。",
                "cancel": "已发布解除信息。"}[self.step]


def step_view(step: str):
    return type(f"Warning{step.title()}View", (WarningStepView,), {"step": step}).as_view()


# --- One-map layer ----------------------------------------------------------------------------------------------

class WarningLayerView(ScopedMixin, DetailView):
    """GeoJSON of the warnings in force in the user's scope: their areas in their colour, with the people reached
    (maplayers.py). ?bbox= is accepted and ignored: a county has a handful of warnings in force."""

    model = Warning

    def get(self, request, *args, **kwargs):
        warnings = list(with_areas(current(self.get_queryset())))

        def properties(warning, area):
            info = level_info(warning.level)
            return {"name": warning.headline, "level_colour": info["key"], "level_label": info["label"],
                    "area_desc": area.area_desc, "people_reached": warning.people_reached,
                    "expires": local_time(warning.expires) or "至解除", "url": warning.get_absolute_url()}

        # The one-map draws areas only: a township without an outline is a 1.5 km ring round its centre.
        features = warning_features(warnings, properties, circles_as_points=False, dot_km=1.5)
        return JsonResponse({"type": "FeatureCollection", "features": features, "total": len(warnings),
                             "truncated": False})


urlpatterns = [
    path("warnings/", WarningListView.as_view(), name="warning_list"),
    path("warnings/layer/", WarningLayerView.as_view(), name="warning_layer"),
    path("warnings/<int:pk>/", WarningDetailView.as_view(), name="warning_detail"),
    path("warnings/<int:pk>/progress.json", WarningProgressView.as_view(), name="warning_progress"),
    path("warnings/<int:pk>/cap/", WarningCapView.as_view(), name="warning_cap"),
    path("warnings/<int:pk>/cap.xml", WarningCapView.as_view(download=True), name="warning_cap_download"),
    *(path(f"warnings/<int:pk>/{step}/", step_view(step), name=f"warning_{step}")
      for step in ("submit", "review", "reject", "publish", "update", "cancel")),
]
