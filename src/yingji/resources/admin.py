from django.contrib import admin

from yingji.core.admin import ReadOnlyScopedAdmin

from .models import ForceStatusChange, RescueForce


@admin.register(RescueForce)
class RescueForceAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "type", "region", "status", "members_on_duty"]
    list_filter = ["type", "status"]
    search_fields = ["name"]


@admin.register(ForceStatusChange)
class ForceStatusChangeAdmin(ReadOnlyScopedAdmin):
    list_display = ["force", "from_status", "to_status", "time", "reason"]
