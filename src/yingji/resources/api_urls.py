from . import api

routes = [
    ("forces", api.ForceViewSet, "rescueforce"),
    ("warehouses", api.WarehouseViewSet, "warehouse"),
    ("supply-items", api.SupplyItemViewSet, "supplyitem"),
    ("stock-levels", api.StockLevelViewSet, "stocklevel"),
    ("stock-movements", api.StockMovementViewSet, "stockmovement"),
    ("reserve-norms", api.ReserveNormViewSet, "reservenorm"),
    ("shelters", api.ShelterViewSet, "shelter"),
    ("hydrants", api.HydrantViewSet, "hydrant"),
    ("experts", api.ExpertViewSet, "expert"),
    ("agreement-reserves", api.AgreementViewSet, "agreementreserve"),
    ("vehicles", api.VehicleViewSet, "vehicle"),
    ("equipment", api.EquipmentViewSet, "equipment"),
]
