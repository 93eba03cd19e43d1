"""HTTP ingest of readings for gateways that cannot speak MQTT: POST /api/monitoring/readings/ with
`Authorization: Gateway <token>` and a JSON array of readings, each naming its sensor.

The endpoint serves no records: it takes readings of the posting gateway's own sensors only (services/ingest
refuses the others, item by item), so it is declared scoping_public with that reason, and authenticates
gateways only (a person's token or session is not a gateway's)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from yingji.core.middleware import body_limit

from .services import gateways
from .services.ingest import ingest

KEYWORD = "Gateway"
MAX_ITEMS = 5000
MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # 2.5 MB: far more than 5,000 readings take


class GatewayPrincipal:
    """request.user of a gateway's request: authenticated as that gateway, never a person (no permissions)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, gateway):
        self.gateway = gateway
        self.username = f"gateway:{gateway.code}"
        self.region = gateway.region
        self.region_id = gateway.region_id

    def get_username(self) -> str:
        return self.username

    def __str__(self):
        return f"网关 {self.gateway.code}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perms, obj=None) -> bool:
        return False

    def get_all_permissions(self, obj=None) -> set:
        return set()


class GatewayAuthentication(BaseAuthentication):
    """`Authorization: Gateway <token>` (services/gateways): the token's gateway, active or not (the permission
    below refuses an inactive one with its own reason). Any other scheme is left to others: not a gateway."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(f"网关令牌格式不正确：请求头应为 Authorization: {KEYWORD} <令牌>。")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("网关令牌含有无效字符。") from None
        gateway = gateways.holder_of(token)
        if gateway is None:
            raise exceptions.AuthenticationFailed("网关令牌无效，或已被重新签发的令牌替换。")
        return GatewayPrincipal(gateway), gateway

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'  # makes "no token" a 401, not a 403


class ActiveGateway(BasePermission):
    message = "该网关已停用，不能上报读数。"

    def has_permission(self, request, view):
        gateway = request.auth
        return gateway is not None and getattr(gateway, "is_active", False)


class GatewayAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the gateway's security scheme (drf-spectacular picks the extension up when it is defined)."""

    target_class = "yingji.monitoring.api_ingest.GatewayAuthentication"
    name = "gatewayToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": f"网关令牌：{KEYWORD} <令牌>（在网关页面签发，只显示一次）"}


class ReadingItemSerializer(serializers.Serializer):
    """One reading as a gateway posts it (documentation only: each item is checked by services/ingest, so one bad
    item is refused alone and the rest are stored)."""

    sensor = serializers.CharField(help_text="监测点编码", max_length=64)
    id = serializers.CharField(help_text="消息编号：同一监测点内唯一（重复的编号只存一次）", max_length=64)
    ts = serializers.JSONField(help_text="读数时间：带时区的 ISO 8601（如 2026-11-30T08:00:00+08:00）或毫秒时间戳（整数）")
    value = serializers.FloatField(required=False, help_text="数值（数值型监测点）")
    event = serializers.ChoiceField(required=False, choices=["火警", "故障", "监管", "屏蔽", "复位"],
                                    help_text="事件（火灾报警控制器，代替 value）")


ReadingItemSerializer.__name__ = "GatewayReading"

class GatewayReadingRejectionSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="在提交数组中的序号（从 0 起）")
    sensor = serializers.CharField(help_text="监测点编码（缺失时为空）")
    id = serializers.CharField(help_text="消息编号（缺失时为空）")
    reason = serializers.CharField(help_text="拒收原因（中文，指明字段）")


class GatewayReadingResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="新存入的读数条数")
    duplicates = serializers.IntegerField(help_text="重复的（监测点, 消息编号）：已存过或本批重复，不再存")
    rejected = GatewayReadingRejectionSerializer(many=True)


RESULT = GatewayReadingResultSerializer


class ReadingIngestViewSet(viewsets.ViewSet):
    """POST a JSON array of readings as a gateway."""

    scoping_public = "网关上报读数的入口：只接收、不返回任何记录；网关只能为本网关的监测点上报（按令牌逐条核对）"
    authentication_classes = [GatewayAuthentication]
    permission_classes = [ActiveGateway]
    parser_classes = [JSONParser]

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(f"缺少网关令牌：请求头应为 Authorization: {KEYWORD} <令牌>。")
        super().permission_denied(request, message, code)

    @extend_schema(
        operation_id="monitoring_readings_ingest", summary="网关上报读数",
        request=ReadingItemSerializer(many=True),
        responses={200: OpenApiResponse(RESULT, description="全部接收（含重复）"),
                   207: OpenApiResponse(RESULT, description="部分或全部被拒收：见 rejected"),
                   400: OpenApiResponse(description="不是 JSON 数组，或条数超过上限"),
                   401: OpenApiResponse(description="缺少或无效的网关令牌"),
                   403: OpenApiResponse(description="网关已停用")},
        description=(f"网关以 JSON 数组上报读数（每次最多 {MAX_ITEMS} 条），每条注明监测点编码 sensor。逐条校验："
                     "有误的条目被拒收并说明原因（计入网关的拒收数），其余照常存入；重复的（监测点, 消息编号）只存一次。"),
        examples=[OpenApiExample("数值读数", request_only=True, value={
            "sensor": "DEMO-LEL-01", "id": "20261130-000001", "ts": "2026-11-30T08:00:00+08:00", "value": 3.2}),
            OpenApiExample("火灾报警控制器事件", request_only=True, value={
                "sensor": "DEMO-FIRE-01", "id": "evt-88", "ts": 1764460800000, "event": "火警"})],
    )
    @body_limit(MAX_BODY_BYTES)
    def create(self, request):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ValidationError({"non_field_errors": [
                "请求体应为读数的 JSON 数组，如 [{\"sensor\": \"编码\", \"id\": \"消息编号\", \"ts\": …, \"value\": …}]。"]})
        if not items:
            raise exceptions.ValidationError({"non_field_errors": ["读数数组为空。"]})
        if len(items) > MAX_ITEMS:
            raise exceptions.ValidationError({"non_field_errors": [
                f"一次最多上报 {MAX_ITEMS} 条读数，本次 {len(items)} 条：请分批提交。"]})
        result = ingest(items, channel="http", gateway=request.auth)
        return Response(result.as_dict(), status=status.HTTP_207_MULTI_STATUS if result.rejected else status.HTTP_200_OK)


ROUTES = [("monitoring/readings", ReadingIngestViewSet, "reading-ingest")]  # (prefix, viewset, basename)
