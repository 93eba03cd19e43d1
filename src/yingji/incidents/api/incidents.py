"""API of incidents: intake, edit, grading, lifecycle, merge, notes, timeline, candidates and dispatch."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.fields import SkipField, empty
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from yingji.core.api_base import LocationWarningsMixin, ScopedReadOnlyViewSet, ScopedRelatedField, int_param
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission, ServiceChecked
from yingji.core.layers import LayerActionMixin, url_maker
from yingji.core.middleware import body_limit
from yingji.core.models import Region
from yingji.core.schema import FEATURE, rows
from yingji.core.scoping import scope
from yingji.core.uploads import check_attachment
from yingji.resources.models import RescueForce, Vehicle

from .. import filtersets
from ..models import Assignment, Incident, TimelineEntry
from ..services import dispatch as dispatching
from ..services import incidents as services


class IncidentSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="发生地区划", required=False)
    region_name = serializers.CharField(source="region.name", read_only=True)
    event_name = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    grade_label = serializers.CharField(read_only=True)
    grading_basis_label = serializers.CharField(read_only=True, label="定级依据（493号令或预案）")
    order493_applies = serializers.BooleanField(source="is_accident", read_only=True, label="适用493号令")
    duty_officer_name = PersonNameField(source="duty_officer", empty="")
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, label="修改原因")

    class Meta:
        model = Incident
        fields = [
            "id", "number", "title", "source", "reporter_name", "reporter_phone", "occurred_at", "reported_at",
            "region", "region_name", "region_located_by", "longitude", "latitude", "address", "event_code",
            "event_name", "production_activity", "order493_applies", "description", "unit_overview", "deaths",
            "missing", "serious_injuries", "injuries",
            "direct_loss_wan", "people_affected", "is_drill", "status", "status_label", "accident_grade", "level",
            "grade_label", "grading_basis_label", "graded_by", "grading_plan", "report_up_to", "casualty_window_ends",
            "duty_officer", "duty_officer_name",
            "merged_into", "ended_at", "is_demo", "created_at", "updated_at", "reason",
        ]
        read_only_fields = ["number", "region_located_by", "status", "accident_grade", "level", "graded_by",
                            "grading_plan",
                            "report_up_to", "casualty_window_ends", "duty_officer", "merged_into", "ended_at",
                            "is_demo", "created_at", "updated_at"]
        extra_kwargs = {"occurred_at": {"required": False}, "reported_at": {"required": False},
                        **{name: {"error_messages": services.figure_errors(name)} for name in services.FIGURE_NOUNS}}

    def to_internal_value(self, data):
        """Field errors and the service's errors on the fields that parsed, in one 400 (not in rounds)."""
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict) or "request" not in self.context:
                raise
            failed = set(exc.detail)
            found = services.intake_errors(self.context["request"].user, self._parsed(data, failed), self.instance,
                                           failed=failed)
            raise serializers.ValidationError({**exc.detail, **found}) from None

    def _parsed(self, data, failed) -> dict:
        """The writable fields given in `data` that parse, by model field name."""
        parsed = {}
        for field in self._writable_fields:
            if field.field_name in failed or field.source == "*":
                continue
            value = field.get_value(data)
            if value is empty:
                continue
            try:
                parsed[field.source] = field.run_validation(value)
            except (serializers.ValidationError, DjangoValidationError, SkipField):
                continue
        return parsed


class TimelineSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = PersonNameField(source="actor")
    # The file as the name it was given, its kind and size, and where to download it (scoped, audited); the
    # storage path is not exposed.
    attachment_url = serializers.SerializerMethodField(label="附件下载地址")
    attachment_name = serializers.SerializerMethodField(label="附件名称")
    attachment_type = serializers.CharField(read_only=True, label="附件类型（按内容识别的 MIME 类型）")
    attachment_type_label = serializers.SerializerMethodField(label="附件类别（图片/PDF/Word/Excel/PowerPoint）")
    attachment_size = serializers.IntegerField(read_only=True, allow_null=True, label="附件大小（字节）")

    class Meta:
        model = TimelineEntry
        fields = ["id", "time", "kind", "kind_label", "text", "actor_name", "data", "attachment_url",
                  "attachment_name", "attachment_type", "attachment_type_label", "attachment_size"]

    def get_attachment_url(self, entry) -> str | None:
        if not entry.attachment:
            return None
        url = reverse("incidents:timeline_attachment", args=[entry.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_attachment_name(self, entry) -> str:
        return entry.attachment_display_name if entry.attachment else ""

    def get_attachment_type_label(self, entry) -> str:
        return entry.attachment_label if entry.attachment else ""


class AssignmentSerializer(serializers.ModelSerializer):
    force_name = serializers.CharField(source="force.name", read_only=True)
    plate = serializers.CharField(source="vehicle.plate", read_only=True, default="")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    response_s = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = ["id", "incident", "force", "force_name", "vehicle", "plate", "status", "status_label", "active",
                  "assigned_at", "departed_at", "arrived_at", "working_at", "returning_at", "back_at", "eta_s",
                  "distance_m", "eta_method", "response_s", "notes"]


class IncidentStatusRequest(serializers.Serializer):
    status = serializers.ChoiceField(choices=Incident.STATUS_CHOICES, label="状态")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="原因")


class IncidentLevelRequest(serializers.Serializer):
    level = serializers.ChoiceField(choices=Incident.LEVEL_CHOICES, label="事件级别")
    reason = serializers.CharField(label="定级依据")
    plan = serializers.CharField(required=False, allow_blank=True, default="", max_length=128,
                                 label="分级所依预案（不适用493号令的事件按其分级标准定级）")


class IncidentMergeRequest(serializers.Serializer):
    into = ScopedRelatedField(queryset=Incident.objects.all(), label="并入事件")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="原因")


class IncidentNoteRequest(serializers.Serializer):
    text = serializers.CharField(label="记录内容")
    attachment = serializers.FileField(required=False, label="附件",
                                       help_text="图片、PDF、Word、Excel 或 PowerPoint 文件，按内容核验，"
                                                 "扩展名须与内容一致；大小不超过 MAX_UPLOAD_MB。")

    def validate_attachment(self, upload):
        """Checked here too, so a missing text and a refused file come back in one answer."""
        try:
            check_attachment(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["attachment"]) from None
        return upload


class IncidentDispatchRequest(serializers.Serializer):
    force = ScopedRelatedField(queryset=RescueForce.objects.all(), label="救援队伍")
    vehicles = serializers.ListField(child=ScopedRelatedField(queryset=Vehicle.objects.all(), label="车辆"),
                                     required=False, default=list, label="车辆",
                                     help_text="要调派的车辆（每辆一条调派记录）；不选则整队调派（无车辆的队伍）。")
    vehicle = ScopedRelatedField(queryset=Vehicle.objects.all(), required=False, allow_null=True, label="车辆",
                                 help_text="只调派一辆车时也可用此字段。")
    notes = serializers.CharField(required=False, allow_blank=True, default="", label="备注")


class DispatchResultSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="如：已调派 乐至县天池消防救援站 川M·23201应急 水罐消防车，前往 …")
    assignments = AssignmentSerializer(many=True)



class AssignmentAdvanceRequest(serializers.Serializer):
    status = serializers.ChoiceField(choices=Assignment.STATUS_CHOICES, label="状态")
    time = serializers.DateTimeField(required=False, allow_null=True, label="时间")
    notes = serializers.CharField(required=False, allow_blank=True, default="", label="备注")


_incident_url = url_maker("incidents:incident_detail")
_board_url = url_maker("incidents:incident_board")


def incident_properties(incident: Incident) -> dict:
    """Map-layer properties; `links` adds buttons to the one-map popup (the board, while the incident runs)."""
    links = [["指挥调度台 →", _board_url(incident.pk)]] if incident.is_active else []
    return {"links": links, "number": incident.number, "title": incident.title, "status": incident.status,
            "status_label": incident.get_status_display(), "grade_label": incident.grade_label,
            "colour": incident.colour, "event_name": incident.event_name, "is_drill": incident.is_drill,
            "nature_label": "演练" if incident.is_drill else "真实事件",
            "reported_at": incident.reported_at.isoformat(), "url": _incident_url(incident.pk)}


