"""API of plans: plans with their levels and task templates, activations (activate, change level, end,
add a task, suggestions for an incident) and response tasks (status, history)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from yingji.core.api_base import ScopedReadOnlyViewSet, ScopedRelatedField, ServiceViewSet, int_param
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission, RecordPermission
from yingji.core.downloads import file_response
from yingji.core.middleware import body_limit
from yingji.core.models import Organisation, Region
from yingji.core.scoping import scope
from yingji.incidents.models import Incident

from . import filtersets, services
from .models import (
    COLOUR_CHOICES,
    LEVEL_CHOICES,
    SETTABLE_STATUS_CHOICES,
    Activation,
    Plan,
    ResponseLevel,
    Task,
    TaskTemplate,
    TaskUpdate,
)

# --- Plans, levels, templates -------------------------------------------------


class TaskTemplateSerializer(serializers.ModelSerializer):
    response_level = ScopedRelatedField(queryset=ResponseLevel.objects.all(), label="响应级别")
    organisation = ScopedRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True,
                                      label="责任单位")
    unit_label = serializers.CharField(read_only=True)

    class Meta:
        model = TaskTemplate
        fields = ["id", "response_level", "text", "organisation", "local_government", "unit_label",
                  "due_offset_minutes", "completes_on", "order"]


class ResponseLevelSerializer(serializers.ModelSerializer):
    plan = ScopedRelatedField(queryset=Plan.objects.all(), label="预案")
    criteria = serializers.ListField(source="criteria_lines", child=serializers.CharField(), read_only=True)
    tasks = TaskTemplateSerializer(many=True, read_only=True)

    class Meta:
        model = ResponseLevel
        fields = ["id", "plan", "level", "name", "min_grade", "min_deaths", "min_injured", "min_people_affected",
                  "warning_colour", "notes", "criteria", "tasks"]
        validators = []


class PlanSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="适用区划")
    owner = ScopedRelatedField(queryset=Organisation.objects.all(), label="编制（牵头）单位")
    region_name = serializers.CharField(source="region.name", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    event_codes = serializers.ListField(child=serializers.CharField(), label="适用事件类别")
    event_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    document_url = serializers.SerializerMethodField()
    levels = ResponseLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "name", "type", "type_label", "region", "region_name", "owner", "owner_name", "event_codes",
                  "event_labels", "version", "status", "status_label", "approved_on", "document_url", "summary",
                  "grace_minutes", "levels", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []

    def get_document_url(self, plan) -> str | None:
        return reverse("plan-document", args=[plan.pk]) if plan.document else None


class PlanDocumentUploadSerializer(serializers.Serializer):
    document = serializers.FileField(label="预案原件")


class PlanViewSet(ServiceViewSet):
    """Plans with their response levels and task templates. Filters: type, status, event_code (plans covering it)."""

    queryset = Plan.objects.select_related("region", "owner").prefetch_related("levels__tasks__organisation")
    serializer_class = PlanSerializer
    filterset_class = filtersets.PlanFilterSet
    search_fields = ["name", "summary"]
    ordering_fields = ["name", "type", "approved_on"]
    save_service = staticmethod(services.save_plan)
    delete_service = staticmethod(services.delete_plan)

    @extend_schema(methods=["GET"], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @extend_schema(methods=["POST"], request=PlanDocumentUploadSerializer, responses=PlanSerializer)
    @body_limit()  # uploads refused unread over MAX_UPLOAD_MB + 1 MB
    @action(detail=True, methods=["get", "post"], permission_classes=[RecordPermission],
            parser_classes=[MultiPartParser, FormParser])
    def document(self, request, pk=None):
        """GET downloads the original document; POST (multipart, field "document") uploads or replaces it."""
        plan = self.get_object()
        if request.method == "GET":
            if not plan.document:
                raise NotFound("该预案没有上传原件。")
            return file_response(request, plan.document, plan.document_name, about=plan)
        body = PlanDocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.save_plan(request.user, plan, {"document": body.validated_data["document"]})
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)


class ResponseLevelViewSet(ServiceViewSet):
    queryset = ResponseLevel.objects.select_related("plan").prefetch_related("tasks__organisation")
    serializer_class = ResponseLevelSerializer
    filterset_class = filtersets.ResponseLevelFilterSet
    save_service = staticmethod(services.save_level)
    delete_service = staticmethod(services.delete_level)


class TaskTemplateViewSet(ServiceViewSet):
    queryset = TaskTemplate.objects.select_related("response_level__plan", "organisation")
    serializer_class = TaskTemplateSerializer
    filterset_class = filtersets.TaskTemplateFilterSet
    save_service = staticmethod(services.save_template)
    delete_service = staticmethod(services.delete_template)


# --- Activations and tasks ----------------------------------------------------

class ResponseTaskSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    plan_name = serializers.CharField(source="activation.plan.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    completed_by = serializers.SerializerMethodField(help_text="自动完成任务的记录：{label, url}（首报、到场的力量）")

    class Meta:
        model = Task
        fields = ["id", "activation", "incident", "plan_name", "level", "text", "organisation", "organisation_name",
                  "due_at", "status", "status_label", "note", "completed_at", "completed_by_report",
                  "completed_by_assignment", "completed_by", "is_overdue", "created_at"]

    @extend_schema_field({"type": "object", "nullable": True,
                          "properties": {"label": {"type": "string"}, "url": {"type": "string"}}})
    def get_completed_by(self, task) -> dict | None:
        link = task.completion_link
        return {"label": link[0], "url": link[1]} if link else None


class PlanActivationSerializer(serializers.ModelSerializer):
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    activated_by_name = PersonNameField(source="activated_by")
    tasks = ResponseTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Activation
        fields = ["id", "incident", "incident_title", "plan", "plan_name", "level", "level_label", "suggested_level",
                  "suggestion_reasons", "override_reason", "activated_by_name", "activated_at", "level_since",
                  "active", "ended_at", "end_reason", "tasks"]


class ActivateRequestSerializer(serializers.Serializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all(), label="突发事件")
    plan = ScopedRelatedField(queryset=Plan.objects.all(), label="预案")
    level = serializers.ChoiceField(choices=LEVEL_CHOICES, label="响应级别")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="理由")
    warning_colour = serializers.ChoiceField(choices=COLOUR_CHOICES, required=False, allow_blank=True, default="",
                                             label="生效预警颜色")


class ChangeResponseLevelRequestSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVEL_CHOICES, label="响应级别")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="理由")
    warning_colour = serializers.ChoiceField(choices=COLOUR_CHOICES, required=False, allow_blank=True, default="",
                                             label="生效预警颜色")


class EndActivationRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(label="终止理由")


class AddResponseTaskRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=255, label="任务内容")
    organisation = ScopedRelatedField(queryset=Organisation.objects.all(), label="责任单位")
    due_at = serializers.DateTimeField(label="完成时限")


class PlanSuggestionSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    plan_name = serializers.CharField()
    plan_type = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    level_label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()


class ActivationViewSet(ScopedReadOnlyViewSet):
    """Plans started on incidents. Filters: incident, active (true/false)."""

    queryset = Activation.objects.select_related("incident", "plan", "activated_by").prefetch_related(
        "tasks__organisation", "tasks__activation__plan")
    serializer_class = PlanActivationSerializer
    filterset_class = filtersets.ActivationFilterSet

    def _out(self, activation):
        return Response(PlanActivationSerializer(activation, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[OpenApiParameter("incident", int, required=True),
                               OpenApiParameter("warning_colour", str)],
                   responses=PlanSuggestionSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def suggest(self, request):
        """Applicable plans for an incident, best first, with the level their criteria give and why."""
        incidents = scope(Incident.objects.select_related("region"), request.user)
        incident = incidents.filter(pk=int_param(request.query_params, "incident", label="事件编号")).first()
        if incident is None:
            raise NotFound()
        colour = request.query_params.get("warning_colour", "")
        active = set(incident.plan_activations.filter(active=True).values_list("plan_id", flat=True))
        return Response([
            {"plan": plan.pk, "plan_name": plan.name, "plan_type": plan.get_type_display(), "level": s.level,
             "level_label": dict(LEVEL_CHOICES).get(s.level, "未达到启动条件"), "reasons": list(s.reasons),
             "active": plan.pk in active}
            for plan, s in services.suggestions(incident, request.user, colour if colour in dict(COLOUR_CHOICES) else "")
        ])

    @extend_schema(request=ActivateRequestSerializer, responses=PlanActivationSerializer)
    @action(detail=False, methods=["post"])
    def activate(self, request):
        """Start a plan on an incident (or change its level if it is already running there)."""
        body = ActivateRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._out(services.activate(request.user, data["incident"], data["plan"], data["level"],
                                           data["reason"], data["warning_colour"]))

    @extend_schema(request=ChangeResponseLevelRequestSerializer, responses=PlanActivationSerializer)
    @action(detail=True, methods=["post"], url_path="change-level", permission_classes=[ChangePermission])
    def change_level(self, request, pk=None):
        """Escalate or de-escalate: tasks of the new level are created, open tasks it does not set are revoked."""
        activation = self.get_object()
        body = ChangeResponseLevelRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._out(services.change_level(request.user, activation, data["level"], data["reason"],
                                               data["warning_colour"]))

    @extend_schema(request=EndActivationRequestSerializer, responses=PlanActivationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def end(self, request, pk=None):
        activation = self.get_object()
        body = EndActivationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(services.end_activation(request.user, activation, body.validated_data["reason"]))

    @extend_schema(request=AddResponseTaskRequestSerializer, responses=ResponseTaskSerializer)
    @action(detail=True, methods=["post"], url_path="tasks", permission_classes=[ChangePermission])
    def add_task(self, request, pk=None):
        """A task beyond the plan's templates (needs the 增派任务 permission)."""
        activation = self.get_object()
        body = AddResponseTaskRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        task = services.add_task(request.user, activation, data["text"], data["organisation"], data["due_at"])
        return Response(ResponseTaskSerializer(task).data, status=201)


class ResponseTaskStatusRequestSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SETTABLE_STATUS_CHOICES, label="状态")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255, label="说明")


class ResponseTaskUpdateSerializer(serializers.ModelSerializer):
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = TaskUpdate
        fields = ["id", "from_status", "to_status", "note", "actor_name", "time"]


class TaskViewSet(ScopedReadOnlyViewSet):
    """Response tasks. Filters: incident, activation, status, open=1 (待办/进行中/受阻 of running
    responses), overdue=1 (open and past due)."""

    queryset = Task.objects.select_related("organisation", "activation__plan", "completed_by_report",
                                           "completed_by_assignment__force", "completed_by_assignment__vehicle")
    serializer_class = ResponseTaskSerializer
    filterset_class = filtersets.TaskFilterSet
    ordering_fields = ["due_at", "status"]

    @extend_schema(request=ResponseTaskStatusRequestSerializer, responses=ResponseTaskSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def status(self, request, pk=None):
        """待办/进行中/完成/受阻 (受阻 needs a note); the same status with a note records progress."""
        task = self.get_object()
        body = ResponseTaskStatusRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.set_task_status(request.user, task, **body.validated_data)
        return Response(ResponseTaskSerializer(task).data)

    @extend_schema(responses=ResponseTaskUpdateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        return Response(ResponseTaskUpdateSerializer(self.get_object().updates.select_related("actor"), many=True).data)
