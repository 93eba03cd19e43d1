from . import api, notifications

# (prefix, viewset, basename): yingji/urls.py puts every app's routes on one router.
routes = [
    ("regions", api.RegionViewSet, "region"),
    ("region-gdp", api.RegionGDPViewSet, "regiongdp"),
    ("organisations", api.OrganisationViewSet, "organisation"),
    ("contacts", api.ContactViewSet, "contact"),
    ("users", api.UserViewSet, "user"),
    ("roles", api.RoleViewSet, "role"),
    ("audit", api.AuditEntryViewSet, "auditentry"),
    ("notifications", notifications.NotificationViewSet, "notification"),
]