class IncidentViewSet(LocationWarningsMixin, LayerActionMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      ScopedReadOnlyViewSet):
    """Incidents. Filters: status, active=1, region (and below), event (code prefix), grade, level, drill,
    since/until (接报时间, ISO dates). Deleting is not offered: an incident is ended and archived instead."""

    queryset = Incident.objects.select_related("region", "duty_officer")
    serializer_class = IncidentSerializer
    filterset_class = filtersets.IncidentFilterSet
    search_fields = ["number", "title", "address", "description", "reporter_phone"]
    ordering_fields = ["reported_at", "occurred_at", "status", "deaths"]
    layer_properties = staticmethod(incident_properties)
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        serializer.instance = services.create_incident(self.request.user, data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        serializer.instance = services.update_incident(self.request.user, serializer.instance, data, reason)

    def _reply(self, incident):
        incident.refresh_from_db()
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    @extend_schema(request=IncidentStatusRequest, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def status(self, request, pk=None):
        """接报 → 核实 → 处置中 → 已控制 → 结束 → 归档, with the reason in the timeline."""
        body = IncidentStatusRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(services.change_status(request.user, self.get_object(), **body.validated_data))

    @extend_schema(request=IncidentLevelRequest, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def level(self, request, pk=None):
        """Grade a non-accident incident Ⅰ–Ⅳ (accidents are graded by 493号令 from their figures)."""
        body = IncidentLevelRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(services.set_level(request.user, self.get_object(), **body.validated_data))

    @extend_schema(request=IncidentMergeRequest, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def merge(self, request, pk=None):
        """Merge this incident, a duplicate report, into another one."""
        body = IncidentMergeRequest(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        into = services.merge_incidents(request.user, self.get_object(), body.validated_data["into"],
                                        body.validated_data["reason"])
        return self._reply(into)

    @extend_schema(request=IncidentNoteRequest, responses=TimelineSerializer)
    @body_limit()  # refused unread over MAX_UPLOAD_MB + 1 MB
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def notes(self, request, pk=None):
        """Add a note (optionally with a file ≤ 10 MB) to the timeline."""
        body = IncidentNoteRequest(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.add_note(request.user, self.get_object(), body.validated_data["text"],
                                  body.validated_data.get("attachment"))
        return Response(TimelineSerializer(entry, context={"request": request}).data, status=201)

    @extend_schema(responses=TimelineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """The incident's timeline, newest first, paginated."""
        entries = self.get_object().timeline.select_related("actor")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses=rows("Candidate", force=serializers.IntegerField(), name=serializers.CharField(),
                                  type=serializers.CharField(), status=serializers.CharField(),
                                  status_label=serializers.CharField(), eta_s=serializers.IntegerField(),
                                  eta_minutes=serializers.FloatField(), distance_m=serializers.IntegerField(),
                                  method=serializers.CharField(), capable=serializers.BooleanField(),
                                  match=serializers.ChoiceField(choices=dispatching.MATCH_ORDER),
                                  match_label=serializers.CharField(), match_reason=serializers.CharField(),
                                  rank_reason=serializers.CharField(), volunteer=serializers.BooleanField(),
                                  vehicles=rows("CandidateVehicle", id=serializers.IntegerField(),
                                                plate=serializers.CharField(), type_label=serializers.CharField(),
                                                status=serializers.CharField(), status_label=serializers.CharField(),
                                                selectable=serializers.BooleanField(),
                                                eta_s=serializers.IntegerField(allow_null=True),
                                                unreachable_reason=serializers.CharField(allow_blank=True)),
                                  unreachable_reason=serializers.CharField(allow_blank=True),
                                  busy=serializers.BooleanField(), longitude=serializers.FloatField(allow_null=True),
                                  latitude=serializers.FloatField(allow_null=True)))
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        """Forces ranked for this incident: free first, 匹配 / 部分匹配 / 不匹配 (the incident's 细类 against
        the force's capabilities, `match_reason`), then by travel time; for fires and hazardous chemicals
        fire stations before volunteer teams unless nearer by YINGJI_VOLUNTEER_MARGIN_SECONDS (`rank_reason`).
        `vehicles` lists the force's vehicles with their status; only `selectable` ones can be sent. Each free
        vehicle is routed by its own size (height, weight, width: roads with lower limits are closed to it):
        its `eta_s` when that differs from the force's, or `unreachable_reason` when it has no permitted route;
        a force none of whose free vehicles can get there has `unreachable_reason` and is ranked last.
        `method` says how the time was estimated (估算(直线) until a road network is loaded)."""
        rows = dispatching.candidates(self.get_object(), request.user)
        return Response([{
            "force": c.force.pk, "name": c.force.name, "type": c.force.type_label, "status": c.force.status,
            "status_label": c.force.get_status_display(), "eta_s": round(c.seconds), "eta_minutes": c.eta_minutes,
            "distance_m": round(c.metres), "method": c.method, "capable": c.capable, "match": c.match,
            "match_label": c.match_label, "match_reason": c.match_reason, "rank_reason": c.rank_reason,
            "volunteer": c.volunteer, "busy": c.busy, "longitude": c.force.longitude, "latitude": c.force.latitude,
            "unreachable_reason": c.unreachable,
            "vehicles": [{"id": v.vehicle.pk, "plate": v.vehicle.plate, "type_label": v.vehicle.get_type_display(),
                          "status": v.vehicle.status, "status_label": v.status_label, "selectable": v.selectable,
                          "eta_s": None if v.seconds is None else round(v.seconds), "unreachable_reason": v.reason}
                         for v in c.vehicles],
        } for c in rows])

    @extend_schema(request=IncidentDispatchRequest, responses={201: DispatchResultSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked], url_path="dispatch")
    def send(self, request, pk=None):  # not `dispatch`: that name is the view's own entry point
        """Send chosen vehicles of a force (one assignment each), or a force without vehicles as a whole;
        the answer says what went where."""
        body = IncidentDispatchRequest(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        vehicles = list(data["vehicles"]) + ([data["vehicle"]] if data.get("vehicle") else [])
        sent = dispatching.dispatch_units(request.user, self.get_object(), data["force"], vehicles, data["notes"])
        return Response({"message": dispatching.confirmation(sent),
                         "assignments": AssignmentSerializer(sent, many=True).data}, status=201)

    @extend_schema(parameters=[OpenApiParameter("force", int, required=True, description="救援队伍编号"),
                               OpenApiParameter("vehicle", int, required=False,
                                                description="车辆编号：按该车的车高、总质量、车宽避开限高/限重/限宽路段")],
                   responses=FEATURE)
    @action(detail=True, methods=["get"])
    def route(self, request, pk=None):
        """GeoJSON LineString of the fastest road route from ?force=ID to this incident, with seconds,
        metres and method (路网, or 估算(直线) as a straight segment when no network is loaded). With
        ?vehicle=ID the route is that vehicle's (roads whose limits are below its size are closed); none → 400
        with the limit as the reason."""
        incident = self.get_object()
        force = get_object_or_404(scope(RescueForce.objects.all(), request.user),
                                  pk=int_param(request.query_params, "force", label="救援队伍编号"))
        vehicle = None
        if request.query_params.get("vehicle") not in (None, ""):
            vehicle = get_object_or_404(scope(Vehicle.objects.all(), request.user),
                                        pk=int_param(request.query_params, "vehicle", label="车辆编号"))
        return Response(dispatching.route_feature(force, incident, vehicle))

    @extend_schema(responses=AssignmentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def assignments(self, request, pk=None):
        rows = self.get_object().assignments.select_related("force", "vehicle")
        return Response(AssignmentSerializer(rows, many=True).data)


class AssignmentViewSet(ScopedReadOnlyViewSet):
    """Dispatch assignments. Filters: incident, force, vehicle, status, active."""

    queryset = Assignment.objects.select_related("force", "vehicle", "incident")
    serializer_class = AssignmentSerializer
    filterset_class = filtersets.AssignmentFilterSet
    ordering_fields = ["assigned_at", "status"]

    @extend_schema(request=AssignmentAdvanceRequest, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def advance(self, request, pk=None):
        """出动 / 到场 / 处置 / 返回 / 归队, with the time (default now)."""
        body = AssignmentAdvanceRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        assignment = dispatching.advance(request.user, self.get_object(), data["status"], data.get("time"),
                                         data["notes"])
        return Response(AssignmentSerializer(assignment).data)



routes = [
    ("incidents", IncidentViewSet, "incident"),
    ("assignments", AssignmentViewSet, "assignment"),
]
