from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("enterprises/", views.EnterpriseListView.as_view(), name="enterprise_list"),
    path("enterprises/add/", views.EnterpriseFormView.as_view(), name="enterprise_add"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseFormView.as_view(), name="enterprise_edit"),
    path("enterprises/<int:pk>/delete/", views.EnterpriseDeleteView.as_view(), name="enterprise_delete"),
    path("licences/add/", views.LicenceFormView.as_view(), name="licence_add"),
    path("licences/<int:pk>/edit/", views.LicenceFormView.as_view(), name="licence_edit"),
    path("licences/<int:pk>/delete/", views.LicenceDeleteView.as_view(), name="licence_delete"),
    path("hazard-units/add/", views.UnitFormView.as_view(), name="unit_add"),
    path("hazard-units/<int:pk>/edit/", views.UnitFormView.as_view(), name="unit_edit"),
    path("hazard-units/<int:pk>/delete/", views.UnitDeleteView.as_view(), name="unit_delete"),
    path("inventory/add/", views.LineFormView.as_view(), name="line_add"),
    path("inventory/<int:pk>/edit/", views.LineFormView.as_view(), name="line_edit"),
    path("inventory/<int:pk>/delete/", views.LineDeleteView.as_view(), name="line_delete"),
    path("major-hazards/", views.MajorHazardListView.as_view(), name="major_hazard_list"),
    path("hazards/", views.HazardListView.as_view(), name="hazard_list"),
    path("hazards/add/", views.HazardFormView.as_view(), name="hazard_add"),
    path("hazards/stats/", views.HazardStatsView.as_view(), name="hazard_stats"),
    path("hazards/<int:pk>/", views.HazardDetailView.as_view(), name="hazard_detail"),
    path("hazards/<int:pk>/edit/", views.HazardFormView.as_view(), name="hazard_edit"),
    path("hazards/<int:pk>/delete/", views.HazardDeleteView.as_view(), name="hazard_delete"),
    path("hazards/<int:pk>/plan/", views.HazardPlanView.as_view(), name="hazard_plan"),
    path("hazards/<int:pk>/progress/", views.HazardProgressView.as_view(), name="hazard_progress"),
    path("hazards/<int:pk>/rectified/", views.HazardRectifiedView.as_view(), name="hazard_rectified"),
    path("hazards/<int:pk>/accept/", views.HazardAcceptView.as_view(), name="hazard_accept"),
    path("hazards/<int:pk>/reject/", views.HazardRejectView.as_view(), name="hazard_reject"),
    path("hazards/<int:pk>/supervise/", views.HazardSuperviseView.as_view(), name="hazard_supervise"),
    path("hazards/<int:pk>/notice/", views.HazardNoticeView.as_view(), name="hazard_notice"),
    path("hazards/<int:pk>/photo/<str:which>/", views.HazardPhotoView.as_view(), name="hazard_photo"),
]
