"""Monitoring API: the registry — sensors (with their one-map layer and history series), gateways (with a new
token issued once), rules per kind and per sensor, and the log of readings refused at ingest. Reads are region-
and enterprise-scoped by the viewset base; writes go through the services."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedReadOnlyViewSet, ScopedRelatedField, ServiceViewSet
from yingji.core.layers import LayerActionMixin, labeller, url_maker
from yingji.core.models import Region
from yingji.resources.models import Hydrant
from yingji.safety.models import Enterprise, HazardUnit

from .. import filtersets, kinds
from ..models import Gateway, IngestRejection, Rule, Sensor
from ..services import sensors as services

STATUS_COLOURS = {Sensor.NORMAL: "#2a9d6f", Sensor.ALARM1: "#f2a900", Sensor.ALARM2: "#d9342b",
                  Sensor.OFFLINE: "#7a8594", Sensor.NEVER: "#b8c4d0"}


class SensorSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="所属区划",
                                help_text="企业的监测点可不填，取企业所在区划")
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True, label="企业")
    hazard_unit = ScopedRelatedField(queryset=HazardUnit.objects.all(), required=False, allow_null=True,
                                     label="重大危险源（单元）")
    hydrant = ScopedRelatedField(queryset=Hydrant.objects.all(), required=False, allow_null=True, label="消火栓")
    watched_region = ScopedRelatedField(queryset=Region.objects.all(), required=False, allow_null=True,
                                        label="监测村（社区）")
    gateway = ScopedRelatedField(queryset=Gateway.objects.all(), required=False, allow_null=True, label="采集网关")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    expected_interval_s = serializers.IntegerField(required=False, min_value=1, label="上报周期（s）",
                                                   help_text="不填取该监测类型的默认周期")
    installed_at = serializers.DateTimeField(required=False, label="安装时间", help_text="不填为当前时间；早于此时间的读数被拒收")

    class Meta:
        model = Sensor
        fields = ["id", "code", "name", "kind", "kind_label", "unit", "region", "enterprise", "hazard_unit", "hydrant",
                  "watched_region", "river_section", "gateway", "longitude", "latitude", "address",
                  "expected_interval_s", "installed_at", "is_active", "status", "status_label", "last_value",
                  "last_event", "last_reading_at", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["unit", "status", "last_value", "last_event", "last_reading_at", "is_demo", "created_at",
                            "updated_at"]
        validators = []
        extra_kwargs = {"code": {"validators": []}}


_sensor_url = url_maker("monitoring:sensor_detail")
_kind_label = labeller(kinds.choices())
_status_label = labeller(Sensor.STATUS_CHOICES)


def sensor_properties(row: dict) -> dict:
    """Popup facts of a sensor on the one-map (from .values() rows: thousands of sensors in one answer)."""
    value = row["last_value"]
    reading = row["last_event"] or ("—" if value is None else f"{value:g} {row['unit']}".strip())
    return {"name": f"{row['code']} {row['name']}", "status": row["status"], "status_label": _status_label(row["status"]),
            "kind_label": _kind_label(row["kind"]), "reading": reading, "url": _sensor_url(row["id"])}


SERIES_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATETIME, description="起始时间（ISO 8601，带时区）；默认结束前 24 小时"),
    OpenApiParameter("end", OpenApiTypes.DATETIME, description="结束时间（ISO 8601，带时区）；默认当前"),
    OpenApiParameter("points", OpenApiTypes.INT, description="最多点数（10–2000，默认 600）：据此选用原始读数或分钟、小时汇总"),
]

SERIES_RESPONSE = inline_serializer("SensorSeries", {
    "sensor": serializers.IntegerField(), "code": serializers.CharField(), "unit": serializers.CharField(),
    "start": serializers.DateTimeField(), "end": serializers.DateTimeField(),
    "resolution": serializers.ChoiceField(choices=["raw", "1m", "1h"], help_text="所用数据：原始读数、1 分钟或 1 小时汇总"),
    "points": serializers.ListField(child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
                                    help_text="[时间（毫秒）, 均值或读数, 最小值, 最大值]"),
    "events": serializers.ListField(child=serializers.ListField(), help_text="事件型监测点：[时间（毫秒）, 事件]"),
    "thresholds": serializers.ListField(child=serializers.DictField(),
                                        help_text="生效规则的设定值：{name, value, level, rule_type}"),
})


class SensorViewSet(LayerActionMixin, ServiceViewSet):
    queryset = Sensor.objects.select_related("region", "enterprise", "gateway")
    serializer_class = SensorSerializer
    filterset_class = filtersets.SensorFilterSet
    search_fields = ["code", "name", "address", "enterprise__name"]
    ordering_fields = ["code", "name", "last_reading_at", "status"]
    save_service = staticmethod(services.save_sensor)
    delete_service = staticmethod(services.delete_sensor)
    layer_columns = ("code", "name", "kind", "unit", "status", "last_value", "last_event")
    layer_properties = staticmethod(sensor_properties)

    @extend_schema(parameters=SERIES_PARAMETERS, responses=SERIES_RESPONSE)
    @action(detail=True, methods=["get"])
    def series(self, request, pk=None):
        """History of the sensor for a chart: the resolution that fits the window (raw, 1-minute or 1-hour
        rollups) and the thresholds of the rules in force."""
        sensor = self.get_object()
        try:
            start, end, points = parse_window(request.query_params)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(series_payload(sensor, start, end, points))


class GatewaySerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="所属区划",
                                help_text="企业的网关可不填，取企业所在区划")
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True, label="所属企业")
    has_token = serializers.SerializerMethodField(help_text="是否已签发令牌（令牌只在签发时显示一次）")

    class Meta:
        model = Gateway
        fields = ["id", "code", "name", "region", "enterprise", "is_active", "has_token", "token_issued_at",
                  "last_seen_at", "accepted_count", "rejected_count", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["token_issued_at", "last_seen_at", "accepted_count", "rejected_count", "is_demo",
                            "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"code": {"validators": []}}

    def get_has_token(self, gateway) -> bool:
        return bool(gateway.token_hash)


TOKEN_RESPONSE = inline_serializer("GatewayToken", {
    "gateway": serializers.IntegerField(), "token": serializers.CharField(help_text="只显示这一次，请立即保存到网关"),
    "issued_at": serializers.DateTimeField(),
})


class GatewayViewSet(ServiceViewSet):
    queryset = Gateway.objects.select_related("region", "enterprise")
    serializer_class = GatewaySerializer
    filterset_class = filtersets.GatewayFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "last_seen_at", "rejected_count"]
    save_service = staticmethod(services.save_gateway)
    delete_service = staticmethod(services.delete_gateway)

    @extend_schema(request=None, responses={201: TOKEN_RESPONSE})
    @action(detail=True, methods=["post"], url_path="issue-token")
    def issue_token(self, request, pk=None):
        """Issue a new token for the gateway (the old one stops working); the token is in this answer only."""
        from ..services import gateways

        gateway = self.get_object()
        token = gateways.issue_token(request.user, gateway)
        gateway.refresh_from_db()
        return Response({"gateway": gateway.pk, "token": token, "issued_at": gateway.token_issued_at}, status=201)


class RuleSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="适用区划",
                                help_text="单点覆盖规则可不填，取监测点所在区划")
    sensor = ScopedRelatedField(queryset=Sensor.objects.all(), required=False, allow_null=True,
                                label="监测点（单点覆盖）")
    rule_type_label = serializers.CharField(source="get_rule_type_display", read_only=True)

    class Meta:
        model = Rule
        fields = ["id", "name", "region", "kind", "sensor", "rule_type", "rule_type_label", "level1", "level2",
                  "deadband", "hold_s", "stale_factor", "event", "event_level", "enabled"]
        validators = []
        extra_kwargs = {"kind": {"required": False, "help_text": "单点覆盖规则可不填，取监测点的类型"}}


def _save_rule(actor, rule, data):
    from ..services import rules

    data = dict(data)
    sensor = data.get("sensor", rule.sensor if rule.pk else None)
    if sensor is not None:  # an override is the sensor's: its kind and region
        data.setdefault("kind", sensor.kind)
        data.setdefault("region", sensor.region)
    return rules.save_rule(actor, rule, data)


def _delete_rule(actor, rule):
    from ..services import rules

    rules.delete_rule(actor, rule)


class RuleViewSet(ServiceViewSet):
    """Alarm rules: per kind in a region (and below: the nearest region up the tree wins) and per-sensor
    overrides. Writes go through services/rules.save_rule, which checks the thresholds' order."""

    queryset = Rule.objects.select_related("region", "sensor")
    serializer_class = RuleSerializer
    filterset_class = filtersets.RuleFilterSet
    search_fields = ["name", "sensor__code"]
    ordering_fields = ["kind", "rule_type"]
    save_service = staticmethod(_save_rule)
    delete_service = staticmethod(_delete_rule)


