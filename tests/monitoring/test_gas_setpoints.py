"""GB/T 50493-2019 in the monitoring app: the demo's combustible-gas rule takes its setpoints from the standard's
data file, and a high rule for combustible gas looser than 5.5.2 is refused — service, page and API — naming the
level, the bound and the clause, with nothing written."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from yingji.core.models import Region
from yingji.monitoring.models import Rule
from yingji.monitoring.services.rules import save_rule
from yingji.standards import gas_alarms

from .test_evaluate import make_sensor


@pytest.fixture
def township(demo):
    """A place with no rules of its own: 童家镇 (the demo's county rules switched off)."""
    Rule.objects.update(enabled=False)
    return Region.objects.get(code="512022104")


def values(region, **changes):
    return {"name": "可燃气体高限", "kind": "lel", "rule_type": "high", "region": region, "level1": 25.0,
            "level2": 50.0, "deadband": 1.0, **changes}


def refused(data, rule=None) -> dict:
    before = list(Rule.objects.order_by("pk").values_list("pk", "level1", "level2"))
    with pytest.raises(ValidationError) as caught:
        save_rule(None, rule or Rule(), data)
    assert list(Rule.objects.order_by("pk").values_list("pk", "level1", "level2")) == before
    return caught.value.message_dict


def test_demo_lel_rule_is_the_standard_and_the_ammonia_rule_within_it(demo):
    level1, level2 = gas_alarms.setpoints("lel")
    rule = Rule.objects.get(region__code="512022", kind="lel", rule_type=Rule.HIGH, sensor=None)
    assert (rule.level1, rule.level2) == (float(level1), float(level2)) == (25.0, 50.0)
    assert "GB/T 50493-2019" in rule.name
    ammonia = Rule.objects.get(region__code="512022", kind="toxic", rule_type=Rule.HIGH, sensor=None)
    # the demo's ammonia OEL: PC-STEL 30 mg/m³ ≈ 43 ppm at 25 ℃ (demo.py)
    gas_alarms.check("toxic", ammonia.level1, ammonia.level2, reference=43, unit="ppm")


@pytest.mark.parametrize("level1, level2", [(25.0, 50.0), (20.0, 50.0), (25.0, 40.0), (10.0, None), (24.99, 49.99)])
def test_at_or_below_the_standard_is_saved(township, level1, level2):
    rule = save_rule(None, Rule(), values(township, level1=level1, level2=level2))
    assert (rule.level1, rule.level2) == (level1, level2)


@pytest.mark.parametrize("level1, level2, fields", [
    (25.0001, 50.0, {"level1"}), (25.0, 50.0001, {"level2"}), (25.01, 50.0, {"level1"}), (25.0, 50.01, {"level2"}),
    (30.0, 60.0, {"level1", "level2"}), (26.0, None, {"level1"}),
])
def test_looser_than_the_standard_is_refused_naming_the_clause(township, level1, level2, fields):
    errors = refused(values(township, level1=level1, level2=level2))
    assert set(errors) == fields
    if "level1" in fields:
        assert "第5.5.2条第1款" in errors["level1"][0] and "应小于或等于25%LEL" in errors["level1"][0]
    if "level2" in fields:
        assert "第5.5.2条第2款" in errors["level2"][0] and "应小于或等于50%LEL" in errors["level2"][0]


def test_a_sensor_override_and_an_edit_are_bounded_too(township):
    sensor = make_sensor("T-GBT-LEL", region="512022104")
    errors = refused({"name": "单点高限", "sensor": sensor, "kind": "lel", "rule_type": "high", "level1": 30.0,
                      "level2": 45.0, "deadband": 1.0})
    assert "一级报警设定值（30 %LEL）" in errors["level1"][0]
    rule = save_rule(None, Rule(), values(township))
    assert "level2" in refused({"level2": 55.0}, rule=Rule.objects.get(pk=rule.pk))
    assert Rule.objects.get(pk=rule.pk).level2 == 50.0


def test_what_the_standard_does_not_bound_is_left_to_the_bureau(township):
    # a combustible-gas rate rule, and a toxic rule in ppm (the gas's OEL is not recorded with the sensor)
    save_rule(None, Rule(), values(township, rule_type="rate", level1=30.0, level2=60.0, deadband=1.0))
    save_rule(None, Rule(), values(township, kind="toxic", level1=150.0, level2=300.0))
    save_rule(None, Rule(), values(township, kind="water_level", level1=30.0, level2=60.0))


def test_rule_page_refuses_and_explains(web, township):
    client = web("inspector")
    county = Region.objects.get(code="512022")
    page = client.get(reverse("monitoring:rule_add"))
    assert "可燃气体高限不得高于 25%LEL（GB/T 50493-2019 第5.5.2条第1款）" in page.content.decode()
    before = Rule.objects.count()
    answer = client.post(reverse("monitoring:rule_add"), {
        "name": "测试可燃气体高限", "region": county.pk, "kind": "lel", "rule_type": "high", "level1": 30,
        "level2": 50, "deadband": 1, "hold_s": 0, "stale_factor": 3, "event_level": 1, "enabled": "on"})
    assert answer.status_code == 200
    assert "第5.5.2条第1款" in answer.context["form"].errors["level1"][0]
    assert Rule.objects.count() == before


def test_rule_api_refuses_with_the_clause(api, township):
    answer = api("inspector").post(reverse("rule-list"), {
        "name": "测试可燃气体高限", "region": Region.objects.get(code="512022").pk, "kind": "lel",
        "rule_type": "high", "level1": 25, "level2": 60, "deadband": 1}, format="json")
    assert answer.status_code == 400, answer.content
    assert "第5.5.2条第2款" in str(answer.json()["error"]["fields"]["level2"])
    assert not Rule.objects.filter(name="测试可燃气体高限").exists()


@pytest.mark.parametrize("kind", ["lel", "toxic"])
def test_the_kind_note_cites_the_clause_of_the_standard_data_file(kind):
    """sensor_kinds.csv's note on a gas kind names the clause its setpoints come from (5.5.2: 第1、2款 combustible,
    第3款 toxic; 5.5.3 is not about setpoints)."""
    import re

    from yingji.monitoring import kinds

    note = kinds.kinds()[kind].note
    bounds = gas_alarms.bounds(kind)
    article, clause = re.fullmatch(r"第([\d.]+)条第(\d)款", bounds.level1_clause).groups()
    assert f"GB/T 50493-2019 {article}" in note and "5.5.3" not in note
    if kind == "toxic":
        assert f"{article} 第{clause}款" in note


@pytest.mark.parametrize("level1, level2, status", [(25, 50, 201), (25.01, 50, 400), (25, 50.01, 400)])
def test_rule_api_boundaries(api, township, level1, level2, status):
    """Exactly the standard's bound is saved through the API; a hundredth above is refused."""
    answer = api("inspector").post(reverse("rule-list"), {
        "name": "测试可燃气体边界", "region": township.pk, "kind": "lel",
        "rule_type": "high", "level1": level1, "level2": level2, "deadband": 1}, format="json")
    assert answer.status_code == status, answer.content
    assert Rule.objects.filter(name="测试可燃气体边界").exists() == (status == 201)
    if status == 400:
        field = "level1" if level1 > 25 else "level2"
        assert "GB/T 50493-2019" in str(answer.json()["error"]["fields"][field])
