"""The registry API: sensors, gateways, rules and ingest rejections on the scoped viewsets; writes through the
services with the error envelope naming the field in Chinese; the map layer coloured by state."""

import pytest
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Region
from yingji.monitoring.models import IngestRejection, Rule, Sensor
from yingji.safety.models import Enterprise

HUILAN_CHEM = "91512022MA62Q7K1XE"
LECHLOR = "91512022MA62Q8L3CQ"


@pytest.fixture
def plant(demo):
    return Enterprise.objects.get(credit_code=HUILAN_CHEM)


def _fields(answer) -> dict:
    return answer.json()["error"]["fields"]


def test_create_sensor_takes_the_kinds_unit_and_refuses_bad_input(api, plant):
    client = api("inspector")
    url = reverse("sensor-list")
    answer = client.post(url, {"code": "API-LEL-01", "name": "可燃气体", "kind": "lel", "enterprise": plant.pk,
                               "longitude": 105.121, "latitude": 30.227}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["unit"], body["expected_interval_s"], body["region"], body["status"]) == ("%LEL", 10, plant.region_id, "never")
    assert body["warnings"] == []
    before = Sensor.objects.count()
    bad = client.post(url, {"code": "api-lel-01", "name": "重复", "kind": "lel", "enterprise": plant.pk,
                            "installed_at": "2999-01-01T00:00:00+08:00"}, format="json")
    assert bad.status_code == 400
    fields = _fields(bad)
    assert "已被" in fields["code"][0] and "安装时间" in fields["installed_at"][0]
    assert Sensor.objects.count() == before
    renamed = client.patch(reverse("sensor-detail", args=[body["id"]]), {"code": "API-LEL-02"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["code"] == "API-LEL-02"


def test_enterprise_account_sees_and_writes_its_own_only(api, plant):
    inspector = api("inspector")
    other = Enterprise.objects.get(credit_code=LECHLOR)
    theirs = inspector.post(reverse("sensor-list"), {"code": "API-TOX-01", "name": "氯气", "kind": "toxic",
                                                     "enterprise": other.pk}, format="json").json()
    client = api("enterprise")
    listed = {s["code"] for s in client.get(reverse("sensor-list"), {"page_size": 500}).json()["results"]}
    assert "API-TOX-01" not in listed
    assert client.get(reverse("sensor-detail", args=[theirs["id"]])).status_code == 404
    refused = client.post(reverse("sensor-list"), {"code": "API-TOX-02", "name": "氯气", "kind": "toxic",
                                                   "enterprise": other.pk}, format="json")
    assert refused.status_code == 400 and "enterprise" in _fields(refused)
    own = client.post(reverse("sensor-list"), {"code": "API-LEL-09", "name": "自建", "kind": "lel",
                                               "enterprise": plant.pk}, format="json")
    assert own.status_code == 201, own.content


def test_layer_colours_sensors_by_state(api, plant):
    client = api("inspector")
    made = client.post(reverse("sensor-list"), {"code": "API-LEL-03", "name": "罐区", "kind": "lel",
                                                "enterprise": plant.pk, "longitude": 105.121, "latitude": 30.227},
                       format="json").json()
    Sensor.objects.filter(pk=made["id"]).update(status=Sensor.ALARM1, last_value=30.5)
    layer = client.get(reverse("sensor-layer"), {"bbox": "104.5,29.9,105.6,30.6"}).json()
    feature = next(f for f in layer["features"] if f["id"] == made["id"])
    assert feature["properties"]["status"] == "alarm1" and feature["properties"]["reading"] == "30.5 %LEL"
    alarming = client.get(reverse("sensor-layer"), {"alarming": "1"}).json()
    assert made["id"] in {f["id"] for f in alarming["features"]}


def test_rules_go_through_the_rule_service(api, plant):
    client = api("inspector")
    county = Region.objects.get(code="512022")
    wrong = client.post(reverse("rule-list"), {"name": "可燃气体高限", "region": county.pk, "kind": "lel",
                                               "rule_type": "high", "level1": 50, "level2": 25}, format="json")
    assert wrong.status_code == 400, wrong.content
    assert not Rule.objects.filter(name="可燃气体高限").exists()
    sensor = client.post(reverse("sensor-list"), {"code": "API-LEL-04", "name": "罐区", "kind": "lel",
                                                  "enterprise": plant.pk}, format="json").json()
    override = client.post(reverse("rule-list"), {"name": "单点高限", "sensor": sensor["id"], "rule_type": "high",
                                                  "level1": 20, "level2": 40, "deadband": 1}, format="json")
    assert override.status_code == 201, override.content
    assert (override.json()["kind"], override.json()["region"]) == ("lel", plant.region_id)
    series = client.get(reverse("sensor-series", args=[sensor["id"]])).json()
    assert [t["value"] for t in series["thresholds"]] == [20, 40]


def test_ingest_rejections_are_scoped(api, plant):
    IngestRejection.objects.create(region=plant.region, channel="mqtt", sensor_code="X-1", message_id="m",
                                   reason="数值不是数字", received_at=timezone.now())
    listed = api("inspector").get(reverse("ingestrejection-list")).json()["results"]
    assert any(r["sensor_code"] == "X-1" and r["reason"] == "数值不是数字" for r in listed)
    from django.contrib.auth.models import Permission

    from yingji.core.models import User

    township = User.objects.get(username="township")  # 天池街道, given the permission: scope alone keeps it out
    assert api("township").get(reverse("ingestrejection-list")).status_code == 403
    township.user_permissions.add(Permission.objects.get(codename="view_ingestrejection"))
    answer = api("township").get(reverse("ingestrejection-list"))
    assert answer.status_code == 200
    assert not any(r["sensor_code"] == "X-1" for r in answer.json()["results"])


def test_gateway_token_is_answered_once_and_refused_for_an_inactive_gateway(api, plant):
    from yingji.monitoring.models import Gateway
    from yingji.monitoring.services.gateways import holder_of

    client = api("inspector")
    gateway = client.post(reverse("gateway-list"), {"code": "API-GW-01", "name": "测试网关", "enterprise": plant.pk},
                          format="json").json()
    assert gateway["has_token"] is False and gateway["region"] == plant.region_id
    answer = client.post(reverse("gateway-issue-token", args=[gateway["id"]]))
    assert answer.status_code == 201, answer.content
    token = answer.json()["token"]
    assert holder_of(token).pk == gateway["id"]
    shown = client.get(reverse("gateway-detail", args=[gateway["id"]])).json()
    assert shown["has_token"] is True and token not in str(shown)
    assert Gateway.objects.get(pk=gateway["id"]).token_hash != token  # only the digest is kept
    client.patch(reverse("gateway-detail", args=[gateway["id"]]), {"is_active": False}, format="json")
    refused = client.post(reverse("gateway-issue-token", args=[gateway["id"]]))
    assert refused.status_code == 400 and "is_active" in _fields(refused)
    assert holder_of(token).pk == gateway["id"]  # the old token still stands: nothing was written
