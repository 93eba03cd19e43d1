from django.contrib import admin

from yingji.core.admin import ReadOnlyScopedAdmin

from .models import Activation, Plan, Task


@admin.register(Plan)
class PlanAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "type", "region", "version", "status"]
    list_filter = ["type", "status"]
    search_fields = ["name"]


@admin.register(Activation)
class ActivationAdmin(ReadOnlyScopedAdmin):
    list_display = ["plan", "incident", "level", "active", "activated_at"]


@admin.register(Task)
class TaskAdmin(ReadOnlyScopedAdmin):
    list_display = ["text", "organisation", "status", "due_at"]
    list_filter = ["status"]