class IngestRejectionSerializer(serializers.ModelSerializer):
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)

    class Meta:
        model = IngestRejection
        fields = ["id", "gateway", "region", "channel", "channel_label", "sensor_code", "message_id", "reason",
                  "excerpt", "received_at"]
        read_only_fields = fields


class IngestRejectionViewSet(ScopedReadOnlyViewSet):
    """Readings refused at ingest, newest first, with the reason the gateway or the user can see."""

    queryset = IngestRejection.objects.all()
    serializer_class = IngestRejectionSerializer
    filterset_class = filtersets.IngestRejectionFilterSet
    search_fields = ["sensor_code", "reason"]
    ordering_fields = ["received_at"]


# --- reading side: the rules in force on a sensor and its history for a chart -----------------------------

def effective_rules(sensor: Sensor) -> list[Rule]:
    """The rules that judge `sensor`: for each (type, event) the sensor's own override, else the kind's rule of
    the nearest region up the tree (its own region first). Disabled ones are included (shown as such)."""
    from yingji.core.scoping import ancestor_paths

    paths = [*ancestor_paths(sensor.region.path), sensor.region.path]
    depth = {path: i for i, path in enumerate(paths)}
    chosen: dict[tuple, Rule] = {}
    for rule in (Rule.objects.filter(sensor=None, kind=sensor.kind, region__path__in=paths)
                 .select_related("region")):
        key = (rule.rule_type, rule.event)
        if key not in chosen or depth[rule.region.path] > depth[chosen[key].region.path]:
            chosen[key] = rule
    for rule in Rule.objects.filter(sensor=sensor).select_related("region"):
        chosen[(rule.rule_type, rule.event)] = rule
    order = [t for t, _ in Rule.TYPE_CHOICES]
    return sorted(chosen.values(), key=lambda r: (order.index(r.rule_type), r.event, r.pk))


