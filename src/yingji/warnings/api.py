"""Warnings API: messages (drafts written with their areas; the steps submit, review, reject, publish, update,
cancel; the CAP XML; deliveries and progress; a targeting preview; external CAP import), deliveries, recipients (with
Excel import), loudspeaker terminals and templates. Reads are region-scoped by the viewset base (a township reads
the county's published messages that reach it); every write goes through the services."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from yingji.core.api_base import ScopedReadOnlyViewSet, ScopedRelatedField, ScopedViewSetMixin, ServiceViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ServiceChecked
from yingji.core.models import Region

from . import filtersets
from .models import (
    Delivery,
    LoudspeakerTerminal,
    Recipient,
    Warning,
    WarningArea,
    WarningCoverage,
    WarningEvent,
    WarningTemplate,
    WebhookSubscriber,
)
from .services import delivery as delivery_services
from .services import lifecycle, webhooks
from .services import recipients as register

# --- messages -----------------------------------------------------------------------------------------------------


class WarningAreaSerializer(serializers.ModelSerializer):
    regions = ScopedRelatedField(queryset=Region.objects.all(), many=True, required=False, label="行政区划",
                                 help_text="区划编号；其 GB/T 2260 代码作为 <geocode> 发出")
    polygon = serializers.JSONField(required=False, allow_null=True, label="多边形（GeoJSON Polygon，[经度, 纬度]）")

    class Meta:
        model = WarningArea
        fields = ["id", "area_desc", "polygon", "circle_longitude", "circle_latitude", "circle_radius_km", "regions",
                  "geocodes"]
        read_only_fields = ["id", "geocodes"]


class CoverageSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)
    ratio = serializers.FloatField(read_only=True, allow_null=True, help_text="覆盖率（0–1）；无登记人员时为空")

    class Meta:
        model = WarningCoverage
        fields = ["township", "township_name", "reached", "total", "ratio"]
        read_only_fields = fields


class WarningEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = WarningEvent
        fields = ["id", "at", "action", "action_label", "actor", "actor_name", "note"]
        read_only_fields = fields


class WarningSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="发布区划",
                                help_text="不填为本人所属区划")
    template = ScopedRelatedField(queryset=WarningTemplate.objects.all(), required=False, allow_null=True,
                                  label="所用模板")
    areas = WarningAreaSerializer(many=True, required=False, help_text="预警区域：新建时必填；修改时给出即整体替换")
    level = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4, label="预警级别",
                                     help_text="1 红色（一级）、2 橙色、3 黄色、4 蓝色（四级）")
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Delivery.CHANNELS), required=False,
                                     label="发布渠道")
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    colour = serializers.CharField(read_only=True, help_text="red / orange / yellow / blue")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    msg_type_label = serializers.CharField(source="get_msg_type_display", read_only=True)
    drafted_by_name = PersonNameField(source="drafted_by", empty="")
    reviewed_by_name = PersonNameField(source="reviewed_by", empty="")
    signed_by_name = PersonNameField(source="signed_by", empty="")
    is_current = serializers.BooleanField(read_only=True, help_text="已发布且未过失效时间")

    class Meta:
        model = Warning
        # The text first: what a person edits most (and what the route battery's write test changes first).
        fields = ["id", "region", "headline", "description", "instruction", "identifier", "sender_code", "sender",
                  "sender_name", "msg_type", "msg_type_label", "status", "scope", "references", "references_text",
                  "chain", "event_code", "event", "level", "level_label", "colour", "category", "urgency", "severity",
                  "certainty", "onset", "expires", "sent", "state", "state_label", "is_current", "source",
                  "template", "channels", "drafted_by", "drafted_by_name", "drafted_at", "submitted_at",
                  "reviewed_by", "reviewed_by_name", "reviewed_at", "rejection_reason", "signed_by", "signed_by_name",
                  "signed_at", "ended_at", "people_reached", "people_total", "places_reached", "targeted_at", "areas",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["identifier", "sender_code", "sender", "msg_type", "references", "references_text",
                            "chain", "event", "category", "urgency", "severity", "certainty", "sent", "state",
                            "source", "drafted_by", "drafted_at", "submitted_at", "reviewed_by", "reviewed_at",
                            "rejection_reason", "signed_by", "signed_at", "ended_at", "people_reached",
                            "people_total", "places_reached", "targeted_at", "is_demo", "created_at", "updated_at"]


class WarningDetailSerializer(WarningSerializer):
    coverage = CoverageSerializer(many=True, read_only=True)
    events = WarningEventSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField(help_text="各渠道送达进度：{渠道: {状态: 条数}}")

    class Meta(WarningSerializer.Meta):
        fields = WarningSerializer.Meta.fields + ["coverage", "events", "progress"]

    def get_progress(self, warning) -> dict[str, dict[str, int]]:
        return delivery_services.progress(warning)


class ReasonRequest(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="原因",
                                   help_text=f"不超过 {lifecycle.REASON_MAX} 字")


class ReviewRequest(ReasonRequest):
    approve = serializers.BooleanField(default=True, label="审核通过", help_text="false 为退回拟稿人（须填原因）")


class ChannelsRequest(serializers.Serializer):
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Delivery.CHANNELS), required=False,
                                     label="发布渠道", help_text="不填取草稿所选渠道")


class CancelRequest(ChannelsRequest):
    reason = serializers.CharField(label="解除原因", max_length=lifecycle.REASON_MAX)


class FollowupRequest(serializers.Serializer):
    headline = serializers.CharField(required=False, max_length=200, label="标题")
    description = serializers.CharField(required=False, label="预警内容")
    instruction = serializers.CharField(required=False, allow_blank=True, label="防御指南")
    level = serializers.IntegerField(required=False, min_value=1, max_value=4, label="预警级别",
                                     help_text="1 红色 … 4 蓝色")
    onset = serializers.DateTimeField(required=False, label="生效时间")
    expires = serializers.DateTimeField(required=False, label="失效时间")
    areas = WarningAreaSerializer(many=True, required=False, help_text="不填沿用原消息的区域")


class PreviewRequest(serializers.Serializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="发布区划",
                                help_text="不填为本人所属区划")
    areas = WarningAreaSerializer(many=True, label="预警区域")


PREVIEW_RESPONSE = inline_serializer("WarningTargetingPreview", {
    "people_reached": serializers.IntegerField(help_text="覆盖的登记接收人数"),
    "people_total": serializers.IntegerField(help_text="所涉乡镇登记接收人总数"),
    "terminals": serializers.IntegerField(help_text="覆盖的应急广播终端数"),
    "townships": serializers.ListField(child=serializers.DictField(), help_text="{township, name, reached, total, ratio}"),
    "places": serializers.ListField(child=serializers.DictField(), help_text="{key, label, count}：覆盖的场所"),
})

CAP_IMPORT_REQUEST = inline_serializer("WarningCapImport", {
    "file": serializers.FileField(required=False, help_text="CAP 1.2 XML 文件"),
    "xml": serializers.CharField(required=False, help_text="或直接提交 XML 文本"),
    "region": serializers.IntegerField(required=False, help_text="接收区划编号；不填为本人所属区划"),
})


def _areas(items) -> list[dict]:
    return [dict(item) for item in items]


def _save_warning(actor, warning, data, areas=None):
    return lifecycle.save_draft(actor, warning, data, areas)


class WarningViewSet(ServiceViewSet):
    """预警信息: ours (drafts to published) and imported ones. Writes create or edit drafts; the steps are actions."""

    queryset = Warning.objects.select_related("region", "drafted_by", "reviewed_by", "signed_by").prefetch_related(
        "areas__regions")
    serializer_class = WarningSerializer
    filterset_class = filtersets.WarningFilterSet
    search_fields = ["headline", "identifier", "event", "sender_name"]
    ordering_fields = ["sent", "created_at", "level", "expires"]
    save_service = staticmethod(_save_warning)
    delete_service = staticmethod(lambda actor, warning: lifecycle.delete_draft(actor, warning))

    def get_serializer_class(self):
        return WarningDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def save_extra(self, serializer):
        areas = serializer.validated_data.pop("areas", None)
        return {"areas": _areas(areas) if areas is not None else None}

    def _answer(self, warning, status=200):
        fresh = self.get_queryset().model.objects.select_related("region").get(pk=warning.pk)
        return Response(WarningDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status)

    @extend_schema(request=None, responses=WarningDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def submit(self, request, pk=None):
        """提交审核。"""
        return self._answer(lifecycle.submit(request.user, self.get_object()))

    @extend_schema(request=ReviewRequest, responses=WarningDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def review(self, request, pk=None):
        """审核：通过（待签发），或退回拟稿人（approve=false，须填原因）。审核人不能是拟稿人。"""
        warning = self.get_object()
        body = ReviewRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(lifecycle.review(request.user, warning, body.validated_data["approve"],
                                             body.validated_data["reason"]))

    @extend_schema(request=ReasonRequest, responses=WarningDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def reject(self, request, pk=None):
        """退回拟稿人，须填原因。"""
        warning = self.get_object()
        body = ReasonRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(lifecycle.reject(request.user, warning, body.validated_data["reason"]))

    @extend_schema(request=ChannelsRequest, responses=WarningDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def publish(self, request, pk=None):
        """签发发布：生成标识和 CAP 报文（须通过 XSD 校验），计算覆盖范围，各渠道排队发送。"""
        warning = self.get_object()
        body = ChannelsRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(lifecycle.publish(request.user, warning, body.validated_data.get("channels")))

    @extend_schema(request=FollowupRequest, responses={201: WarningDetailSerializer})
    @action(detail=True, methods=["post"], url_path="update", url_name="update-message",
            permission_classes=[ServiceChecked])
    def update_message(self, request, pk=None):
        """起草更新（Update）：引用本消息的新草稿，沿用其内容与区域；审核、签发后本消息即被更新。"""
        warning = self.get_object()
        body = FollowupRequest(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        areas = data.pop("areas", None)
        draft = lifecycle.draft_followup(request.user, warning, Warning.UPDATE, data,
                                         _areas(areas) if areas is not None else None)
        return self._answer(draft, status=201)

    @extend_schema(request=CancelRequest, responses={201: WarningDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def cancel(self, request, pk=None):
        """一键解除（签发人）：发布引用本消息的解除（Cancel）消息，结束整条预警链，广播终端停止播放。"""
        warning = self.get_object()
        body = CancelRequest(data=request.data)
        body.is_valid(raise_exception=True)
        message = lifecycle.cancel(request.user, warning, body.validated_data["reason"],
                                   body.validated_data.get("channels"))
        return self._answer(message, status=201)

    @extend_schema(responses={(200, "application/cap+xml"): OpenApiResponse(OpenApiTypes.STR, description="CAP 1.2 XML"),
                              404: OpenApiResponse(description="未发布的消息没有 CAP 报文")})
    @action(detail=True, methods=["get"])
    def cap(self, request, pk=None):
        """该消息的 CAP 1.2 XML（发布时生成，此后不再改变）。"""
        from yingji.core import audit
        from yingji.core.models import AuditEntry

        warning = self.get_object()
        if not warning.cap_xml:
            return Response({"error": {"message": "该消息尚未发布，没有 CAP 报文。"}}, status=404)
        audit.record_event(request.user, AuditEntry.DOWNLOAD, f"下载 CAP 报文 {warning.identifier}", request=request,
                           instance=warning)
        response = HttpResponse(warning.cap_xml.encode("utf-8"), content_type="application/cap+xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{warning.identifier}.xml"'
        return response

    @extend_schema(request=PreviewRequest, responses=PREVIEW_RESPONSE)
    @action(detail=False, methods=["post"], permission_classes=[ServiceChecked])
    def preview(self, request):
        """覆盖范围预览：所画区域会覆盖的人数（按乡镇）、广播终端和场所，不写入任何数据。"""
        from .services import checks, targeting

        body = PreviewRequest(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        region = body.validated_data.get("region") or request.user.region
        errors: dict[str, list[str]] = {}
        areas = checks.clean_areas(region, _areas(body.validated_data["areas"]), errors)
        checks.raise_if(errors)
        return Response(targeting.summary(targeting.compute_areas(region, areas)))

    @extend_schema(request={"multipart/form-data": CAP_IMPORT_REQUEST, "application/json": CAP_IMPORT_REQUEST},
                   responses={201: WarningDetailSerializer})
    @action(detail=False, methods=["post"], url_path="import", url_name="import-cap",
            parser_classes=[MultiPartParser, FormParser, JSONParser])
    def import_cap(self, request):
        """导入外部 CAP 消息（省级平台、外部门）：通过 XSD 与规范校验后只读保存，与本级消息一同显示。"""
        from yingji.core.api_base import int_param

        from .services import imports

        upload = request.FILES.get("file")
        xml = upload.read() if upload is not None else request.data.get("xml", "")
        if not xml:
            raise ValidationError({"file": ["请上传 CAP XML 文件（file），或提交 XML 文本（xml）。"]})
        region = None
        if request.data.get("region") not in (None, ""):
            region_id = int_param(request.data, "region", label="区划编号")
            region = Region.objects.for_user(request.user).filter(pk=region_id).first()
            if region is None:
                raise ValidationError({"region": ["该区划不存在，或不在您的管辖范围内。"]})
        return self._answer(imports.import_cap(request.user, xml, region), status=201)


# --- deliveries ---------------------------------------------------------------------------------------------------

class WarningDeliverySerializer(serializers.ModelSerializer):
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    recipient_name = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "warning", "channel", "channel_label", "recipient", "recipient_name", "terminal", "subscriber",
                  "address",
                  "state", "state_label", "attempts", "receipt", "error", "queued_at", "sent_at", "delivered_at",
                  "report_status", "reported_at"]
        read_only_fields = fields

    def get_recipient_name(self, delivery) -> str:
        return delivery.recipient.name if delivery.recipient_id else ""


class DeliveryViewSet(ScopedReadOnlyViewSet):
    """送达记录：每个渠道、每个地址一条（排队、发送中、已发送、已送达、失败），回执与失败原因。"""

    queryset = Delivery.objects.select_related("recipient")
    serializer_class = WarningDeliverySerializer
    filterset_class = filtersets.DeliveryFilterSet
    search_fields = ["address", "receipt", "error"]
    ordering_fields = ["id", "sent_at", "state"]


# --- registers ----------------------------------------------------------------------------------------------------

class RecipientSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所在村（社区）或乡镇")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Recipient
        fields = ["id", "region", "name", "kind", "kind_label", "phone", "email", "longitude", "latitude",
                  "is_active", "remark", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        extra_kwargs = {"phone": {"validators": []}, "email": {"validators": []}}


IMPORT_REQUEST = inline_serializer("WarningRecipientImport", {
    "file": serializers.FileField(help_text="按导入模板填写的 .xlsx 文件"),
    "dry_run": serializers.BooleanField(required=False, help_text="只校验、不写入"),
})
IMPORT_RESPONSE = inline_serializer("WarningRecipientImportResult", {
    "ok": serializers.BooleanField(), "summary": serializers.CharField(), "created": serializers.IntegerField(),
    "updated": serializers.IntegerField(), "rows": serializers.IntegerField(),
    "errors": serializers.ListField(child=serializers.DictField(), help_text="成功时为空（有误时答 400）"),
})


class RecipientViewSet(ServiceViewSet):
    """预警接收人：居民、网格员、灾害信息员、企业联系人、村（社区）干部……"""

    queryset = Recipient.objects.select_related("region")
    serializer_class = RecipientSerializer
    filterset_class = filtersets.RecipientFilterSet
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["name", "region__code"]
    save_service = staticmethod(register.save_recipient)
    delete_service = staticmethod(register.delete_recipient)

    @extend_schema(request={"multipart/form-data": IMPORT_REQUEST}, responses={200: IMPORT_RESPONSE})
    @action(detail=False, methods=["post"], url_path="import", url_name="import-sheet",
            parser_classes=[MultiPartParser, FormParser])
    def import_sheet(self, request):
        """Excel 导入：全部成功或全部不写入；有误时 400，fields.file 逐行列出错误（行号、列、值、原因）。"""
        from yingji.core.imports import boolean, run_import

        from .sheets import RECIPIENTS

        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["请上传 .xlsx 文件（file）。"]})
        try:
            dry_run = boolean(request.data.get("dry_run"))
        except ValueError:
            raise ValidationError({"dry_run": ["应为 true 或 false。"]}) from None
        result = run_import(request.user, RECIPIENTS, upload, dry_run=dry_run)
        if not result.ok:  # the one error envelope: every row's problem under "file", nothing written
            raise ValidationError({"file": [f"第 {e.row} 行" + (f"“{e.column}”" if e.column else "") +
                                            (f"（{e.value}）" if e.value not in (None, "") else "") + f"：{e.reason}"
                                            for e in result.errors]})
        return Response({"ok": result.ok, "summary": result.summary(), "created": result.created,
                         "updated": result.updated, "rows": result.rows, "errors": []})


class TerminalSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所在村（社区）")

    class Meta:
        model = LoudspeakerTerminal
        fields = ["id", "code", "name", "region", "longitude", "latitude", "is_active", "last_ack_at", "is_demo",
                  "created_at", "updated_at"]
        read_only_fields = ["last_ack_at", "is_demo", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"code": {"validators": []}}


class TerminalViewSet(ServiceViewSet):
    """应急广播终端（村村响大喇叭）：按编号订阅 MQTT 主题，预警时唤醒并强制播放，播放后应答。"""

    queryset = LoudspeakerTerminal.objects.select_related("region")
    serializer_class = TerminalSerializer
    filterset_class = filtersets.TerminalFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "last_ack_at"]
    save_service = staticmethod(register.save_terminal)
    delete_service = staticmethod(register.delete_terminal)


class TemplateSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    level = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4, label="预警级别",
                                     help_text="1 红色 … 4 蓝色；不填：适用于各级")

    class Meta:
        model = WarningTemplate
        fields = ["id", "region", "name", "event_code", "level", "headline_pattern", "description", "instruction",
                  "is_active", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class TemplateViewSet(ServiceViewSet):
    """预警模板：按事件类型（及级别）预置标题、内容和防御指南；下级区划可直接使用县级模板。"""

    queryset = WarningTemplate.objects.select_related("region")
    serializer_class = TemplateSerializer
    filterset_class = filtersets.TemplateFilterSet
    search_fields = ["name", "event_code"]
    ordering_fields = ["event_code", "level", "name"]
    save_service = staticmethod(register.save_template)
    delete_service = staticmethod(register.delete_template)


class SubscriberSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    regions = ScopedRelatedField(queryset=Region.objects.all(), many=True, required=False, label="关注区划",
                                 help_text="预警由其发布或覆盖其中任一区划时推送；空：所属区划全部")
    event_codes = serializers.ListField(child=serializers.CharField(max_length=16), required=False, label="事件类型",
                                        help_text="GB/T 35561 代码（细类、类或大类），空：全部")
    levels = serializers.ListField(child=serializers.IntegerField(), required=False, label="预警级别",
                                   help_text="1 红 … 4 蓝，空：全部")
    secret = serializers.SerializerMethodField(help_text="签名密钥：只在创建和重新生成时给出一次，其余时候为空")
    secret_masked = serializers.CharField(source="masked_secret", read_only=True)

    class Meta:
        model = WebhookSubscriber
        fields = ["id", "region", "name", "url", "event_codes", "levels", "regions", "is_active", "remark", "secret",
                  "secret_masked", "secret_set_at", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["secret_set_at", "is_demo", "created_at", "updated_at"]
        validators = []

    def get_secret(self, subscriber) -> str:
        return subscriber.secret if self.context.get("show_secret") else ""


class SubscriberViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                        mixins.UpdateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Webhook 订阅：接收已发布预警（签名 JSON）的其他系统，按事件类型、级别、区划订阅；停用而不删除（保留推送记录）。
    推送记录见 /api/warnings/deliveries/?subscriber=ID。"""

    queryset = WebhookSubscriber.objects.select_related("region").prefetch_related("regions")
    serializer_class = SubscriberSerializer
    filterset_class = filtersets.SubscriberFilterSet
    search_fields = ["name", "url"]
    ordering_fields = ["name", "region__code"]
    save_service = staticmethod(webhooks.save_subscriber)  # no destroy: disabled, never deleted
    save_extra = ServiceViewSet.save_extra
    perform_create = ServiceViewSet.perform_create
    perform_update = ServiceViewSet.perform_update

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        shown = self.get_serializer(serializer.instance, context={**self.get_serializer_context(), "show_secret": True})
        return Response(shown.data, status=201)

    @extend_schema(request=None, responses={200: SubscriberSerializer})
    @action(detail=True, methods=["post"], url_path="renew-secret", url_name="renew-secret",
            permission_classes=[ServiceChecked])
    def renew_secret(self, request, pk=None):
        """重新生成签名密钥（旧密钥立即失效），新密钥只在本次应答中给出。"""
        subscriber = self.get_object()
        webhooks.renew_secret(request.user, subscriber)
        subscriber.refresh_from_db()
        context = {**self.get_serializer_context(), "show_secret": True}
        return Response(self.get_serializer(subscriber, context=context).data)


ROUTES = [  # (prefix, viewset, basename)
    ("warnings/messages", WarningViewSet, "warning"),
    ("warnings/deliveries", DeliveryViewSet, "delivery"),
    ("warnings/recipients", RecipientViewSet, "recipient"),
    ("warnings/terminals", TerminalViewSet, "loudspeakerterminal"),
    ("warnings/templates", TemplateViewSet, "warningtemplate"),
    ("warnings/webhooks", SubscriberViewSet, "webhooksubscriber"),
]
