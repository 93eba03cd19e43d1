"""Live notifications (通知): what is waiting for the user now, polled by the bell in the page header
(web/static/web/notify.js) every YINGJI_NOTIFY_SECONDS.

Each app may have `notifications.py` with SOURCES, a list of `Source`: for a user it counts the things waiting
for them and lists the first few, scoped like the list page its URL opens. A source is a few lines:

    Source(key="public_reports", label="待核实的群众报告", url="incidents:public_inbox",
           perm="incidents.view_publicreport", waiting=pending_reports, item=public_item)

`waiting(user, now)` returns the scoped queryset, most urgent first (the endpoint counts it and takes
ITEMS_PER_SOURCE of it: two queries); `item(obj, now)` turns one record into an `Item`. `refresh` names the
pages that show these records and the parts of them notify.js fetches again when they change
({url name: [CSS selectors]}), so a list on screen follows without a reload.

The endpoint is polled: it reads only. The page sends X-Yingji-Background (core/middleware.py), so a screen
left open does not count as activity, keep the session alive or save it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from .discovery import app_modules
from .schema import AutoSchema

ITEMS_PER_SOURCE = 5


@dataclass(frozen=True)
class Item:
    """One waiting thing. notify.js toasts an item whose `id` it has not shown before and, when it has a
    `since`, that arrived after its previous poll (an older item moving up into the first few when a newer one
    is handled is not new). `id` changes when the thing needs attention anew (a report due soon that is now
    overdue)."""

    id: str
    title: str
    time: object  # an aware datetime: when it arrived, or when it is due
    url: str
    kind: str  # what the toast says before the title: "新的群众报告"
    note: str = ""
    # When it arrived, for sources listing the newest first: only an item that arrived since the previous poll
    # is toasted. None: any item not shown before is (a source listing the most urgent first).
    since: object = None

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "time": self.time.isoformat() if self.time else None,
                "since": self.since.isoformat() if self.since else None, "url": self.url, "kind": self.kind,
                "note": self.note}


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    url: str  # URL name of the list the source opens
    perm: str
    waiting: Callable  # (user, now) → scoped queryset, most urgent first
    item: Callable  # (record, now) → Item
    refresh: dict = field(default_factory=dict)  # {URL name: [CSS selectors]} of the pages showing these records

    def visible_to(self, user) -> bool:
        return user.has_perm(self.perm)

    def collect(self, user, now) -> dict:
        waiting = self.waiting(user, now)
        count = waiting.count()
        items = [self.item(record, now) for record in waiting[:ITEMS_PER_SOURCE]] if count else []
        return {"key": self.key, "label": self.label, "count": count, "url": reverse(self.url),
                "items": items,
                "refresh": {reverse(name): selectors for name, selectors in self.refresh.items()}}


_SOURCES = None


def sources() -> list[Source]:
    """Every app's notifications.SOURCES, in INSTALLED_APPS order (found once)."""
    global _SOURCES
    if _SOURCES is None:
        # This module is core's notifications.py too: core has no SOURCES (yet).
        _SOURCES = [source for module in app_modules("notifications") for source in getattr(module, "SOURCES", [])]
    return _SOURCES


def collect(user, now=None) -> dict:
    """{"total", "sources": [{"key", "label", "count", "url", "items", "refresh"}], "latest", "now",
    "poll_seconds"} for the sources `user` may see. `latest`: when the newest listed item arrived (ISO; null
    when none has an arrival time)."""
    now = now or timezone.now()
    found = [source.collect(user, now) for source in sources() if source.visible_to(user)]
    times = [item.since for source in found for item in source["items"] if item.since]
    for source in found:
        source["items"] = [item.as_json() for item in source["items"]]
    return {"total": sum(source["count"] for source in found), "sources": found, "now": now.isoformat(),
            "latest": max(times).isoformat() if times else None, "poll_seconds": settings.YINGJI_NOTIFY_SECONDS}


NOT_LOGGED_IN = {"error": {"code": "not_authenticated", "message": "登录已超时或尚未登录，通知已停止：请重新登录。"}}


@never_cache
@require_GET
def endpoint(request):
    """GET /notifications/: the JSON above. Not logged in (or logged out for idleness): 401 in the API's error
    shape, not a redirect to the login page, so the bell can say so."""
    if not request.user.is_authenticated:
        return JsonResponse(NOT_LOGGED_IN, status=401)
    return JsonResponse(collect(request.user), json_dumps_params={"ensure_ascii": False})


def context(request) -> dict:
    """Template context: the bell's poll interval (base.html)."""
    return {"notify_seconds": settings.YINGJI_NOTIFY_SECONDS}


# --- The same under the API (GET /api/notifications/), for clients with a token --------------------------------

class NotificationItemSerializer(serializers.Serializer):
    id = serializers.CharField(label="标识（状态变化时改变）")
    title = serializers.CharField(label="标题")
    time = serializers.DateTimeField(label="时间（到达或应报）", allow_null=True)
    since = serializers.DateTimeField(label="到达时间（按最新排序的来源）", allow_null=True)
    url = serializers.CharField(label="页面地址")
    kind = serializers.CharField(label="类别（提示语）")
    note = serializers.CharField(label="说明")


class NotificationSourceSerializer(serializers.Serializer):
    key = serializers.CharField(label="来源")
    label = serializers.CharField(label="名称")
    count = serializers.IntegerField(label="待处理数")
    url = serializers.CharField(label="列表页地址")
    items = NotificationItemSerializer(many=True, label=f"最新或最紧急的至多 {ITEMS_PER_SOURCE} 项")
    refresh = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    label="显示这些记录的页面及其部分（网页用）")


class NotificationsSerializer(serializers.Serializer):
    total = serializers.IntegerField(label="待处理总数")
    sources = NotificationSourceSerializer(many=True)
    latest = serializers.DateTimeField(label="最新一项的时间", allow_null=True)
    now = serializers.DateTimeField(label="服务器时间")
    poll_seconds = serializers.IntegerField(label="建议轮询间隔（秒）")


class _OneObjectSchema(AutoSchema):
    """The `list` route answers one object, not a list of them."""

    def _is_list_view(self, serializer=None):
        return False


class NotificationViewSet(viewsets.ViewSet):
    """待处理通知：待核实的群众报告、即将到期或已超时的信息报告等，各来源按当前用户的区划和权限限定，与其列表页一致。
    只读；网页会话轮询时请加请求头 X-Yingji-Background: 1（不计为用户操作）。"""

    # core/checks.py asks a routed viewset without a queryset to say why it needs no scoping of its own.
    scoping_public = "不直接提供任何模型的记录：各通知来源自行按用户区划限定（core/notifications.py，与其列表页相同）。"
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    schema = _OneObjectSchema()

    @extend_schema(responses=NotificationsSerializer)
    def list(self, request):
        return Response(collect(request.user))
