"""Alarms for the tests of what people do with them, made directly (a sensor, its own rule, an alarm and its
"raised" history through history.add_event), so they do not depend on the rules engine."""

from datetime import timedelta

from django.utils import timezone

from yingji.core.models import Region
from yingji.monitoring.models import Alarm, Rule, Sensor
from yingji.monitoring.services.history import add_event
from yingji.safety.models import Enterprise

HUILAN_CHEM = "91512022MA62Q7K1XE"  # 乐至县回澜化工有限公司 (回澜镇), the demo enterprise account's company
LECHLOR = "91512022MA62Q8L3CQ"  # 四川乐氯化工有限公司, also 回澜镇, not the account's
TIANCHI = "512022001"  # 天池街道 (the `township` user's)
HUILAN = "512022102"  # 回澜镇 (`township2`, `enterprise`)

UNITS = {"lel": "%LEL", "toxic": "ppm", "water_level": "m", "fire_panel": ""}


def make_sensor(code="T-ALARM-01", kind="lel", enterprise=HUILAN_CHEM, region=None, name="储罐区可燃气体探测器"):
    """A sensor of the enterprise (credit code) or, with enterprise=None, of the region (code)."""
    firm = Enterprise.objects.get(credit_code=enterprise) if enterprise else None
    where = firm.region if firm else Region.objects.get(code=region or TIANCHI)
    lon, lat = (firm.longitude, firm.latitude) if firm and firm.longitude is not None else (where.longitude,
                                                                                             where.latitude)
    return Sensor.objects.create(
        code=code, name=name, kind=kind, unit=UNITS.get(kind, ""), region=where, enterprise=firm,
        longitude=lon, latitude=lat, address="储罐区东侧" if firm else "", expected_interval_s=10,
        installed_at=timezone.now() - timedelta(days=30))


def make_rule(sensor, rule_type="high", level1=25.0, level2=50.0, **data):
    return Rule.objects.create(name=f"{sensor.code} 高限", region=sensor.region, kind=sensor.kind, sensor=sensor,
                               rule_type=rule_type, level1=level1, level2=level2, deadband=2, **data)


def make_alarm(code="T-ALARM-01", *, kind="lel", enterprise=HUILAN_CHEM, region=None, level=1, value=30.0,
               alarm_type="高限报警", state=Alarm.ACTIVE_UNACK, ago_s=120, sensor=None, rule=None):
    """An alarm raised `ago_s` seconds ago at `value`, with its "raised" history entry."""
    sensor = sensor or make_sensor(code, kind=kind, enterprise=enterprise, region=region)
    rule = rule or make_rule(sensor, **({"rule_type": "event", "level1": None, "level2": None, "event": "火警"}
                                        if kind == "fire_panel" else {}))
    raised = timezone.now() - timedelta(seconds=ago_s)
    active = state in Alarm.ACTIVE_STATES
    alarm = Alarm.objects.create(
        sensor=sensor, rule=rule, region=sensor.region, enterprise=sensor.enterprise, alarm_type=alarm_type,
        level=level, state=state, active=active, raised_at=raised, first_value=value, peak_value=value,
        last_value=value, cleared_at=None if active else raised + timedelta(seconds=60))
    add_event(alarm, "raised", None, level=level, value=value, at=raised)
    return alarm
