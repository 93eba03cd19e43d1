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
]
