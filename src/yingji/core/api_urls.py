from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("region-gdp", api.RegionGDPViewSet, basename="regiongdp")
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("users", api.UserViewSet, basename="user")
router.register("roles", api.RoleViewSet, basename="role")
router.register("audit", api.AuditEntryViewSet, basename="auditentry")
