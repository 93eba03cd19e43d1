from django.urls import path

from . import views

app_name = "resources"

urlpatterns = [
    path("forces/", views.ForceListView.as_view(), name="force_list"),
    path("forces/export.xlsx", views.ForceExportView.as_view(), name="force_export"),
    path("forces/add/", views.ForceFormView.as_view(), name="force_add"),
    path("forces/<int:pk>/", views.ForceDetailView.as_view(), name="force_detail"),
    path("forces/<int:pk>/edit/", views.ForceFormView.as_view(), name="force_edit"),
    path("forces/<int:pk>/delete/", views.ForceDeleteView.as_view(), name="force_delete"),
    path("forces/<int:pk>/status/", views.ForceStatusView.as_view(), name="force_status"),
    path("warehouses/", views.WarehouseListView.as_view(), name="warehouse_list"),
    path("warehouses/export.xlsx", views.WarehouseExportView.as_view(), name="warehouse_export"),
    path("warehouses/add/", views.WarehouseFormView.as_view(), name="warehouse_add"),
    path("warehouses/<int:pk>/", views.WarehouseDetailView.as_view(), name="warehouse_detail"),
    path("warehouses/<int:pk>/edit/", views.WarehouseFormView.as_view(), name="warehouse_edit"),
    path("warehouses/<int:pk>/movements/", views.MovementView.as_view(), name="warehouse_movement"),
    path("supplies/", views.SupplyItemListView.as_view(), name="item_list"),
    path("supplies/add/", views.SupplyItemFormView.as_view(), name="item_add"),
    path("supplies/<int:pk>/edit/", views.SupplyItemFormView.as_view(), name="item_edit"),
    path("shelters/", views.ShelterListView.as_view(), name="shelter_list"),
    path("shelters/export.xlsx", views.ShelterExportView.as_view(), name="shelter_export"),
    path("shelters/add/", views.ShelterFormView.as_view(), name="shelter_add"),
    path("shelters/capacity/", views.ShelterCapacityView.as_view(), name="shelter_capacity"),
    path("shelters/<int:pk>/", views.ShelterDetailView.as_view(), name="shelter_detail"),
    path("shelters/<int:pk>/edit/", views.ShelterFormView.as_view(), name="shelter_edit"),
    path("hydrants/", views.HydrantListView.as_view(), name="hydrant_list"),
    path("hydrants/export.xlsx", views.HydrantExportView.as_view(), name="hydrant_export"),
    path("hydrants/add/", views.HydrantFormView.as_view(), name="hydrant_add"),
    path("hydrants/<int:pk>/", views.HydrantDetailView.as_view(), name="hydrant_detail"),
    path("hydrants/<int:pk>/edit/", views.HydrantFormView.as_view(), name="hydrant_edit"),
    path("hydrants/<int:pk>/inspections/", views.HydrantInspectionView.as_view(), name="hydrant_inspect"),
    path("stock/report/", views.StockReportView.as_view(), name="stock_report"),
]
