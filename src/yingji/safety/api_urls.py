from . import api

routes = [
    ("enterprises", api.EnterpriseViewSet, "enterprise"),
    ("licences", api.LicenceViewSet, "licence"),
    ("hazard-units", api.HazardUnitViewSet, "hazardunit"),
    ("inventory-lines", api.InventoryLineViewSet, "inventoryline"),
    ("risk-points", api.RiskPointViewSet, "riskpoint"),
    ("risk-schemes", api.RiskSchemeViewSet, "riskscheme"),
    ("hazards", api.HazardViewSet, "hazard"),
    ("inspection-plans", api.InspectionPlanViewSet, "inspectionplan"),
    ("inspectors", api.InspectorViewSet, "inspector"),
    ("draws", api.DrawViewSet, "draw"),
    ("inspections", api.InspectionViewSet, "inspection"),
    ("enforcement-documents", api.DocumentViewSet, "enforcementdocument"),
    ("penalties", api.PenaltyViewSet, "penalty"),
    ("credit-listings", api.CreditListingViewSet, "creditlisting"),
]
