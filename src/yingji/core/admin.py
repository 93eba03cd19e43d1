"""Django admin is read-only for Yingji's records: every change goes through services (and the audit
trail) in Yingji's own pages and API, never through admin forms that would bypass them."""

from django.contrib import admin

from .models import AuditEntry, Organisation, Region, RegionGDP, User
from .scoping import scope


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "code", "level", "kind", "parent", "population", "approximate"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "code"]


@admin.register(RegionGDP)
class RegionGDPAdmin(ReadOnlyScopedAdmin):
    list_display = ["region", "year", "gdp_wan"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "type", "region"]
    list_filter = ["type"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(ReadOnlyScopedAdmin):
    list_display = ["username", "display_name", "region", "is_active"]
    search_fields = ["username", "display_name"]
    exclude = ["password"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["time", "actor_name", "action", "model_name", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["object_repr", "actor_name"]
