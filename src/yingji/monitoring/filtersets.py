"""FilterSets of the monitoring registry: shared by the list pages, their Excel export and the API."""

import django_filters as filters

from yingji.core.filtersets import ChoiceInFilter, FlagFilter, IdFilter, ScopedFilterSet

from . import kinds
from .models import Gateway, IngestRejection, Rule, Sensor

KIND_CHOICES = kinds.choices()  # the API's SensorKindEnum (settings.SPECTACULAR_SETTINGS)


class SensorFilterSet(ScopedFilterSet):
    """?kind=lel, ?status=alarm2, ?statuses=alarm1,alarm2, ?region=<id> (and below), ?enterprise=<id>,
    ?gateway=<id>, ?hazard_unit=<id>, ?hydrant=<id>, ?watched_region=<id>, ?is_active=true; ?alarming=1 (一级 or 二级)."""

    kind = filters.ChoiceFilter(label="监测类型", choices=kinds.choices)
    status = filters.ChoiceFilter(label="状态", choices=Sensor.STATUS_CHOICES)
    statuses = ChoiceInFilter(label="状态（多个以逗号分隔）", field_name="status", choices=Sensor.STATUS_CHOICES)
    enterprise = IdFilter(label="企业")
    alarming = FlagFilter(label="报警中", method="filter_alarming")

    def filter_alarming(self, queryset, name, value):
        alarming = [Sensor.ALARM1, Sensor.ALARM2]
        return queryset.filter(status__in=alarming) if value else queryset.exclude(status__in=alarming)

    class Meta:
        model = Sensor
        fields = ["kind", "status", "enterprise", "gateway", "hazard_unit", "hydrant", "watched_region", "is_active"]


class GatewayFilterSet(ScopedFilterSet):
    enterprise = IdFilter(label="企业")

    class Meta:
        model = Gateway
        fields = ["enterprise", "is_active"]


class RuleFilterSet(ScopedFilterSet):
    """?kind=lel, ?rule_type=high, ?sensor=<id>, ?override=1 (per-sensor overrides only; 0: kind rules only)."""

    kind = filters.ChoiceFilter(label="监测类型", choices=kinds.choices)
    override = FlagFilter(label="单点覆盖", field_name="sensor", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Rule
        fields = ["kind", "rule_type", "sensor", "enabled"]


class IngestRejectionFilterSet(ScopedFilterSet):
    channel = filters.ChoiceFilter(label="通道", choices=[("mqtt", "MQTT"), ("http", "HTTP")])
    sensor_code = filters.CharFilter(label="监测点编码")

    class Meta:
        model = IngestRejection
        fields = ["gateway", "channel", "sensor_code"]
