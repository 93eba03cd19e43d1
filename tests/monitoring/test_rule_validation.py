"""Saving rules: every refusal names its field in Chinese and writes nothing; permissions and region scope;
deleting; which rules apply to a sensor."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.core.models import AuditEntry, Region, User
from yingji.monitoring.models import Alarm, Rule
from yingji.monitoring.services.rules import delete_rule, effective_rules, save_rule

from .test_evaluate import at, make_sensor


@pytest.fixture
def county(demo):
    """A place of the county with no rules of its own (the demo sets the county's): 童家镇."""
    Rule.objects.update(enabled=False)
    return Region.objects.get(code="512022104")


def data(county, **changes):
    values = {"name": "可燃气体高限", "kind": "lel", "rule_type": "high", "region": county, "level1": 25.0,
              "level2": 50.0, "deadband": 1.0}
    values.update(changes)
    return values


def refused(actor, values, rule=None) -> dict:
    before = Rule.objects.count()
    with pytest.raises(ValidationError) as caught:
        save_rule(actor, rule or Rule(), values)
    assert Rule.objects.count() == before
    return caught.value.message_dict


@pytest.mark.parametrize("changes, field, words", [
    ({"level1": None}, "level1", "请填写一级报警值"),
    ({"level2": 20.0}, "level2", "二级报警值（20）应不低于一级报警值（25）"),
    ({"rule_type": "low", "level1": 0.14, "level2": 0.2, "deadband": 0.01, "kind": "hydrant_pressure"},
     "level2", "低限规则的二级报警值（0.2）应不高于一级报警值（0.14）"),
    ({"deadband": -1.0}, "deadband", "回差不能为负数"),
    ({"deadband": 25.0}, "deadband", "回差（25）应小于一级与二级报警值之差（25）"),
    ({"rule_type": "rate", "level1": 2.0, "level2": None, "deadband": 2.0}, "deadband", "应小于一级报警速率"),
    ({"rule_type": "rate", "level1": 0.0, "level2": None, "deadband": 0.0}, "level1", "应大于 0"),
    ({"level1": "abc"}, "level1", "一级报警值应为数值"),
    ({"level1": float("nan")}, "level1", "有限数值"),
    ({"rule_type": "event", "event": "火警"}, "rule_type", "报警事件规则只适用于火灾报警控制器"),
    ({"kind": "fire_panel", "rule_type": "event", "event": ""}, "event", "请选择报警事件"),
    ({"kind": "fire_panel", "rule_type": "event", "event": "复位"}, "event", "“复位”用于恢复报警"),
    ({"kind": "fire_panel"}, "rule_type", "火灾报警控制器只能设置报警事件或离线规则"),
    ({"rule_type": "stale", "stale_factor": 0.5}, "stale_factor", "离线倍数（0.5）应不小于 1"),
    ({"rule_type": "bogus"}, "rule_type", "请选择规则类型"),
])
def test_bad_rules_are_refused_naming_the_field(county, changes, field, words):
    errors = refused(None, data(county, **changes))
    assert any(words in message for message in errors[field]), errors


def test_good_rules_of_each_type_are_saved_and_audited(county):
    high = save_rule(None, Rule(), data(county))
    low = save_rule(None, Rule(), data(county, kind="hydrant_pressure", rule_type="low", level1=0.14, level2=0.1,
                                       deadband=0.02))
    fire = save_rule(None, Rule(), data(county, kind="fire_panel", rule_type="event", event="火警", event_level=2,
                                        level1=3.0))
    stale = save_rule(None, Rule(), data(county, rule_type="stale", stale_factor=3))
    assert (fire.level1, fire.level2, stale.level1) == (None, None, None)  # what a type does not use is dropped
    for rule in (high, low, fire, stale):
        assert AuditEntry.objects.filter(model="monitoring.rule", object_id=str(rule.pk),
                                         action=AuditEntry.CREATE).exists()


def test_one_kind_rule_per_type_and_region(county):
    save_rule(None, Rule(), data(county))
    errors = refused(None, data(county, name="另一条"))
    assert "已有同类规则“可燃气体高限”" in errors["rule_type"][0]
    township = Region.objects.get(code="512022102")
    save_rule(None, Rule(), data(county, region=township))  # another township may set its own


def test_override_must_match_its_sensor(county):
    sensor = make_sensor()
    errors = refused(None, data(county, region=None, sensor=sensor, kind="toxic"))
    assert "单点覆盖规则的监测类型应与监测点一致" in errors["kind"][0]
    errors = refused(None, data(county, sensor=sensor))
    assert "适用区划应为监测点所在区划“回澜镇”" in errors["region"][0]
    rule = save_rule(None, Rule(), data(county, region=None, sensor=sensor, level1=10.0, level2=20.0))
    assert rule.region_id == sensor.region_id
    errors = refused(None, data(county, region=None, sensor=sensor, name="又一条"))
    assert "监测点“T-LEL-01”已有同类规则" in errors["rule_type"][0]


def test_permissions_and_region_scope(county):
    inspector = User.objects.get(username="inspector")  # 安全监管员 of 乐至县
    rule = save_rule(inspector, Rule(), data(county))
    rule = save_rule(inspector, rule, {"level1": 20.0})
    assert Rule.objects.get(pk=rule.pk).level1 == 20.0
    assert AuditEntry.objects.filter(model="monitoring.rule", object_id=str(rule.pk),
                                     action=AuditEntry.UPDATE).exists()
    city = Region.objects.get(code="512000")
    errors = refused(inspector, data(county, region=city, name="市级"))
    assert "不在您的管辖范围内" in errors["region"][0]
    for username in ("township", "duty"):
        with pytest.raises(PermissionDenied):
            save_rule(User.objects.get(username=username), Rule(), data(county, name=username))


def test_delete_a_rule_without_alarms_only(county):
    inspector = User.objects.get(username="inspector")
    unused = save_rule(inspector, Rule(), data(county))
    delete_rule(inspector, unused)
    assert not Rule.objects.filter(pk=unused.pk).exists()
    used = save_rule(inspector, Rule(), data(county))
    sensor = make_sensor()
    Alarm.objects.create(sensor=sensor, rule=used, region=sensor.region, alarm_type="高限报警", level=1,
                         raised_at=at(0), active=False, state=Alarm.CLEARED_ACK)
    with pytest.raises(ValidationError) as caught:
        delete_rule(inspector, used)
    assert "已产生报警记录，不能删除；可将其停用" in caught.value.message_dict["rule_type"][0]
    assert Rule.objects.filter(pk=used.pk).exists()


def test_effective_rules_resolution(county):
    county, township = Region.objects.get(code="512022"), Region.objects.get(code="512022102")

    def county_rule(**changes):  # the demo's rule of the county, set afresh
        values = data(county, enabled=True, **changes)
        existing = Rule.objects.get(sensor=None, region=county, kind="lel", rule_type=values["rule_type"])
        return save_rule(None, existing, values)

    county_high = county_rule()
    county_stale = county_rule(rule_type="stale", stale_factor=3)
    save_rule(None, Rule(), data(county, region=township, rule_type="stale", stale_factor=5, enabled=False))
    here, elsewhere = make_sensor("T-A"), make_sensor("T-B", region="512022101")
    found = effective_rules([here, elsewhere])
    assert found[here.pk] == [county_high]  # the township switched the county's stale rule off for itself
    assert found[elsewhere.pk] == [county_high, county_stale]
    override = save_rule(None, Rule(), data(county, region=None, sensor=here, rule_type="stale", stale_factor=10))
    assert effective_rules([here])[here.pk] == [county_high, override]


def _form(region, **changes):
    return {"name": "测试顺序", "region": region.pk, "kind": "lel", "rule_type": "high", "level1": 25, "level2": 20,
            "deadband": 1, "hold_s": 0, "stale_factor": 3, "event_level": 1, "enabled": "on", **changes}


@pytest.mark.parametrize("changes, words", [
    ({}, "二级报警值（20）应不低于一级报警值（25）"),
    ({"kind": "hydrant_pressure", "rule_type": "low", "level1": 0.14, "level2": 0.2, "deadband": 0.01},
     "低限规则的二级报警值（0.2）应不高于一级报警值（0.14）"),
])
def test_thresholds_in_the_wrong_order_are_refused_by_the_rule_page_and_api(web, api, county, changes, words):
    """The issue's bad input (high below low) through the two doors a person uses; nothing is written."""
    from django.urls import reverse

    region = Region.objects.get(code="512022")
    before = Rule.objects.count()
    page = web("inspector").post(reverse("monitoring:rule_add"), _form(region, **changes))
    assert page.status_code == 200
    assert any(words in message for message in page.context["form"].errors["level2"]), page.context["form"].errors
    body = {k: v for k, v in _form(region, **changes).items() if k not in ("enabled", "event_level")}
    answer = api("inspector").post(reverse("rule-list"), body, format="json")
    assert answer.status_code == 400, answer.content
    assert any(words in message for message in answer.json()["error"]["fields"]["level2"]), answer.json()
    assert Rule.objects.count() == before
