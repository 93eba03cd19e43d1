"""FilterSets of warnings: shared by the list pages, their Excel export and the API."""

import django_filters as filters
from django.db.models import Q
from django.utils import timezone

from yingji.core.filtersets import ChoiceInFilter, EventCodeFilter, FlagFilter, IdFilter, ScopedFilterSet

from .models import (
    LEVEL_CHOICES,
    Delivery,
    LoudspeakerTerminal,
    Recipient,
    Warning,
    WarningTemplate,
    WebhookSubscriber,
)


def current_q(now=None) -> Q:
    """Messages in force: published, not a Cancel, not past their expiry (whether or not the expiry task ran)."""
    now = now or timezone.now()
    return (Q(state=Warning.PUBLISHED) & ~Q(msg_type=Warning.CANCEL)
            & (Q(expires__isnull=True) | Q(expires__gt=now)))


class WarningFilterSet(ScopedFilterSet):
    """?state=published, ?states=draft,submitted, ?msg_type=Update, ?source=imported, ?level=1 (1 红 … 4 蓝),
    ?event_code=11B03 (its 细类 too: 11B00 finds 11B03), ?chain=<uuid>, ?current=1 (in force now),
    ?region=<id> (the issuer and below)."""

    state = filters.ChoiceFilter(label="状态", choices=Warning.STATE_CHOICES)
    states = ChoiceInFilter(label="状态（多个以逗号分隔）", field_name="state", choices=Warning.STATE_CHOICES)
    msg_type = filters.ChoiceFilter(label="消息类型", choices=Warning.MSG_TYPE_CHOICES)
    source = filters.ChoiceFilter(label="来源", choices=Warning.SOURCE_CHOICES)
    level = filters.ChoiceFilter(label="预警级别（1 红 … 4 蓝）", choices=LEVEL_CHOICES)
    event_code = EventCodeFilter(label="事件类型代码")
    chain = filters.UUIDFilter(label="预警链")
    current = FlagFilter(label="生效中", method="filter_current")

    def filter_current(self, queryset, name, value):
        return queryset.filter(current_q()) if value else queryset.exclude(current_q())

    class Meta:
        model = Warning
        fields = ["state", "msg_type", "source", "level", "chain"]


class DeliveryFilterSet(ScopedFilterSet):
    warning = IdFilter(label="预警信息")
    subscriber = IdFilter(label="Webhook 订阅")
    channel = filters.ChoiceFilter(label="渠道", choices=Delivery.CHANNEL_CHOICES)
    state = filters.ChoiceFilter(label="状态", choices=Delivery.STATE_CHOICES)

    class Meta:
        model = Delivery
        fields = ["warning", "subscriber", "channel", "state"]


class SubscriberFilterSet(ScopedFilterSet):
    class Meta:
        model = WebhookSubscriber
        fields = ["is_active"]


class RecipientFilterSet(ScopedFilterSet):
    kind = filters.ChoiceFilter(label="类别", choices=Recipient.KIND_CHOICES)

    class Meta:
        model = Recipient
        fields = ["kind", "is_active"]


class TerminalFilterSet(ScopedFilterSet):
    class Meta:
        model = LoudspeakerTerminal
        fields = ["is_active"]


class TemplateFilterSet(ScopedFilterSet):
    event_code = EventCodeFilter(label="事件类型代码")
    level = filters.ChoiceFilter(label="预警级别（1 红 … 4 蓝）", choices=LEVEL_CHOICES)

    class Meta:
        model = WarningTemplate
        fields = ["level", "is_active"]
