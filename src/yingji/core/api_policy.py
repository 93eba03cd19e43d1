"""API-wide defaults named in settings.REST_FRAMEWORK.

This module must not import rest_framework.views (directly or through viewsets):
DRF imports these classes while rest_framework.views itself is being imported.
"""

from rest_framework import pagination, permissions


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, with reading needing the view permission too."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        # A method the view does not offer is a 405 for everyone, not a 403 for some.
        if request.user and request.user.is_authenticated and not hasattr(view, request.method.lower()):
            return True
        return super().has_permission(request, view)


class ChangePermission(ModelPermissions):
    """For actions that change an existing record through POST (e.g. a status change)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class RecordPermission(ModelPermissions):
    """For an action that GETs a record's log and POSTs to it: reading needs view, writing needs change."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ServiceChecked(ModelPermissions):
    """For a POST action whose service checks its own permission (e.g. dispatch needs add_assignment on an
    incident): the viewset's model only needs to be visible."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}
