"""Read-only admin of the warnings (every change goes through the services and the audit trail)."""

from django.contrib import admin

from yingji.core.admin import ReadOnlyScopedAdmin

from .models import Delivery, LoudspeakerTerminal, Recipient, Warning, WarningTemplate, WebhookSubscriber


@admin.register(Warning)
class WarningAdmin(ReadOnlyScopedAdmin):
    list_display = ["headline", "identifier", "msg_type", "state", "level", "region", "sent", "source"]
    list_filter = ["state", "msg_type", "source", "level"]
    search_fields = ["headline", "identifier"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyScopedAdmin):
    list_display = ["warning", "channel", "address", "state", "attempts", "sent_at"]
    list_filter = ["channel", "state"]
    search_fields = ["address", "receipt"]


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "kind", "phone", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "phone"]


@admin.register(LoudspeakerTerminal)
class TerminalAdmin(ReadOnlyScopedAdmin):
    list_display = ["code", "name", "region", "is_active", "last_ack_at"]
    search_fields = ["code", "name"]


@admin.register(WarningTemplate)
class TemplateAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "event_code", "level", "region", "is_active"]
    search_fields = ["name", "event_code"]


@admin.register(WebhookSubscriber)
class SubscriberAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "url", "region", "is_active"]
    search_fields = ["name", "url"]
    exclude = ["secret"]  # shown once when made, never again
