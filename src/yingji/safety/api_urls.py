from . import api

routes = [
    ("enterprises", api.EnterpriseViewSet, "enterprise"),
    ("licences", api.LicenceViewSet, "licence"),
    ("hazard-units", api.HazardUnitViewSet, "hazardunit"),
    ("inventory-lines", api.InventoryLineViewSet, "inventoryline"),
    ("hazards", api.HazardViewSet, "hazard"),
]
