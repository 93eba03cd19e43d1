"""Monitoring pages: the registry — sensors (list, page with its history chart, form), gateways (with their
rejections and a token issued once), rules per kind and per-sensor overrides, and the monitoring pages of an
enterprise and of a region. Every page starts from the user's scope (core.generic)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import DetailView, TemplateView

from yingji.core.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    delete_view,
)
from yingji.core.models import Region
from yingji.core.scoping import scope
from yingji.safety.models import Enterprise, is_enterprise_account

from .. import filtersets, kinds
from ..api.registry import STATUS_COLOURS, effective_rules, thresholds
from ..forms import GatewayForm, OverrideForm, RuleForm, SensorForm, TokenForm
from ..models import Alarm, Gateway, IngestRejection, Rule, Sensor
from ..services import sensors as services

STATUS_ORDER = [Sensor.ALARM2, Sensor.ALARM1, Sensor.OFFLINE, Sensor.NEVER, Sensor.NORMAL]
STATUS_LABELS = dict(Sensor.STATUS_CHOICES)


def status_counts(sensors) -> list[dict]:
    """[{status, label, count, colour}] in the order a duty officer reads them (二级 first), one GROUP BY."""
    counts = dict(sensors.order_by().values_list("status").annotate(n=Count("pk")))
    return [{"status": s, "label": STATUS_LABELS[s], "count": counts.get(s, 0), "colour": STATUS_COLOURS[s]}
            for s in STATUS_ORDER]


# --- Sensors -------------------------------------------------------------------------------------------------

class SensorListView(ObjectListView):
    model = Sensor
    title = "监测点"
    template_name = "monitoring/sensor_list.html"
    search_fields = ["code", "name", "address"]
    filterset_class = filtersets.SensorFilterSet
    # No generic `columns`: sensor_list.html draws its own table from `objects`, so the base's per-row cells would
    # be computed for nothing. Indexed orders only: page 1 of 100,000 sensors is an index walk (code unique,
    # status indexed), not a sort.
    orderings = {"code": ("code", "编码"), "status": ("-status", "状态")}
    add_url_name = "monitoring:sensor_add"
    export_url_name = "monitoring:sensor_export"
    sheet = "sensors"

    @property
    def filters(self):
        user = self.request.user
        regions = scope(Region.objects.filter(level__in=("county", "township")), user).order_by("path")
        enterprises = scope(Enterprise.objects.filter(sensors__isnull=False), user).distinct().order_by("name")
        return [("kind", "监测类型", kinds.choices()), ("status", "状态", Sensor.STATUS_CHOICES),
                ("region", "区划", [(str(r.pk), r.name) for r in regions]),
                ("enterprise", "企业", [(str(e.pk), e.name) for e in enterprises])]

    def base_queryset(self):
        return Sensor.objects.select_related("region", "enterprise")

    def summary(self, queryset):
        parts = [f"{c['label']} {c['count']}" for c in status_counts(queryset) if c["count"]]
        return "，".join(parts) + "。" if parts else ""


class SensorExportView(ObjectExportView, SensorListView):
    pass


class SensorDetailView(ScopedMixin, DetailView):
    model = Sensor
    template_name = "monitoring/sensor_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region", "enterprise__region", "hazard_unit", "hydrant",
                                                     "watched_region", "gateway")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sensor, user = self.object, self.request.user
        rules = effective_rules(sensor)
        alarms = scope(Alarm.objects.filter(sensor=sensor, active=True).select_related("rule"), user)
        context.update(
            rules=rules, thresholds=thresholds(rules), active_alarms=list(alarms),
            status_colour=STATUS_COLOURS[sensor.status], kind=sensor.kind_info,
            series_url=reverse("sensor-series", args=[sensor.pk]),
            may_edit_rules=user.has_perm("monitoring.add_rule") and user.has_perm("monitoring.change_rule"),
        )
        return context


class SensorFormView(ObjectFormView):
    model = Sensor
    form_class = SensorForm
    service = staticmethod(services.save_sensor)
    success_url_name = "monitoring:sensor_detail"

    def get_initial(self):
        initial = super().get_initial()
        for name in ("enterprise", "gateway", "hazard_unit"):
            value = self.request.GET.get(name, "")
            if value.isascii() and value.isdigit() and len(value) < 10:
                initial[name] = int(value)
        return initial


SensorDeleteView = delete_view(Sensor, services.delete_sensor, "monitoring:sensor_list")


# --- Gateways ------------------------------------------------------------------------------------------------

class GatewayListView(ObjectListView):
    model = Gateway
    title = "采集网关"
    search_fields = ["code", "name"]
    filterset_class = filtersets.GatewayFilterSet
    filters = [("is_active", "启用状态", [("true", "启用"), ("false", "停用")])]
    columns = [("code", "网关编号"), ("name", "名称"), ("enterprise.name", "所属企业"), ("region.name", "所属区划"),
               ("n_sensors", "监测点"), ("accepted_count", "接收读数"), ("rejected_count", "拒收读数"),
               ("last_seen_at", "最近上报"), ("is_active", "启用")]
    orderings = {"code": "code", "rejected": ("-rejected_count", "拒收读数"), "seen": ("-last_seen_at", "最近上报")}
    add_url_name = "monitoring:gateway_add"

    def base_queryset(self):
        return Gateway.objects.select_related("region", "enterprise").annotate(n_sensors=Count("sensors"))


class GatewayDetailView(ScopedMixin, DetailView):
    model = Gateway
    template_name = "monitoring/gateway_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        gateway, user = self.object, self.request.user
        sensors = scope(gateway.sensors.select_related("region"), user)
        context.update(
            sensors=sensors[:200], sensor_count=sensors.count(), statuses=status_counts(sensors),
            rejections=IngestRejection.objects.filter(gateway=gateway).order_by("-received_at", "-id")[:20],
            may_issue=user.has_perm("monitoring.change_gateway"),
        )
        return context


class GatewayFormView(ObjectFormView):
    model = Gateway
    form_class = GatewayForm
    service = staticmethod(services.save_gateway)
    success_url_name = "monitoring:gateway_detail"


GatewayDeleteView = delete_view(Gateway, services.delete_gateway, "monitoring:gateway_list")


class GatewayTokenView(ObjectActionView):
    """签发新令牌: H1's services/gateways.issue_token; the token is shown on the answer page once, never stored
    in a message or the session."""

    model = Gateway
    form_class = TokenForm
    permission = "monitoring.change_gateway"
    template_name = "monitoring/gateway_token.html"

    def form_valid(self, form):
        from ..services import gateways

        gateway = self.get_object()
        try:
            token = gateways.issue_token(self.request.user, gateway)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(self.request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect(gateway.get_absolute_url())
        gateway.refresh_from_db()
        response = self.render_to_response({"object": gateway, "token": token, "title": "网关令牌"})
        response["Cache-Control"] = "no-store"
        return response


# --- Rules -------------------------------------------------------------------------------------------------

class RuleListView(ObjectListView):
    model = Rule
    title = "报警规则"
    search_fields = ["name", "sensor__code"]
    filterset_class = filtersets.RuleFilterSet
    filters = [("kind", "监测类型", kinds.choices()), ("rule_type", "规则类型", Rule.TYPE_CHOICES),
               ("override", "范围", [("false", "按类型（区划）"), ("true", "单点覆盖")])]
    columns = [("name", "规则名称"), ("kind", "监测类型"), ("rule_type", "规则类型"), ("region.name", "适用区划"),
               ("sensor.code", "单点覆盖"), ("level1", "一级报警值"), ("level2", "二级报警值"), ("deadband", "回差"),
               ("hold_s", "持续时间（s）"), ("event", "事件"), ("enabled", "启用")]
    add_url_name = "monitoring:rule_add"

    def base_queryset(self):
        return Rule.objects.select_related("region", "sensor")


def _save_rule(actor, rule, data):
    from ..services import rules

    return rules.save_rule(actor, rule, data)


def _delete_rule(actor, rule):
    from ..services import rules

    remove = getattr(rules, "delete_rule", None)
    if remove is None:
        from yingji.core.services import delete_scoped

        return delete_scoped(actor, rule)
    return remove(actor, rule)


class RuleFormView(ObjectFormView):
    model = Rule
    form_class = RuleForm
    service = staticmethod(_save_rule)
    template_name = "monitoring/rule_form.html"

    def get_form_class(self):
        obj = self.get_object()
        return OverrideForm if obj.pk and obj.sensor_id else RuleForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context["form"].instance
        if obj.sensor_id:
            context.update(title=f"编辑单点覆盖规则（{obj.sensor.code}）", sensor=obj.sensor,
                           cancel_url=obj.sensor.get_absolute_url())
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.instance.pk and form.instance.sensor_id and response.status_code == 302:
            return redirect(form.instance.sensor.get_absolute_url())
        if response.status_code == 302 and form.instance.pk:
            return redirect("monitoring:rule_list")
        return response


class OverrideFormView(RuleFormView):
    """A per-sensor override, added from the sensor's page: its kind and region are the sensor's."""

    form_class = OverrideForm

    def get_permission_required(self):
        return ["monitoring.add_rule"]

    def sensor(self):
        if not hasattr(self, "_sensor"):
            self._sensor = get_object_or_404(scope(Sensor.objects.select_related("region"), self.request.user,
                                                   for_write=True), pk=self.kwargs["sensor"])
        return self._sensor

    def get_object(self):
        sensor = self.sensor()
        return Rule(sensor=sensor, kind=sensor.kind, region=sensor.region)

    def get_form_class(self):
        return OverrideForm

    def get_initial(self):
        initial = super().get_initial()
        rule_type = self.request.GET.get("rule_type", "")
        base = next((r for r in effective_rules(self.sensor()) if r.rule_type == rule_type and not r.sensor_id), None)
        if base is not None:
            initial.update({f: getattr(base, f) for f in ("rule_type", "level1", "level2", "deadband", "hold_s",
                                                          "stale_factor", "event", "event_level")})
            initial["name"] = f"{self.sensor().code} {base.name}（单点）"
        elif rule_type in dict(Rule.TYPE_CHOICES):
            initial["rule_type"] = rule_type
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=f"新增单点覆盖规则（{self.sensor().code}）", sensor=self.sensor(),
                       cancel_url=self.sensor().get_absolute_url())
        return context

    def form_valid(self, form):
        data = {**form.service_data(), "sensor": self.sensor(), "kind": self.sensor().kind,
                "region": self.sensor().region}
        try:
            _save_rule(self.request.user, form.instance, data)
        except ValidationError as exc:
            from yingji.core.generic import _add_errors

            _add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "已保存单点覆盖规则。")
        return redirect(self.sensor().get_absolute_url())


RuleDeleteView = delete_view(Rule, _delete_rule, "monitoring:rule_list")


# --- Monitoring pages of an enterprise and of a region ---------------------------------------------------------

class EnterpriseIndexView(ScopedMixin, TemplateView):
    """Enterprises with sensors, each with its status counts (one grouped query)."""

    model = Sensor
    template_name = "monitoring/monitoring_enterprise_list.html"

    def get(self, request, *args, **kwargs):
        if is_enterprise_account(request.user):  # its own enterprise's page straight away
            owned = list(scope(Enterprise.objects.all(), request.user)[:2])
            if len(owned) == 1:
                return redirect("monitoring:monitoring_enterprise", pk=owned[0].pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sensors = scope(Sensor.objects.exclude(enterprise=None), self.request.user)
        rows: dict[int, dict] = {}
        for enterprise_id, status, n in sensors.order_by().values_list("enterprise", "status").annotate(n=Count("pk")):
            row = rows.setdefault(enterprise_id, {"total": 0, **dict.fromkeys(STATUS_ORDER, 0)})
            row[status] += n
            row["total"] += n
        enterprises = Enterprise.objects.filter(pk__in=rows).select_related("region").order_by("name")
        listing = [(e, rows[e.pk]["total"], [(s, rows[e.pk][s]) for s in STATUS_ORDER]) for e in enterprises]
        listing.sort(key=lambda item: [-n for _, n in item[2][:3]])  # 二级, 一级, offline first
        context.update(title="企业监测", listing=listing,
                       statuses=[(s, STATUS_LABELS[s], STATUS_COLOURS[s]) for s in STATUS_ORDER])
        return context


class EnterpriseMonitoringView(ScopedMixin, DetailView):
    """/monitoring/enterprises/<id>/: an enterprise's sensors and their states, its active alarms."""

    model = Enterprise
    template_name = "monitoring/monitoring_enterprise.html"

    def get_permission_required(self):
        return ["monitoring.view_sensor"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sensors = scope(Sensor.objects.filter(enterprise=self.object), user).select_related("hazard_unit", "region")
        ordered = sorted(sensors, key=lambda s: (STATUS_ORDER.index(s.status), s.code))
        alarms = scope(Alarm.objects.filter(enterprise=self.object, active=True), user).select_related("sensor")
        context.update(title=f"{self.object.name} · 监测", sensors=ordered, statuses=status_counts(sensors),
                       active_alarms=list(alarms[:50]), colours=STATUS_COLOURS)
        return context


class RegionIndexView(ScopedMixin, TemplateView):
    model = Sensor

    def get(self, request, *args, **kwargs):
        region = request.user.region or Region.objects.filter(parent=None).order_by("pk").first()
        if region is None:
            messages.info(request, "尚未登记行政区划。")
            return redirect("monitoring:sensor_list")
        return redirect("monitoring:monitoring_region", pk=region.pk)


class RegionMonitoringView(ScopedMixin, DetailView):
    """/monitoring/regions/<id>/: a county's or township's sensors by kind and status, and by sub-region."""

    model = Region
    template_name = "monitoring/monitoring_region.html"

    def get_permission_required(self):
        return ["monitoring.view_sensor"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region, user = self.object, self.request.user
        sensors = scope(Sensor.objects.filter(region__path__startswith=region.path), user)
        grid: dict[str, dict] = {}
        for kind, status, n in sensors.order_by().values_list("kind", "status").annotate(n=Count("pk")):
            row = grid.setdefault(kind, {"total": 0, **dict.fromkeys(STATUS_ORDER, 0)})
            row[status] += n
            row["total"] += n
        by_kind = [(info, [grid[code][s] for s in STATUS_ORDER], grid[code]["total"])
                   for code, info in kinds.kinds().items() if code in grid]
        depth = region.path.count("/")  # "/1/7/" → a child's path has one id more
        per_child: dict[str, dict] = {}
        for path_, status, n in sensors.order_by().values_list("region__path", "status").annotate(n=Count("pk")):
            parts = path_.split("/")
            if len(parts) > depth + 1:  # below the region itself
                key = "/".join(parts[:depth + 1]) + "/"
                per_child.setdefault(key, {}).setdefault(status, 0)
                per_child[key][status] += n
        children = []
        for child in scope(region.children.filter(path__in=list(per_child)), user).order_by("code", "name"):
            counts = [{"status": s, "label": STATUS_LABELS[s], "count": per_child[child.path].get(s, 0),
                       "colour": STATUS_COLOURS[s]} for s in STATUS_ORDER]
            children.append((child, counts, sum(c["count"] for c in counts)))
        alarming = sensors.filter(status__in=[Sensor.ALARM2, Sensor.ALARM1]).select_related("region", "enterprise")
        offline = sensors.filter(status=Sensor.OFFLINE).select_related("region", "enterprise")
        ancestors = [a for a in region.ancestors() if user.is_superuser or (user.region and a.is_within(user.region))]
        context.update(
            title=f"{region.name} · 监测", by_kind=by_kind, statuses=status_counts(sensors),
            headers=[(STATUS_LABELS[s], STATUS_COLOURS[s]) for s in STATUS_ORDER], children=children,
            alarming=alarming.order_by("-status", "code")[:100], offline=offline.order_by("code")[:100],
            total=sensors.count(), ancestors=ancestors,
            list_url=reverse("monitoring:sensor_list") + f"?region={region.pk}",
        )
        return context


urlpatterns = [
    path("monitoring/sensors/", SensorListView.as_view(), name="sensor_list"),
    path("monitoring/sensors/add/", SensorFormView.as_view(), name="sensor_add"),
    path("monitoring/sensors/export.xlsx", SensorExportView.as_view(), name="sensor_export"),
    path("monitoring/sensors/<int:pk>/", SensorDetailView.as_view(), name="sensor_detail"),
    path("monitoring/sensors/<int:pk>/edit/", SensorFormView.as_view(), name="sensor_edit"),
    path("monitoring/sensors/<int:pk>/delete/", SensorDeleteView.as_view(), name="sensor_delete"),
    path("monitoring/sensors/<int:sensor>/rules/add/", OverrideFormView.as_view(), name="sensor_rule_add"),
    path("monitoring/gateways/", GatewayListView.as_view(), name="gateway_list"),
    path("monitoring/gateways/add/", GatewayFormView.as_view(), name="gateway_add"),
    path("monitoring/gateways/<int:pk>/", GatewayDetailView.as_view(), name="gateway_detail"),
    path("monitoring/gateways/<int:pk>/edit/", GatewayFormView.as_view(), name="gateway_edit"),
    path("monitoring/gateways/<int:pk>/delete/", GatewayDeleteView.as_view(), name="gateway_delete"),
    path("monitoring/gateways/<int:pk>/token/", GatewayTokenView.as_view(), name="gateway_token"),
    path("monitoring/rules/", RuleListView.as_view(), name="rule_list"),
    path("monitoring/rules/add/", RuleFormView.as_view(), name="rule_add"),
    path("monitoring/rules/<int:pk>/edit/", RuleFormView.as_view(), name="rule_edit"),
    path("monitoring/rules/<int:pk>/delete/", RuleDeleteView.as_view(), name="rule_delete"),
    path("monitoring/enterprises/", EnterpriseIndexView.as_view(), name="monitoring_enterprise_list"),
    path("monitoring/enterprises/<int:pk>/", EnterpriseMonitoringView.as_view(), name="monitoring_enterprise"),
    path("monitoring/regions/", RegionIndexView.as_view(), name="monitoring_region_index"),
    path("monitoring/regions/<int:pk>/", RegionMonitoringView.as_view(), name="monitoring_region"),
]

