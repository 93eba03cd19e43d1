"""Sensors and gateways through their services: codes unique and frozen once readings exist, the kind's unit and
interval, what a sensor watches hanging together, an enterprise account kept to its own enterprise, the
installation time never in the future; every refusal names its field in Chinese and writes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingji.core.models import AuditEntry, Region, User
from yingji.monitoring.models import Gateway, Reading, Sensor
from yingji.monitoring.services import sensors as services
from yingji.safety.models import Enterprise, HazardUnit

HUILAN_CHEM = "91512022MA62Q7K1XE"  # 乐至县回澜化工有限公司 (回澜镇), the demo enterprise account's company
LECHLOR = "91512022MA62Q8L3CQ"  # 四川乐氯化工有限公司, also 回澜镇, not the account's


@pytest.fixture
def inspector(demo):
    return User.objects.get(username="inspector")


@pytest.fixture
def plant(demo):
    return Enterprise.objects.get(credit_code=HUILAN_CHEM)


def _sensor(actor, **data):
    base = {"code": "T-LEL-01", "name": "储罐区可燃气体", "kind": "lel"}
    return services.save_sensor(actor, Sensor(), {**base, **data})


def _errors(exc) -> dict:
    return exc.value.message_dict


def test_kind_sets_unit_and_default_interval_and_region_follows_enterprise(inspector, plant):
    sensor = _sensor(inspector, enterprise=plant)
    assert (sensor.unit, sensor.expected_interval_s) == ("%LEL", 10)
    assert sensor.region == plant.region
    assert sensor.installed_at <= timezone.now()
    assert AuditEntry.objects.filter(model="monitoring.sensor", object_id=str(sensor.pk)).exists()
    water = _sensor(inspector, code="T-WL-01", kind="water_level", region=plant.region, expected_interval_s=120)
    assert (water.unit, water.expected_interval_s) == ("m", 120)


@pytest.mark.parametrize(("code", "fragment"), [("", "请填写监测点编码"), ("bad/code", "格式不正确"),
                                                ("带中文", "格式不正确"), ("a+b", "格式不正确"), ("x" * 65, "格式不正确")])
def test_bad_code_is_refused_naming_the_field(inspector, plant, code, fragment):
    with pytest.raises(ValidationError) as exc:
        _sensor(inspector, code=code, enterprise=plant)
    assert any(fragment in m for m in _errors(exc)["code"])
    assert not Sensor.objects.filter(name="储罐区可燃气体").exists()


def test_code_is_unique_whatever_the_case(inspector, plant):
    _sensor(inspector, enterprise=plant)
    with pytest.raises(ValidationError) as exc:
        _sensor(inspector, code="t-lel-01", enterprise=plant)
    assert "已被" in _errors(exc)["code"][0]
    assert Sensor.objects.filter(code__iexact="t-lel-01").count() == 1


def test_code_and_kind_frozen_once_readings_exist(inspector, plant):
    sensor = _sensor(inspector, enterprise=plant)
    renamed = services.save_sensor(inspector, sensor, {"code": "T-LEL-02"})  # no readings yet: allowed
    assert renamed.code == "T-LEL-02"
    now = timezone.now()
    Reading.objects.create(sensor=sensor, message_id="m1", ts=now, value=3.0, received_at=now)
    sensor = Sensor.objects.get(pk=sensor.pk)
    with pytest.raises(ValidationError) as exc:
        services.save_sensor(inspector, sensor, {"code": "T-LEL-03", "kind": "toxic"})
    assert "不能再修改" in _errors(exc)["code"][-1]
    assert "不能更改监测类型" in _errors(exc)["kind"][0]
    assert Sensor.objects.get(pk=sensor.pk).code == "T-LEL-02"
    with pytest.raises(ValidationError, match="不能删除"):
        services.delete_sensor(inspector, Sensor.objects.get(pk=sensor.pk))
    assert Sensor.objects.filter(pk=sensor.pk).exists()


def test_installed_in_the_future_is_refused(inspector, plant):
    with pytest.raises(ValidationError) as exc:
        _sensor(inspector, enterprise=plant, installed_at=timezone.now() + timedelta(hours=2))
    assert _errors(exc)["installed_at"] == ["安装时间不能晚于当前时间。"]
    assert not Sensor.objects.filter(code="T-LEL-01").exists()


def test_hazard_unit_must_belong_to_the_enterprise(inspector, plant):
    other = Enterprise.objects.get(credit_code=LECHLOR)
    unit = HazardUnit.objects.filter(enterprise=other).first()
    assert unit is not None
    with pytest.raises(ValidationError) as exc:
        _sensor(inspector, enterprise=plant, hazard_unit=unit)
    assert "不属于企业" in _errors(exc)["hazard_unit"][0]
    own = _sensor(inspector, hazard_unit=unit)  # a unit alone names its enterprise
    assert own.enterprise == other and own.region == other.region


def test_region_must_lie_under_the_enterprise(inspector, plant):
    elsewhere = Region.objects.get(code="512022001")  # 天池街道, not 回澜镇
    with pytest.raises(ValidationError) as exc:
        _sensor(inspector, enterprise=plant, region=elsewhere)
    assert "企业所在区划" in _errors(exc)["region"][0]


def test_watched_village_and_region_inside_the_actors_scope(demo, plant):
    from django.contrib.auth.models import Permission

    township = User.objects.get(username="township")  # 天池街道: given the right to register, only scope stops it
    township.user_permissions.add(Permission.objects.get(codename="add_sensor"))
    township = User.objects.get(pk=township.pk)
    huilan_village = (Region.objects.filter(path__startswith=plant.region.path, level="village").first()
                      or plant.region)  # 回澜镇's village (or 回澜镇 itself): outside 天池街道
    own = township.region
    with pytest.raises(ValidationError) as exc:
        _sensor(township, code="T-WL-09", kind="water_level", region=own, watched_region=huilan_village)
    assert "不在您的管辖范围内" in _errors(exc)["watched_region"][0]
    with pytest.raises(ValidationError) as exc:
        _sensor(township, code="T-WL-09", kind="water_level", region=plant.region)
    assert "region" in _errors(exc)
    assert not Sensor.objects.filter(code="T-WL-09").exists()


def test_enterprise_account_keeps_to_its_own_enterprise(demo, plant):
    account = User.objects.get(username="enterprise")
    own = _sensor(account, enterprise=plant)
    assert own.enterprise == plant
    with pytest.raises(ValidationError) as exc:
        _sensor(account, code="T-LEL-77", region=plant.region)
    assert "本企业" in _errors(exc)["enterprise"][0]
    with pytest.raises(ValidationError) as exc:
        _sensor(account, code="T-LEL-78", enterprise=Enterprise.objects.get(credit_code=LECHLOR))
    assert "enterprise" in _errors(exc)
    assert not Sensor.objects.filter(code__in=["T-LEL-77", "T-LEL-78"]).exists()
    with pytest.raises(PermissionDenied):  # the bureau deletes sensors, not the enterprise
        services.delete_sensor(account, own)


def test_gateway_of_an_enterprise_takes_only_its_sensors(inspector, plant):
    gateway = services.save_gateway(inspector, Gateway(), {"code": "GW-HL-01", "name": "回澜化工网关",
                                                           "enterprise": plant})
    assert gateway.region == plant.region
    other = Enterprise.objects.get(credit_code=LECHLOR)
    with pytest.raises(ValidationError) as exc:
        _sensor(inspector, enterprise=other, gateway=gateway)
    assert "只能接入该企业的监测点" in _errors(exc)["gateway"][0]
    sensor = _sensor(inspector, enterprise=plant, gateway=gateway)
    with pytest.raises(ValidationError) as exc:
        services.save_gateway(inspector, gateway, {"enterprise": other})
    assert "已接入其他单位的监测点" in _errors(exc)["enterprise"][0]
    with pytest.raises(ValidationError) as exc:
        services.save_gateway(inspector, Gateway(), {"code": "gw-hl-01", "name": "重复", "enterprise": plant})
    assert "已被" in _errors(exc)["code"][0]
    services.delete_gateway(inspector, gateway)
    sensor.refresh_from_db()
    assert sensor.gateway is None
