from django.urls import path

from . import notifications, views

app_name = "core"

urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/export.xlsx", views.RegionExportView.as_view(), name="region_export"),
    path("regions/add/", views.RegionFormView.as_view(), name="region_add"),
    path("regions/locate/", views.RegionLocateView.as_view(), name="region_locate"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("regions/<int:pk>/edit/", views.RegionFormView.as_view(), name="region_edit"),
    path("regions/<int:pk>/gdp/", views.RegionGDPView.as_view(), name="region_gdp"),
    path("regions/<int:pk>/delete/", views.RegionDeleteView.as_view(), name="region_delete"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/export.xlsx", views.OrganisationExportView.as_view(), name="organisation_export"),
    path("organisations/add/", views.OrganisationFormView.as_view(), name="organisation_add"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.OrganisationFormView.as_view(), name="organisation_edit"),
    path("organisations/<int:pk>/delete/", views.OrganisationDeleteView.as_view(), name="organisation_delete"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/export.xlsx", views.ContactExportView.as_view(), name="contact_export"),
    path("contacts/add/", views.ContactFormView.as_view(), name="contact_add"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactFormView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.UserFormView.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserFormView.as_view(), name="user_edit"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("import/<slug:kind>/", views.SheetImportView.as_view(), name="sheet_import"),
    path("import/<slug:kind>/template.xlsx", views.SheetTemplateView.as_view(), name="sheet_template"),
    path("import/<slug:kind>/errors.xlsx", views.SheetErrorsView.as_view(), name="sheet_errors"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("notifications/", notifications.endpoint, name="notifications"),
]