def thresholds(rules) -> list[dict]:
    """Setpoints of the enabled high/low rules, for the chart's mark lines."""
    out = []
    for rule in rules:
        if not rule.enabled or rule.rule_type not in (Rule.HIGH, Rule.LOW):
            continue
        side = "高" if rule.rule_type == Rule.HIGH else "低"
        for level, value in ((1, rule.level1), (2, rule.level2)):
            if value is not None:
                out.append({"name": f"{side}限{'一' if level == 1 else '二'}级", "value": value, "level": level,
                            "rule_type": rule.rule_type})
    return out


MAX_POINTS, DEFAULT_POINTS = 2000, 600


def _moment(params, name: str, label: str):
    from django.utils.dateparse import parse_datetime

    raw = params.get(name)
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    value = None
    if text.isascii() and text.isdigit():  # epoch milliseconds, before ISO (1796070540629 reads as a date there)
        if len(text) <= 14:
            try:
                value = datetime.fromtimestamp(int(text) / 1000, tz=UTC)
            except (ValueError, OverflowError, OSError):
                value = None
    else:
        try:
            value = parse_datetime(text.replace(" ", "+", 1) if "T" in text else text)
        except ValueError:
            value = None
    if value is None:
        raise ValidationError({name: [f"{label}（{name}）“{str(raw)[:40]}”不是有效时间：应为 ISO 8601（如 2026-11-30T08:00:00+08:00）或毫秒时间戳。"]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_window(params):
    """(start, end, max points) of a chart request; a bad one is a ValidationError naming the parameter."""
    from yingji.core.api_base import int_param

    end = _moment(params, "end", "结束时间") or timezone.now()
    start = _moment(params, "start", "起始时间") or end - timedelta(hours=24)
    if start >= end:
        raise ValidationError({"start": ["起始时间（start）应早于结束时间（end）。"]})
    if end - start > timedelta(days=3660):
        raise ValidationError({"start": ["时间范围不能超过 10 年。"]})
    points = int_param(params, "points", DEFAULT_POINTS, min_value=10, max_value=MAX_POINTS, label="点数")
    return start, end, points


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def _normalise_points(points) -> tuple[list, list]:
    """H4's rollups.series points → ([ms, value, min, max]...), ([ms, event]...) whatever their shape (tuples,
    dicts, datetimes or milliseconds)."""
    values, events = [], []
    for point in points:
        if isinstance(point, dict):
            ts = point.get("ts", point.get("t", point.get("bucket")))
            value = point.get("value", point.get("mean", point.get("avg")))
            low, high = point.get("min", point.get("minimum")), point.get("max", point.get("maximum"))
            event = point.get("event") or ""
        else:
            ts, value, *rest = point
            low = rest[0] if len(rest) > 0 else None
            high = rest[1] if len(rest) > 1 else None
            event = ""
            if isinstance(value, str):
                event, value = value, None
        ms = ts if isinstance(ts, int | float) else _ms(ts)
        if event:
            events.append([int(ms), event])
        else:
            values.append([int(ms), value, value if low is None else low, value if high is None else high])
    return values, events


def series_payload(sensor: Sensor, start, end, max_points: int) -> dict:
    """What the chart reads: services/rollups.series (H4: the resolution that fits the window) plus the
    setpoints of the rules in force."""
    from ..services import rollups

    result = rollups.series(sensor, start, end, max_points)
    if isinstance(result, dict):
        resolution, points = result.get("resolution", "raw"), result.get("points", [])
    else:
        resolution, points = result
    values, events = _normalise_points(points)
    if sensor.kind_info.is_event:  # fire panels: the events themselves, not a curve
        from ..models import Reading

        values, events = [], [[_ms(ts), event] for ts, event in Reading.objects.filter(
            sensor_id=sensor.pk, ts__gte=start, ts__lte=end).exclude(event="").order_by("ts")
            .values_list("ts", "event")[:max_points]]
    return {"sensor": sensor.pk, "code": sensor.code, "unit": sensor.unit, "start": start, "end": end,
            "resolution": resolution, "points": values, "events": events,
            "thresholds": thresholds(effective_rules(sensor))}


ROUTES = [  # (prefix, viewset, basename)
    ("monitoring/sensors", SensorViewSet, "sensor"),
    ("monitoring/gateways", GatewayViewSet, "gateway"),
    ("monitoring/rules", RuleViewSet, "rule"),
    ("monitoring/ingest-rejections", IngestRejectionViewSet, "ingestrejection"),
]
