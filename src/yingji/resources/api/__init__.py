"""API of emergency resources, one module per group of registries; api_urls.py routes the viewsets below."""

from ..queries import on_hand
from .forces import (
    EquipmentViewSet,
    ExpertViewSet,
    ForceSerializer,
    ForceViewSet,
    VehicleViewSet,
    force_properties,
    force_row_properties,
)
from .sites import HydrantViewSet, ShelterViewSet
from .stock import (
    AgreementViewSet,
    ReserveNormViewSet,
    StockLevelViewSet,
    StockMovementViewSet,
    SupplyItemViewSet,
    WarehouseViewSet,
)

__all__ = [
    "AgreementViewSet", "EquipmentViewSet", "ExpertViewSet", "ForceSerializer", "ForceViewSet", "HydrantViewSet",
    "ReserveNormViewSet", "ShelterViewSet", "StockLevelViewSet", "StockMovementViewSet", "SupplyItemViewSet",
    "VehicleViewSet", "WarehouseViewSet", "force_properties", "force_row_properties", "on_hand",
]
