"""API of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项).

Tasks, their milestones and reports are narrowed to the user's own unit's tasks unless they may see all
(PlanTask.narrow_scope, applied by the scoped viewset base with the region)."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from yingji.core.api_base import ScopedLedgerViewSet, ScopedRelatedField, ServiceViewSet
from yingji.core.api_policy import ServiceChecked
from yingji.core.middleware import body_limit
from yingji.core.models import Organisation, Region

from .. import filtersets_tasks as filtersets
from ..models import Decision, ImplementationPlan, JointMeeting, PlanTask, ProgressReport, TaskMilestone
from ..services import tasks as services


class ImplementationPlanSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")

    class Meta:
        model = ImplementationPlan
        fields = ["id", "region", "title", "issuer", "document_number", "issued_on", "start", "end", "notes",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class ImplementationPlanViewSet(ServiceViewSet):
    """规划实施方案（分工方案）。"""

    queryset = ImplementationPlan.objects.select_related("region")
    serializer_class = ImplementationPlanSerializer
    filterset_class = filtersets.ImplementationPlanFilterSet
    search_fields = ["title", "document_number"]
    save_service = staticmethod(services.save_plan)
    delete_service = staticmethod(services.delete_plan)


class PlanTaskSerializer(serializers.ModelSerializer):
    plan = ScopedRelatedField(queryset=ImplementationPlan.objects.all(), label="实施方案")
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="所属区划",
                                help_text="留空取方案的区划")
    lead_units = ScopedRelatedField(queryset=Organisation.objects.all(), many=True, required=False, label="牵头单位")
    co_units = ScopedRelatedField(queryset=Organisation.objects.all(), many=True, required=False, label="配合单位")

    class Meta:
        model = PlanTask
        fields = ["id", "plan", "region", "number", "section", "title", "text", "lead_units", "co_units",
                  "units_text", "collective_units", "deadline_text", "deadline", "status", "percent",
                  "last_reported_at", "is_overdue", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["percent", "last_reported_at", "is_overdue", "is_demo", "created_at", "updated_at"]
        validators = []


@extend_schema_field(OpenApiTypes.INT)
class PercentField(serializers.CharField):
    """Taken as text so that the service names a bad value in Chinese; answered as the stored whole number."""

    def to_representation(self, value):
        return value


class ProgressReportSerializer(serializers.ModelSerializer):
    task = ScopedRelatedField(queryset=PlanTask.objects.all(), label="规划任务")
    percent = PercentField(label="完成进度（%）", help_text="0 到 100 的整数")
    attachment = serializers.FileField(label="附件", required=False, allow_null=True,
                                       help_text="图片、PDF 或 Office 文档（按内容核对）")

    class Meta:
        model = ProgressReport
        fields = ["id", "task", "organisation", "reporter", "reported_at", "text", "percent", "attachment",
                  "attachment_name", "attachment_type", "attachment_size", "is_demo", "created_at"]
        read_only_fields = ["organisation", "reporter", "reported_at", "attachment_name", "attachment_type",
                            "attachment_size", "is_demo", "created_at"]



class PlanTaskViewSet(ServiceViewSet):
    """规划任务（分工）：各单位只看到本单位牵头或配合的任务；规划人员和领导看到辖区内全部任务。"""

    queryset = PlanTask.objects.select_related("plan", "region").prefetch_related("lead_units", "co_units")
    serializer_class = PlanTaskSerializer
    filterset_class = filtersets.PlanTaskFilterSet
    search_fields = ["title", "text", "units_text"]
    ordering_fields = ["number", "deadline", "percent"]
    save_service = staticmethod(services.save_task)
    delete_service = staticmethod(services.delete_task)

    @extend_schema(request=ProgressReportSerializer, responses={201: ProgressReportSerializer})
    @body_limit()  # uploads refused unread over MAX_UPLOAD_MB + 1 MB
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser],
            permission_classes=[ServiceChecked])
    def report(self, request, pk=None):
        """本单位报告任务进展（文字、完成进度 0–100、附件）。"""
        task = self.get_object()
        report = services.report_progress(request.user, task, _report_data(request.data))
        return Response(ProgressReportSerializer(report, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _report_data(data) -> dict:
    return {"text": data.get("text", ""), "percent": data.get("percent"), "attachment": data.get("attachment")}


class TaskMilestoneSerializer(serializers.ModelSerializer):
    task = ScopedRelatedField(queryset=PlanTask.objects.all(), label="规划任务")

    class Meta:
        model = TaskMilestone
        fields = ["id", "task", "region", "title", "due", "done_on", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["region", "is_demo", "created_at", "updated_at"]


class TaskMilestoneViewSet(ServiceViewSet):
    """任务节点（里程碑）。"""

    queryset = TaskMilestone.objects.select_related("task__plan", "region")
    serializer_class = TaskMilestoneSerializer
    filterset_class = filtersets.TaskMilestoneFilterSet
    save_service = staticmethod(services.save_milestone)
    delete_service = staticmethod(services.delete_milestone)


class ProgressReportViewSet(mixins.CreateModelMixin, ScopedLedgerViewSet):
    """任务进展报告：只追加；报告单位为填报人所在单位，须为该任务的牵头或配合单位。"""

    queryset = ProgressReport.objects.select_related("task", "organisation", "region")
    serializer_class = ProgressReportSerializer
    filterset_class = filtersets.ProgressReportFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @body_limit()  # uploads refused unread over MAX_UPLOAD_MB + 1 MB
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        task = data.pop("task")
        serializer.instance = services.report_progress(self.request.user, task, _report_data(data))


class JointMeetingSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    attendees = ScopedRelatedField(queryset=Organisation.objects.all(), many=True, required=False,
                                   label="参会成员单位")

    class Meta:
        model = JointMeeting
        fields = ["id", "region", "title", "kind", "date", "place", "convener", "attendees", "minutes", "is_demo",
                  "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]


class JointMeetingViewSet(ServiceViewSet):
    """联席会议（例会每半年一次、专题会议）及其纪要。"""

    queryset = JointMeeting.objects.select_related("region").prefetch_related("attendees")
    serializer_class = JointMeetingSerializer
    filterset_class = filtersets.JointMeetingFilterSet
    search_fields = ["title", "minutes"]
    save_service = staticmethod(services.save_meeting)
    delete_service = staticmethod(services.delete_meeting)


class DecisionSerializer(serializers.ModelSerializer):
    meeting = ScopedRelatedField(queryset=JointMeeting.objects.all(), label="联席会议")
    responsible = ScopedRelatedField(queryset=Organisation.objects.all(), label="责任单位")
    number = serializers.IntegerField(label="序号", required=False, min_value=1, max_value=32767,
                                      help_text="留空取该会议的下一个序号")

    class Meta:
        model = Decision
        fields = ["id", "meeting", "region", "number", "text", "responsible", "deadline", "status", "closed_on",
                  "closing_note", "is_overdue", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["region", "status", "closed_on", "closing_note", "is_overdue", "is_demo", "created_at",
                            "updated_at"]
        validators = []


class CloseSerializer(serializers.Serializer):
    closing_note = serializers.CharField(label="办结情况", allow_blank=True, required=False, default="")
    closed_on = serializers.DateField(label="办结日期", required=False, allow_null=True)


class DecisionViewSet(ServiceViewSet):
    """议定事项：责任单位、完成期限，落实中 → 已办结（附办结情况），逾期标记。"""

    queryset = Decision.objects.select_related("meeting", "responsible", "region")
    serializer_class = DecisionSerializer
    filterset_class = filtersets.DecisionFilterSet
    search_fields = ["text", "closing_note"]
    save_service = staticmethod(services.save_decision)
    delete_service = staticmethod(services.delete_decision)

    @extend_schema(request=CloseSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def close(self, request, pk=None):
        """办结议定事项（责任单位或规划人员），须填写办结情况。"""
        decision = self.get_object()
        body = CloseSerializer(data=request.data)
        if not body.is_valid():
            raise ValidationError({k: [str(e) for e in v] for k, v in body.errors.items()})
        decision = services.close_decision(request.user, decision, body.validated_data.get("closing_note", ""),
                                           body.validated_data.get("closed_on"))
        return Response(DecisionSerializer(decision, context={"request": request}).data)


ROUTES = [
    ("planning/implementation-plans", ImplementationPlanViewSet, "planning-implementation-plan"),
    ("planning/tasks", PlanTaskViewSet, "planning-task"),
    ("planning/task-milestones", TaskMilestoneViewSet, "planning-task-milestone"),
    ("planning/task-reports", ProgressReportViewSet, "planning-task-report"),
    ("planning/meetings", JointMeetingViewSet, "planning-meeting"),
    ("planning/decisions", DecisionViewSet, "planning-decision"),
]
