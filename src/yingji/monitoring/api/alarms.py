"""Monitoring API: alarms (list and detail with filters, and what people do to them: acknowledge, assign, note,
clear by hand, open an incident) and their append-only history. Reads are region- and enterprise-scoped by the
viewset base; every action goes through services/alarms.py (permission, state, lock, history, audit)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedReadOnlyViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ServiceChecked
from yingji.core.models import User
from yingji.core.scoping import scope
from yingji.incidents.api.incidents import IncidentSerializer
from yingji.incidents.models import Incident

from ..alarm_filters import AlarmEventFilterSet, AlarmFilterSet
from ..models import Alarm, AlarmEvent
from ..services import alarms as services


class AlarmEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = AlarmEvent
        fields = ["id", "alarm", "at", "action", "action_label", "actor", "actor_name", "level", "value", "note"]
        read_only_fields = fields


class AlarmSerializer(serializers.ModelSerializer):
    sensor_code = serializers.CharField(source="sensor.code", read_only=True)
    sensor_name = serializers.CharField(source="sensor.name", read_only=True)
    kind = serializers.CharField(source="sensor.kind", read_only=True, help_text="监测类型代码")
    unit = serializers.CharField(source="sensor.unit", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    level = serializers.IntegerField(read_only=True, label="报警级别", help_text="1 一级报警，2 二级报警（GB/T 50493）")
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    enterprise_name = serializers.SerializerMethodField()
    assignee_name = PersonNameField(source="assignee", empty="")
    acknowledged_by_name = PersonNameField(source="acknowledged_by", empty="")
    cleared_by_name = PersonNameField(source="cleared_by", empty="", help_text="空：由读数恢复")
    incident_number = serializers.SerializerMethodField()

    class Meta:
        model = Alarm
        fields = ["id", "sensor", "sensor_code", "sensor_name", "kind", "unit", "rule", "rule_name", "region",
                  "enterprise", "enterprise_name", "alarm_type", "level", "level_label", "state", "state_label",
                  "active", "raised_at", "first_value", "peak_value", "last_value", "escalated_at", "acknowledged_at",
                  "acknowledged_by", "acknowledged_by_name", "cleared_at", "cleared_by", "cleared_by_name", "assignee",
                  "assignee_name", "incident", "incident_number"]
        read_only_fields = fields

    def get_enterprise_name(self, alarm) -> str:
        return alarm.enterprise.name if alarm.enterprise_id else ""

    def get_incident_number(self, alarm) -> str:
        return alarm.incident.number if alarm.incident_id else ""


class AlarmDetailSerializer(AlarmSerializer):
    events = AlarmEventSerializer(many=True, read_only=True)

    class Meta(AlarmSerializer.Meta):
        fields = AlarmSerializer.Meta.fields + ["events"]
        read_only_fields = fields


class AlarmNoteRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", label="说明",
                                 help_text=f"不超过 {services.NOTE_MAX} 字")


class AlarmRequiredNoteRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", label="内容（必填）",
                                 help_text=f"备注内容或解除原因，不超过 {services.NOTE_MAX} 字")


class AlarmAssignRequest(serializers.Serializer):
    assignee = serializers.IntegerField(label="处置人（用户编号）", min_value=1, max_value=2**63 - 1)
    note = serializers.CharField(required=False, allow_blank=True, default="", label="指派说明")


class AlarmIncidentRequest(serializers.Serializer):
    """Any intake field to change from what the alarm pre-fills (title, event_code, description, reporter…)."""

    title = serializers.CharField(required=False, max_length=128, label="事件名称")
    event_code = serializers.CharField(required=False, max_length=5, label="事件类型代码（GB/T 35561）")
    description = serializers.CharField(required=False, allow_blank=True, label="事件描述")
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=64, label="报告人")
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=32, label="报告人电话")
    address = serializers.CharField(required=False, allow_blank=True, max_length=255, label="地址")
    production_activity = serializers.ChoiceField(required=False, choices=Incident.PRODUCTION_CHOICES,
                                                  label="是否在生产经营活动中发生")
    unit_overview = serializers.CharField(required=False, allow_blank=True, label="事故发生单位概况")
    is_drill = serializers.BooleanField(required=False, label="演练")


class AlarmViewSet(ScopedReadOnlyViewSet):
    """报警：未恢复的在前（未确认在前，级别高的在前，新的在前）。筛选：state / states、active、level、kind、region（含下级）、
    enterprise、sensor、rule、assignee、incident、has_incident、raised_after / raised_before。
    处置动作（确认、指派、备注、手动解除、生成事件）需 monitoring.change_alarm 权限，按状态规则办理并记入处置记录。"""

    queryset = (Alarm.objects.select_related("sensor", "rule", "enterprise", "assignee", "acknowledged_by",
                                             "cleared_by", "incident")
                .order_by("-active", "-state", "-level", "-raised_at", "-id"))
    serializer_class = AlarmSerializer
    filterset_class = AlarmFilterSet
    search_fields = ["sensor__code", "sensor__name", "alarm_type", "enterprise__name"]
    ordering_fields = ["raised_at", "level", "state"]

    def get_serializer_class(self):
        return AlarmDetailSerializer if self.action == "retrieve" else AlarmSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__actor")
        return queryset

    def _reply(self, alarm):
        alarm = self.get_queryset().prefetch_related("events__actor").get(pk=alarm.pk)
        return Response(AlarmDetailSerializer(alarm, context=self.get_serializer_context()).data)

    @extend_schema(request=AlarmNoteRequest, responses=AlarmDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def acknowledge(self, request, pk=None):
        """确认：未确认 → 已确认，已恢复未确认 → 已恢复；已确认的报警不能重复确认。"""
        alarm = self.get_object()
        body = AlarmNoteRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(services.acknowledge(request.user, alarm, body.validated_data["note"]))

    @extend_schema(request=AlarmAssignRequest, responses=AlarmDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def assign(self, request, pk=None):
        """指派处置人（须能看到本报警：其区划为报警所在区划或上级，企业账号限本企业）。只限未恢复的报警。"""
        alarm = self.get_object()
        body = AlarmAssignRequest(data=request.data)
        body.is_valid(raise_exception=True)
        user = scope(User.objects.all(), request.user).filter(pk=body.validated_data["assignee"]).first()
        if user is None:
            number = body.validated_data["assignee"]
            raise serializers.ValidationError({"assignee": [f"编号为 {number} 的用户不存在，或不在您的管辖范围内。"]})
        return self._reply(services.assign(request.user, alarm, user, body.validated_data["note"]))

    @extend_schema(request=AlarmRequiredNoteRequest, responses=AlarmDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def note(self, request, pk=None):
        """备注：记入处置记录（任何状态）。"""
        alarm = self.get_object()
        body = AlarmRequiredNoteRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(services.add_note(request.user, alarm, body.validated_data["note"]))

    @extend_schema(request=AlarmRequiredNoteRequest, responses=AlarmDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def clear(self, request, pk=None):
        """手动解除未恢复的报警，须写明原因；解除即视为已确认，不能撤销。"""
        alarm = self.get_object()
        body = AlarmRequiredNoteRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(services.clear(request.user, alarm, body.validated_data["note"]))

    @extend_schema(request=AlarmIncidentRequest, responses={201: IncidentSerializer})
    @action(detail=True, methods=["post"], url_path="open-incident", permission_classes=[ServiceChecked])
    def open_incident(self, request, pk=None):
        """生成事件：按报警预填接报信息（来源“监测报警”、发生时间＝报警时间、区划与位置、企业概况、事件类型按监测类型），
        请求体可改其中任何一项。一条报警只能生成一个事件：再次请求答 400，错误中给出已生成的事件编号。"""
        alarm = self.get_object()
        body = AlarmIncidentRequest(data=request.data)
        body.is_valid(raise_exception=True)
        incident = services.open_incident(request.user, alarm, dict(body.validated_data))
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data, status=201)


class AlarmEventViewSet(ScopedReadOnlyViewSet):
    """报警处置记录（只读、只追加）：报警、升级、确认、指派、备注、恢复、手动解除、生成事件。筛选：alarm、action、region。"""

    queryset = AlarmEvent.objects.select_related("actor").order_by("-at", "-id")
    serializer_class = AlarmEventSerializer
    filterset_class = AlarmEventFilterSet


ROUTES = [  # (prefix, viewset, basename)
    ("monitoring/alarms", AlarmViewSet, "alarm"),
    ("monitoring/alarm-events", AlarmEventViewSet, "alarmevent"),
]
