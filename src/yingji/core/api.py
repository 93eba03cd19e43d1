"""API of the core app and the base classes every app's api.py builds on."""

import shapely
import shapely.geometry
from django.contrib.auth.models import Group
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from . import filtersets, geo, roles, services
from .api_base import ScopedLedgerViewSet, ScopedRelatedField, ServiceViewSet
from .layers import LayerActionMixin, parse_bbox
from .models import AuditEntry, Contact, Organisation, Region, RegionGDP, User
from .schema import BBOX_PARAMETER, FEATURE_COLLECTION, shape
from .security import issue_token, lock_message, token_expiry

# --- Regions ----------------------------------------------------------------

class RegionSerializer(serializers.ModelSerializer):
    parent = ScopedRelatedField(queryset=Region.objects.all(), required=False, allow_null=True, label="上级区划")
    full_name = serializers.CharField(read_only=True)
    allow_outside_china = serializers.BooleanField(write_only=True, required=False, default=False, label="允许境外坐标")

    class Meta:
        model = Region
        fields = [
            "id", "code", "name", "level", "kind", "parent", "full_name", "longitude", "latitude", "approximate",
            "boundary", "population", "area_km2", "is_demo", "allow_outside_china", "created_at", "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        # Uniqueness is checked by the service with a message naming the region.
        validators = []
        extra_kwargs = {"code": {"validators": []}}


class RegionGDPSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="行政区划")

    class Meta:
        model = RegionGDP
        fields = ["id", "region", "year", "gdp_wan"]
        validators = []


def region_properties(region: Region) -> dict:
    return {"name": region.name, "level": region.level, "level_label": region.get_level_display(),
            "code": region.code or "", "population": region.population, "url": region.get_absolute_url()}


class RegionViewSet(LayerActionMixin, ServiceViewSet):
    layer_properties = staticmethod(region_properties)
    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    search_fields = ["name", "code"]
    ordering_fields = ["path", "code", "name", "population"]
    filterset_class = filtersets.RegionFilterSet
    save_service = staticmethod(services.save_region)
    delete_service = staticmethod(services.delete_region)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "layer":  # centres only: not every region's GeoJSON boundary and its parent's (20–50 KB each)
            return queryset.defer("boundary", "parent__boundary")
        return queryset.with_boundary()  # the serializer sends the boundary

    def save_extra(self, serializer):
        serializer.validated_data.pop("allow_outside_china", None)
        return {"allow_outside_china": serializer.initial_data.get("allow_outside_china") in (True, "true", "1", 1)}

    @extend_schema(parameters=[BBOX_PARAMETER], responses=FEATURE_COLLECTION)
    @action(detail=False, methods=["get"])
    def boundaries(self, request):
        """Boundaries (GeoJSON polygons) of the regions in scope that have one, cut to the bbox by extent."""
        bbox = parse_bbox(request.query_params.get("bbox"))
        features = []
        for region in self.filter_queryset(self.get_queryset()).with_boundary().exclude(boundary__isnull=True).order_by("path"):
            geometry = region.boundary.get("geometry", region.boundary) if isinstance(region.boundary, dict) else None
            if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                continue
            if bbox is not None:
                west, south, east, north = shapely.bounds(shapely.geometry.shape(geometry))
                if east < bbox[0] or west > bbox[2] or north < bbox[1] or south > bbox[3]:
                    continue
            features.append({"type": "Feature", "id": region.pk, "geometry": geometry,
                             "properties": region_properties(region)})
        return Response({"type": "FeatureCollection", "features": features, "truncated": False,
                         "total": len(features)})

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True, description="经度"),
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="纬度"),
            OpenApiParameter("level", OpenApiTypes.STR, description="级别，默认 township"),
        ],
        responses=shape("RegionLocated", region=RegionSerializer(), method=serializers.CharField(),
                        method_label=serializers.CharField(), distance_m=serializers.FloatField(allow_null=True)),
    )
    @action(detail=False, methods=["get"])
    def locate(self, request):
        """Which region of a level contains the point: by boundary when present, else nearest centre."""
        fields = {}
        values = {}
        for name, label in (("lon", "经度"), ("lat", "纬度")):
            try:
                values[name] = float(request.query_params[name])
            except (KeyError, ValueError):
                fields[name] = [f"请提供数字形式的{label}。"]
        level = request.query_params.get("level", "township")
        if level not in dict(Region.LEVEL_CHOICES):
            fields["level"] = [f"未知级别“{level}”。"]
        if fields:
            raise ValidationError(fields)
        geo.validate_point(values["lon"], values["lat"], lon_field="lon", lat_field="lat")
        found = geo.locate_region(request.user, values["lon"], values["lat"], level)
        if found is None:
            raise NotFound()
        region, how = found
        return Response({
            "region": RegionSerializer(region, context={"request": request}).data,
            "method": how.method,
            "method_label": how.method_label,
            "distance_m": round(how.distance_m, 1) if how.distance_m is not None else None,
        })


