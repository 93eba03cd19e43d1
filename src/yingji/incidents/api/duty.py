"""API of the duty roster: shifts (scoped; written through the duty services), who is on duty now,
and the handover."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.api_policy import ModelPermissions
from yingji.core.models import Region, User

from .. import filtersets
from ..models import DutyLogEntry, DutyShift
from ..services import duty as services


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "phone"]


class ShiftSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="值班区划")
    region_name = serializers.CharField(source="region.name", read_only=True)
    leader = ScopedRelatedField(queryset=User.objects.all(), required=False, allow_null=True, label="带班领导")
    officers = ScopedRelatedField(queryset=User.objects.all(), many=True, required=False, label="值班员")
    leader_detail = PersonSerializer(source="leader", read_only=True, allow_null=True)  # a shift may have no leader
    officers_detail = PersonSerializer(source="officers", many=True, read_only=True)

    class Meta:
        model = DutyShift
        fields = ["id", "region", "region_name", "starts_at", "ends_at", "leader", "leader_detail", "officers",
                  "officers_detail", "phone", "handover_notes", "handed_over_at", "handed_over_by", "taken_over_at",
                  "taken_over_by", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["handover_notes", "handed_over_at", "handed_over_by", "taken_over_at", "taken_over_by",
                            "is_demo", "created_at", "updated_at"]
        validators = []  # the service checks times (and the database's constraint) with its own messages

    def validate(self, attrs):
        return attrs  # no model-level checks here: save_shift reports every problem by field


class OnShiftPermission(ModelPermissions):
    """POST needs only to see the shift: hand_over itself admits those on it and the roster makers."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class HandoverSerializer(serializers.Serializer):
    handover_notes = serializers.CharField(required=False, allow_blank=True, default="", label="交接班记录")


class DutyShiftViewSet(ServiceViewSet):
    """Duty shifts in the user's region and below. Filters: ?on=YYYY-MM-DD (shifts going on that local
    day), ?region=<id> (that region and below). Creating, editing and deleting need the roster permission."""

    queryset = DutyShift.objects.select_related("region", "leader").prefetch_related("officers")
    serializer_class = ShiftSerializer
    filterset_class = filtersets.DutyShiftFilterSet
    ordering_fields = ["starts_at", "ends_at"]
    delete_service = staticmethod(services.delete_shift)

    def save_extra(self, serializer):
        officers = serializer.validated_data.pop("officers", None)
        if officers is None:
            officers = list(serializer.instance.officers.all()) if serializer.instance else []
        return {"officers": officers}

    @staticmethod
    def save_service(actor, shift, data, officers):
        return services.save_shift(actor, shift, data, officers)

    @extend_schema(responses=ShiftSerializer(many=True))
    @action(detail=False, methods=["get"])
    def now(self, request):
        """Who is on duty now: the current shifts in your region and below, your own region first."""
        return Response(ShiftSerializer(services.on_duty_now(request.user), many=True,
                                        context=self.get_serializer_context()).data)

    @extend_schema(request=HandoverSerializer, responses=ShiftSerializer)
    @action(detail=True, methods=["post"], permission_classes=[OnShiftPermission])
    def handover(self, request, pk=None):
        """交班: the handover note, by someone on the shift, once it has started."""
        shift = self.get_object()
        body = HandoverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shift = services.hand_over(request.user, shift, body.validated_data["handover_notes"])
        return Response(ShiftSerializer(shift, context=self.get_serializer_context()).data)


    @extend_schema(request=None, responses=ShiftSerializer)
    @action(detail=True, methods=["post"], permission_classes=[OnShiftPermission])
    def takeover(self, request, pk=None):
        """接班签收 of a handed-over shift, by someone on the next shift of its region (or a roster maker)."""
        shift = services.take_over(request.user, self.get_object())
        return Response(ShiftSerializer(shift, context=self.get_serializer_context()).data)


class LogEntrySerializer(serializers.ModelSerializer):
    shift = ScopedRelatedField(queryset=DutyShift.objects.all(), label="班次")
    handled_by = ScopedRelatedField(queryset=User.objects.all(), required=False, allow_null=True, label="经办人")
    handled_by_name = serializers.CharField(source="handled_by.__str__", read_only=True, default="")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    region_name = serializers.CharField(source="shift.region.name", read_only=True)

    class Meta:
        model = DutyLogEntry
        fields = ["id", "shift", "region_name", "time", "kind", "kind_label", "counterpart", "content", "handled_by",
                  "handled_by_name", "follow_up", "follow_up_done", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # The service checks the content, the counterpart of a call and the time within the shift.
        extra_kwargs = {"content": {"required": False, "allow_blank": True}}


class DutyLogEntryViewSet(ServiceViewSet):
    """值班日志 of the shifts in your region and below. Filters: ?day=YYYY-MM-DD, ?kind=, ?shift=<id>,
    ?handled_by=<id>, ?open=true (follow-ups not done); ?search= counterpart, content, follow-up. Entries are
    written while the shift is not handed over; the handover signs the log."""

    queryset = DutyLogEntry.objects.select_related("shift__region", "handled_by")
    serializer_class = LogEntrySerializer
    filterset_class = filtersets.DutyLogEntryFilterSet
    search_fields = ["counterpart", "content", "follow_up"]
    ordering_fields = ["time", "id"]
    save_service = staticmethod(services.save_log_entry)
    delete_service = staticmethod(services.delete_log_entry)


routes = [("duty-shifts", DutyShiftViewSet, "dutyshift"), ("duty-log", DutyLogEntryViewSet, "dutylogentry")]
