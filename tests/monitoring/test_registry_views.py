"""The registry pages: the sensor list filtered and paginated, the sensor page with what it watches, its rules
and chart endpoint, the forms refusing bad input in Chinese with nothing written, gateways with their rejections
and a token shown once, and the enterprise and region monitoring pages, all within the user's scope."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Region, User
from yingji.monitoring.models import Gateway, IngestRejection, Rule, Sensor
from yingji.monitoring.services import sensors as services
from yingji.safety.models import Enterprise

HUILAN_CHEM = "91512022MA62Q7K1XE"
LECHLOR = "91512022MA62Q8L3CQ"


@pytest.fixture
def sensors(demo):
    inspector = User.objects.get(username="inspector")
    plant, other = (Enterprise.objects.get(credit_code=c) for c in (HUILAN_CHEM, LECHLOR))
    tianchi = Region.objects.get(code="512022001")
    made = {
        "lel": services.save_sensor(inspector, Sensor(), {"code": "V-LEL-01", "name": "储罐区可燃气体", "kind": "lel",
                                                          "enterprise": plant, "longitude": 105.121, "latitude": 30.227}),
        "other": services.save_sensor(inspector, Sensor(), {"code": "V-TOX-01", "name": "氯气探测", "kind": "toxic",
                                                            "enterprise": other}),
        "water": services.save_sensor(inspector, Sensor(), {"code": "V-WL-01", "name": "天池水位", "kind": "water_level",
                                                            "region": tianchi}),
    }
    Sensor.objects.filter(pk=made["lel"].pk).update(status=Sensor.ALARM2, last_value=55.0,
                                                    last_reading_at=timezone.now())
    return made


def test_list_filters_by_kind_status_region_and_enterprise(web, sensors):
    client = web("inspector")
    url = reverse("monitoring:sensor_list")
    codes = lambda answer: {s.code for s in answer.context["paginator"].object_list}  # noqa: E731
    assert {"V-LEL-01", "V-TOX-01", "V-WL-01"} <= codes(client.get(url))
    assert codes(client.get(url, {"kind": "lel"})) >= {"V-LEL-01"} and "V-TOX-01" not in codes(client.get(url, {"kind": "lel"}))
    assert "V-LEL-01" in codes(client.get(url, {"status": "alarm2"}))
    assert "V-WL-01" not in codes(client.get(url, {"status": "alarm2"}))
    plant = sensors["lel"].enterprise
    assert codes(client.get(url, {"enterprise": plant.pk})) == {"V-LEL-01"} | {
        s.code for s in Sensor.objects.filter(enterprise=plant)}
    tianchi = sensors["water"].region
    assert "V-WL-01" in codes(client.get(url, {"region": tianchi.pk}))
    assert "V-LEL-01" not in codes(client.get(url, {"region": tianchi.pk}))
    answer = client.get(url, {"status": "burning"})
    assert answer.status_code == 400
    assert "状态" in answer.content.decode()


def test_township_and_enterprise_see_only_their_own(web, sensors):
    codes = lambda answer: {s.code for s in answer.context["paginator"].object_list}  # noqa: E731
    assert "V-LEL-01" not in codes(web("township").get(reverse("monitoring:sensor_list")))
    seen = codes(web("enterprise").get(reverse("monitoring:sensor_list")))
    assert "V-LEL-01" in seen and "V-TOX-01" not in seen
    assert web("enterprise").get(reverse("monitoring:sensor_detail", args=[sensors["other"].pk])).status_code == 404


def test_sensor_page_shows_what_it_watches_rules_and_chart(web, sensors):
    sensor = sensors["lel"]
    county_rule, _ = Rule.objects.get_or_create(  # the demo's county rule, if it has one
        region=Region.objects.get(code="512022"), kind="lel", rule_type="high", sensor=None, event="",
        defaults={"name": "可燃气体高限", "level1": 25, "level2": 50, "deadband": 2})
    Rule.objects.create(name="单点高限", region=sensor.region, kind="lel", sensor=sensor, rule_type="high",
                        level1=20, level2=40, deadband=1)
    answer = web("inspector").get(reverse("monitoring:sensor_detail", args=[sensor.pk]))
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "二级报警" in page and "55" in page
    assert reverse("safety:enterprise_detail", args=[sensor.enterprise_id]) in page
    assert "单点高限" in page and county_rule.name not in page  # the override replaces the kind's rule
    assert f'data-series-url="/api/monitoring/sensors/{sensor.pk}/series/"' in page
    assert [t["value"] for t in answer.context["thresholds"]] == [20, 40]


def test_series_endpoint_reads_the_window_and_names_a_bad_parameter(api, sensors):
    client = api("inspector")
    sensor = sensors["lel"]
    url = reverse("sensor-series", args=[sensor.pk])
    end = timezone.now()
    answer = client.get(url, {"start": int((end - timedelta(hours=1)).timestamp() * 1000),
                              "end": int(end.timestamp() * 1000)})
    assert answer.status_code == 200, answer.content
    assert answer.json()["resolution"] in ("raw", "1m", "1h") and answer.json()["code"] == "V-LEL-01"
    bad = client.get(url, {"start": "昨天"})
    assert bad.status_code == 400 and "start" in bad.content.decode()
    backwards = client.get(url, {"start": int(end.timestamp() * 1000), "end": int((end - timedelta(hours=1)).timestamp() * 1000)})
    assert backwards.status_code == 400


def test_form_refuses_bad_input_in_chinese_and_writes_nothing(web, sensors):
    client = web("inspector")
    before = Sensor.objects.count()
    answer = client.post(reverse("monitoring:sensor_add"), {
        "code": "V-LEL-01", "name": "重复", "kind": "lel", "enterprise": sensors["lel"].enterprise_id,
        "installed_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "is_active": "on"})
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert "已被" in errors["code"][0]
    assert errors["installed_at"] == ["安装时间不能晚于当前时间。"]
    assert Sensor.objects.count() == before
    good = client.post(reverse("monitoring:sensor_add"), {
        "code": "V-LEL-02", "name": "新探测器", "kind": "lel", "enterprise": sensors["lel"].enterprise_id,
        "installed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "is_active": "on"})
    created = Sensor.objects.get(code="V-LEL-02")
    assert good.status_code == 302 and good["Location"] == created.get_absolute_url()
    assert created.unit == "%LEL" and created.expected_interval_s == 10


def test_gateway_page_counts_rejections_and_token_is_shown_once(web, sensors, monkeypatch):
    inspector = User.objects.get(username="inspector")
    plant = sensors["lel"].enterprise
    gateway = services.save_gateway(inspector, Gateway(), {"code": "GW-V-01", "name": "回澜网关", "enterprise": plant})
    Gateway.objects.filter(pk=gateway.pk).update(accepted_count=120, rejected_count=3)
    IngestRejection.objects.create(gateway=gateway, region=gateway.region, channel="http", sensor_code="NOPE-1",
                                   message_id="x1", reason="未知的监测点编码“NOPE-1”", received_at=timezone.now())
    client = web("inspector")
    page = client.get(gateway.get_absolute_url()).content.decode()
    assert "未知的监测点编码“NOPE-1”" in page and "120" in page and "签发新令牌" in page
    from yingji.monitoring.services import gateways

    def issue(actor, target):
        Gateway.objects.filter(pk=target.pk).update(token_hash="f" * 64, token_issued_at=timezone.now())
        return "tok-SECRET-123"

    monkeypatch.setattr(gateways, "issue_token", issue)
    answer = client.post(reverse("monitoring:gateway_token", args=[gateway.pk]))
    assert answer.status_code == 200 and "tok-SECRET-123" in answer.content.decode()
    assert answer["Cache-Control"] == "no-store"
    assert "tok-SECRET-123" not in client.get(gateway.get_absolute_url()).content.decode()
    assert web("township").post(reverse("monitoring:gateway_token", args=[gateway.pk])).status_code in (403, 404)


def test_enterprise_and_region_pages(web, sensors):
    plant = sensors["lel"].enterprise
    client = web("inspector")
    page = client.get(reverse("monitoring:monitoring_enterprise", args=[plant.pk]))
    assert page.status_code == 200 and "V-LEL-01" in page.content.decode() and "V-TOX-01" not in page.content.decode()
    county = Region.objects.get(code="512022")
    answer = client.get(reverse("monitoring:monitoring_region", args=[county.pk]))
    assert answer.status_code == 200
    counts = {c["status"]: c["count"] for c in answer.context["statuses"]}
    assert counts["alarm2"] >= 1
    children = {child.name: total for child, _, total in answer.context["children"]}
    assert children.get("回澜镇", 0) >= 2 and children.get("天池街道", 0) >= 1
    assert "V-LEL-01" in answer.content.decode()  # 报警中的监测点
    assert web("township").get(reverse("monitoring:monitoring_region", args=[plant.region_id])).status_code == 404
    assert web("township").get(reverse("monitoring:monitoring_enterprise", args=[plant.pk])).status_code == 404
    assert client.get(reverse("monitoring:monitoring_enterprise_list")).status_code == 200
    mine = web("enterprise").get(reverse("monitoring:monitoring_enterprise_list"))
    assert mine.status_code == 302 and mine["Location"].endswith(f"/monitoring/enterprises/{plant.pk}/")


def test_rule_pages_save_through_the_rule_service(web, sensors):
    client = web("inspector")
    county = Region.objects.get(code="512022")
    before = Rule.objects.count()
    wrong = client.post(reverse("monitoring:rule_add"), {
        "name": "测试高限", "region": county.pk, "kind": "toxic", "rule_type": "high", "level1": 200, "level2": 100,
        "deadband": 0, "hold_s": 0, "stale_factor": 3, "event_level": 1, "enabled": "on"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert Rule.objects.count() == before
    sensor = sensors["lel"]
    page = client.get(reverse("monitoring:sensor_rule_add", args=[sensor.pk]))
    assert page.status_code == 200 and sensor.code in page.content.decode()
    saved = client.post(reverse("monitoring:sensor_rule_add", args=[sensor.pk]), {
        "name": "单点高限", "rule_type": "high", "level1": 20, "level2": 40, "deadband": 1, "hold_s": 0,
        "stale_factor": 3, "event_level": 1, "enabled": "on"})
    assert saved.status_code == 302 and saved["Location"] == sensor.get_absolute_url()
    override = Rule.objects.get(sensor=sensor, rule_type="high")
    assert (override.kind, override.region) == ("lel", sensor.region)
    edit = client.post(reverse("monitoring:rule_edit", args=[override.pk]), {
        "name": "单点高限", "rule_type": "high", "level1": 45, "level2": 40, "deadband": 1, "hold_s": 0,
        "stale_factor": 3, "event_level": 1, "enabled": "on"})
    assert edit.status_code == 200 and edit.context["form"].errors  # 二级 below 一级 on a high rule
    assert Rule.objects.get(pk=override.pk).level1 == 20
    township = web("township")  # a township may look at the county's rules (they apply downwards), not edit them
    assert township.get(reverse("monitoring:rule_edit", args=[override.pk])).status_code in (403, 404)


def test_chart_window_reads_epoch_milliseconds_that_also_look_like_iso_dates():
    from yingji.monitoring.api.registry import parse_window

    start, end, points = parse_window({"start": "1796070540629", "end": "1796074140629"})  # 1796-07-05 in ISO basic
    assert (start.year, end.year, (end - start).total_seconds(), points) == (2026, 2026, 3600, 600)
    start, _, _ = parse_window({"start": "2026-11-30T08:00:00 08:00", "end": "2026-11-30T09:00:00+08:00"})  # + as space
    assert start.utcoffset().total_seconds() == 8 * 3600