class RegionGDPViewSet(ServiceViewSet):
    queryset = RegionGDP.objects.select_related("region")
    serializer_class = RegionGDPSerializer
    filterset_class = filtersets.RegionGDPFilterSet
    ordering_fields = ["year"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.set_region_gdp(self.request.user, data["region"], data["year"], data["gdp_wan"])

    def perform_update(self, serializer):
        data = {**{"region": serializer.instance.region, "year": serializer.instance.year}, **serializer.validated_data}
        serializer.instance = services.save_scoped(self.request.user, serializer.instance, data)

    def perform_destroy(self, instance):
        services.delete_scoped(self.request.user, instance)


# --- Organisations ----------------------------------------------------------

class OrganisationSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    parent = ScopedRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True, label="上级单位")
    region_name = serializers.CharField(source="region.name", read_only=True)
    type_label = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "short_name", "type", "type_label", "region", "region_name", "parent", "credit_code",
            "contact_person", "phone", "address", "duties", "is_demo", "created_at", "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class OrganisationViewSet(ServiceViewSet):
    queryset = Organisation.objects.select_related("region")
    serializer_class = OrganisationSerializer
    search_fields = ["name", "short_name", "duties"]
    ordering_fields = ["name", "type", "region__path"]
    filterset_class = filtersets.OrganisationFilterSet
    save_service = staticmethod(services.save_organisation)
    delete_service = staticmethod(services.delete_organisation)


# --- Contacts (通讯录) --------------------------------------------------------

class ContactSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    organisation = ScopedRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True,
                                      label="所在单位")
    region_name = serializers.CharField(source="region.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True, default="")

    class Meta:
        model = Contact
        fields = ["id", "name", "organisation", "organisation_name", "position", "mobile", "office_phone",
                  "is_duty_phone", "region", "region_name", "remark", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        # Phones are checked and normalised by the service (one message per field, all at once).
        extra_kwargs = {"mobile": {"validators": []}, "office_phone": {"validators": []}}


class ContactViewSet(ServiceViewSet):
    """通讯录: the lines of your region and below, and those of the regions above (they apply downwards);
    writes only to your region and below. ?search= name, unit, position, phone; ?is_duty_phone=true."""

    queryset = Contact.objects.select_related("region", "organisation")
    serializer_class = ContactSerializer
    search_fields = ["name", "organisation__name", "organisation__short_name", "position", "mobile", "office_phone",
                     "remark"]
    ordering_fields = ["name", "region__path", "organisation__name"]
    filterset_class = filtersets.ContactFilterSet
    save_service = staticmethod(services.save_contact)
    delete_service = staticmethod(services.delete_contact)


# --- Users ------------------------------------------------------------------

class UserSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, allow_null=True, label="所属区划")
    organisation = ScopedRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, label="所属单位"
    )
    roles = serializers.ListField(child=serializers.CharField(), required=False, label="角色")
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"}, label="密码")
    region_name = serializers.CharField(source="region.full_name", read_only=True, default="")

    class Meta:
        model = User
        fields = [
            "id", "username", "display_name", "email", "phone", "region", "region_name", "organisation",
            "roles", "is_active", "password", "last_login", "date_joined",
        ]
        read_only_fields = ["last_login", "date_joined"]
        extra_kwargs = {"username": {"validators": []}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["roles"] = instance.role_names
        return data


class UserViewSet(ServiceViewSet):
    queryset = User.objects.select_related("region", "organisation").prefetch_related("groups")
    serializer_class = UserSerializer
    filterset_class = filtersets.UserFilterSet
    search_fields = ["username", "display_name", "phone"]
    ordering_fields = ["username", "date_joined"]
    save_service = staticmethod(services.save_user)
    delete_service = staticmethod(services.delete_user)

    def save_extra(self, serializer):
        data = serializer.validated_data
        return {"role_names": data.pop("roles", None), "password": data.pop("password", None)}

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def me(self, request):
        """The logged-in user, with their region: the scope of everything they see."""
        return Response(self.get_serializer(request.user).data)


class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    """The roles (groups) and their permissions."""

    scoping_public = "角色及其权限是全系统统一的定义，不属于任何区划。"

    queryset = Group.objects.filter(name__in=roles.ROLE_NAMES).prefetch_related("permissions")
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    class serializer_class(serializers.ModelSerializer):
        permissions = serializers.SlugRelatedField(many=True, read_only=True, slug_field="codename")
        code = serializers.SerializerMethodField()

        class Meta:
            model = Group
            fields = ["id", "code", "name", "permissions"]

        def get_code(self, group) -> str:
            return next((code for code, name in roles.ROLES.items() if name == group.name), "")


# --- Audit trail (read-only by construction: no write routes exist) ----------

class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id", "time", "actor", "actor_name", "action", "action_label", "model", "model_name",
            "object_id", "object_repr", "region", "changes",
        ]


class AuditEntryViewSet(ScopedLedgerViewSet):
    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = filtersets.AuditFilterSet
    search_fields = ["object_repr", "actor_name"]
    ordering_fields = ["time"]


# --- Token login, throttled like the web login ----------------------------------

class TokenAnswer(serializers.Serializer):
    token = serializers.CharField(label="令牌")
    expires_at = serializers.DateTimeField(label="过期时间")


class TokenLoginView(ObtainAuthToken):
    """POST username + password → {"token", "expires_at"}; refused while this client is locked out."""

    @extend_schema(responses=TokenAnswer)
    def post(self, request, *args, **kwargs):
        serializer = self.serializer_class(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # set by the throttling backend
                raise ValidationError({"non_field_errors": [lock_message()]})
            raise ValidationError({"non_field_errors": ["用户名或密码错误。"]})
        token = issue_token(serializer.validated_data["user"], request)
        return Response({"token": token.key, "expires_at": token_expiry(token)})
