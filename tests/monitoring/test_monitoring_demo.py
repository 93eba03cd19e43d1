"""The demo's monitoring: DEMO-LEL-01 at a major hazard source with the GB/T 50493 setpoints, every kind of sensor,
a week of history written through ingest (so rollups and alarms are the real ones), the gas excursion's alarm
escalated and cleared, and the fire panel's 故障 still active."""

from datetime import timedelta

from django.utils import timezone

from yingji.monitoring import kinds
from yingji.monitoring.models import Alarm, Reading, Rollup, Rule, Sensor
from yingji.monitoring.services import rollups
from yingji.monitoring.services.rules import effective_rules


def demo_sensors():
    return Sensor.objects.filter(code__startswith="DEMO-", is_demo=True)


def test_demo_lel_01_watches_a_major_hazard_source_with_the_gbt_50493_setpoints(demo):
    sensor = Sensor.objects.get(code="DEMO-LEL-01")
    assert sensor.kind == "lel" and sensor.unit == "%LEL" and sensor.gateway is not None
    assert sensor.hazard_unit.is_major and sensor.enterprise == sensor.hazard_unit.enterprise
    assert sensor.region.parent.code == "512022"  # a township of 乐至县
    [high] = [r for r in effective_rules([sensor])[sensor.pk] if r.rule_type == Rule.HIGH]
    assert (high.level1, high.level2, high.deadband) == (25, 50, 2)
    assert high.sensor_id is None and high.region.code == "512022"  # the county's rule for the kind
    assert {r.rule_type for r in effective_rules([sensor])[sensor.pk]} == {Rule.HIGH, Rule.STALE}


def test_every_kind_has_a_sensor_and_the_county_its_rules(demo):
    assert set(demo_sensors().values_list("kind", flat=True)) == set(kinds.kinds())
    county_rules = set(Rule.objects.filter(region__code="512022", sensor=None).values_list("kind", "rule_type", "event"))
    assert {("toxic", "high", ""), ("water_level", "high", ""), ("rain", "high", ""),
            ("hydrant_pressure", "low", ""), ("fire_panel", "event", "火警"), ("fire_panel", "event", "故障")} <= county_rules
    hydrant = Rule.objects.get(region__code="512022", kind="hydrant_pressure", rule_type="low")
    assert (hydrant.level1, hydrant.level2) == (0.14, 0.10) and "GB 50974" in hydrant.name
    fire = Rule.objects.get(region__code="512022", kind="fire_panel", event="火警")
    assert fire.event_level == 2
    assert Sensor.objects.get(code="DEMO-HP-01").hydrant is not None
    assert Sensor.objects.get(code="DEMO-WL-01").watched_region.name == "蟠龙镇"


def test_a_week_of_history_rolled_up(demo):
    sensor = Sensor.objects.get(code="DEMO-LEL-01")
    times = Reading.objects.filter(sensor=sensor).order_by("ts").values_list("ts", flat=True)
    first, last = times.first(), times.last()
    assert timedelta(days=6, hours=23) <= last - first <= timedelta(days=7)
    assert timezone.now() - last < timedelta(hours=2)  # up to the load (the snapshot of this test session)
    count = Reading.objects.filter(sensor=sensor).count()
    assert 2000 <= count <= 2020  # every 5 minutes
    hours = Rollup.objects.filter(sensor=sensor, resolution="1h")
    assert sum(hours.values_list("count", flat=True)) == count
    week = rollups.series(sensor, first, last)
    assert week["resolution"] == "1h" and 160 <= len(week["points"]) <= 170
    assert max(p[3] for p in week["points"]) == 57.0  # the excursion's peak
    for code in demo_sensors().exclude(kind="fire_panel").values_list("code", flat=True):
        assert Reading.objects.filter(sensor__code=code).count() >= 1000, code


def test_the_gas_excursion_raised_escalated_and_cleared_one_alarm(demo):
    [alarm] = Alarm.objects.filter(sensor__code="DEMO-LEL-01")
    assert alarm.level == 2 and not alarm.active and alarm.state in (Alarm.CLEARED_UNACK, Alarm.CLEARED_ACK)
    assert alarm.first_value == 31.0 and alarm.peak_value == 57.0
    assert timedelta(days=2) < timezone.now() - alarm.raised_at < timedelta(days=4)
    assert alarm.escalated_at > alarm.raised_at and alarm.cleared_at > alarm.escalated_at
    assert list(alarm.events.values_list("action", flat=True)) == ["raised", "escalated", "cleared"]
    assert Sensor.objects.get(code="DEMO-LEL-01").status == Sensor.NORMAL


def test_one_fire_panel_fault_is_still_active(demo):
    active = Alarm.objects.filter(sensor__in=demo_sensors(), active=True)
    [fault] = active
    assert fault.sensor.code == "DEMO-FAS-01" and fault.rule.event == "故障" and fault.level == 1
    assert timezone.now() - fault.raised_at < timedelta(hours=8)
    earlier = Alarm.objects.filter(sensor__code="DEMO-FAS-01", active=False)
    assert earlier.count() == 1  # five days ago, reset (复位) after 40 minutes
    assert Alarm.objects.filter(sensor__code="DEMO-HP-02", rule__rule_type="low", active=False).count() == 1


def test_gateways_had_readings_refused_with_reasons(demo):
    from yingji.monitoring.models import Gateway, IngestRejection

    refused = {r.gateway.code: r for r in IngestRejection.objects.filter(gateway__code__startswith="DEMO-GW-")}
    assert set(refused) == {"DEMO-GW-HL", "DEMO-GW-XF"}
    assert "应为数字" in refused["DEMO-GW-HL"].reason and refused["DEMO-GW-HL"].region.name == "回澜镇"
    assert "不存在" in refused["DEMO-GW-XF"].reason and refused["DEMO-GW-XF"].region.name == "天池街道"
    assert Gateway.objects.get(code="DEMO-GW-HL").rejected_count == 1
