"""Rescue forces: registry rules, readiness history, scoping, the map layer, Excel import."""

import io

import pytest
from openpyxl import Workbook

from yingji.core.imports import SHEETS, run_import
from yingji.core.models import AuditEntry, Region, User
from yingji.resources import services
from yingji.resources.models import ForceStatusChange, RescueForce

pytestmark = pytest.mark.django_db


def new_force(**fields):
    data = {"name": "测试救援队", "type": "social", "region": Region.objects.get(code="512022102"),
            "members_total": 20, "members_on_duty": 5, "capabilities": ["11A00"], **fields}
    return services.save_force(None, RescueForce(), data)


def test_demo_has_the_seed_stations_and_a_team_per_township(demo):
    assert RescueForce.objects.get(name="乐至县城东消防站").station_class == "class1"
    for town in ("石佛镇", "盛池镇", "回澜镇", "童家镇", "劳动镇", "通旅镇", "良安镇"):
        assert RescueForce.objects.filter(type="fire_station", name__contains=town).exists(), town
    teams = RescueForce.objects.filter(type="township")
    assert teams.count() == 21 and all(t.members_total >= 30 for t in teams)
    assert all(v.members_total >= 10 for v in RescueForce.objects.filter(type="village"))
    assert not RescueForce.objects.filter(is_demo=False).exists()


@pytest.mark.parametrize("fields, field, reason", [
    ({"type": "fire_station"}, "station_class", "须注明等级"),
    ({"station_class": "class1"}, "station_class", "只有消防救援站"),
    ({"type": "professional"}, "specialty", "须注明专业方向"),
    ({"members_on_duty": 25}, "members_on_duty", "不能多于队员总数"),
    ({"capabilities": ["99Z99"]}, "capabilities", "不是 GB/T 35561 事件代码"),
    ({"capabilities": ["11Z00"]}, "capabilities", "不是 GB/T 35561 事件代码"),
    ({"longitude": 30.2, "latitude": 105.1}, "longitude", "似乎填反了"),
])
def test_bad_input_names_the_field_and_writes_nothing(demo, fields, field, reason):
    from django.core.exceptions import ValidationError

    before = (RescueForce.objects.count(), AuditEntry.objects.count(), ForceStatusChange.objects.count())
    with pytest.raises(ValidationError) as caught:
        new_force(**fields)
    assert reason in " ".join(caught.value.message_dict[field])
    assert (RescueForce.objects.count(), AuditEntry.objects.count(), ForceStatusChange.objects.count()) == before


def idle_station():
    """A fire station on duty that the demo incidents have not sent out."""
    return (RescueForce.objects.filter(type="fire_station", status="on_duty", members_total__gte=16)
            .exclude(assignments__active=True).order_by("name").first())


def test_capabilities_are_normalised(demo):
    force = new_force(capabilities=["12g00", "11A00", "12G00"])
    assert force.capabilities == ["12G00", "11A00"]
    assert force.capability_labels == ["火灾事故", "水旱灾害"]


def test_status_changes_keep_history_and_audit(demo):
    dispatcher = User.objects.get(username="dispatcher")
    force = idle_station()
    earlier = force.status_changes.count()  # its creation, and the demo incidents' past dispatches
    assert earlier >= 1 and force.status_changes.order_by("id").first().from_status == ""
    services.change_force_status(dispatcher, force, "dispatched", "出警：回澜镇火情", members_on_duty=16)
    services.change_force_status(dispatcher, force, "on_duty", "归队")
    history = list(force.status_changes.order_by("id"))[earlier:]
    assert [(h.from_status, h.to_status) for h in history] == [("on_duty", "dispatched"), ("dispatched", "on_duty")]
    assert history[0].actor == dispatcher and history[0].reason == "出警：回澜镇火情"
    force.refresh_from_db()
    assert force.members_on_duty == 16 and force.status_changed_at is not None
    entry = AuditEntry.objects.filter(model="resources.rescueforce", object_id=str(force.pk)).latest("id")
    assert entry.changes["status"] == ["dispatched", "on_duty"]


def test_status_rules(demo):
    from django.core.exceptions import ValidationError

    force = idle_station()
    with pytest.raises(ValidationError, match="已是"):
        services.change_force_status(None, force, "on_duty")
    with pytest.raises(ValidationError, match="必须说明原因"):
        services.change_force_status(None, force, "disabled", "  ")
    with pytest.raises(ValidationError, match="未知状态"):
        services.change_force_status(None, force, "asleep")
    with pytest.raises(ValidationError, match="不能多于队员总数"):
        services.change_force_status(None, force, "resting", members_on_duty=99)


def test_editing_cannot_change_status_behind_the_history(demo, api):
    force = idle_station()
    response = api("admin").patch(f"/api/forces/{force.pk}/", {"status": "disabled", "phone": "0832-1"},
                                  format="json")
    assert response.status_code == 200
    force.refresh_from_db()
    assert force.status == "on_duty" and force.phone == "0832-1"


def test_api_status_action_and_history(demo, api):
    force = RescueForce.objects.get(name="乐至县回澜镇消防救援站")
    client = api("dispatcher")
    response = client.post(f"/api/forces/{force.pk}/status/", {"status": "dispatched", "reason": "出警"},
                           format="json")
    assert response.status_code == 200 and response.json()["status_label"] == "出动"
    history = client.get(f"/api/forces/{force.pk}/history/").json()
    assert history[0]["to_status"] == "dispatched" and history[0]["actor_name"] == "调度员·刘洋"
    bad = client.post(f"/api/forces/{force.pk}/status/", {"status": "asleep"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    assert api("township").post(f"/api/forces/{force.pk}/status/", {"status": "resting"},
                                format="json").status_code in (403, 404)


def test_scoping_of_forces(demo, api, web):
    names = [f["name"] for f in api("township2").get("/api/forces/?page_size=200").json()["results"]]
    assert names and all("回澜" in n or "安乐村" in n for n in names)
    other = RescueForce.objects.get(name="乐至县城东消防站")  # 天池街道
    assert api("township2").get(f"/api/forces/{other.pk}/").status_code == 404
    assert web("township2").get(f"/forces/{other.pk}/").status_code == 404
    assert "城东消防站" not in web("township2").get("/forces/").content.decode()


def test_filters_by_type_status_and_capability(demo, api):
    client = api("duty")
    stations = client.get("/api/forces/?type=fire_station&page_size=100").json()
    assert stations["count"] == 9
    disabled = client.get("/api/forces/?status=disabled").json()["results"]
    assert [f["name"] for f in disabled] == ["乐至县良安镇消防救援站"]
    hazmat = {f["name"] for f in client.get("/api/forces/?capability=12D01&page_size=100").json()["results"]}
    assert "综合应急救援大队危化救援分队" in hazmat and "乐至县城东消防站" in hazmat
    assert "乐至县蓝天救援队" not in hazmat


def test_layer_is_geojson_cut_to_the_bbox_and_scoped(demo, api):
    client = api("duty")
    everything = client.get("/api/forces/layer/").json()
    assert everything["type"] == "FeatureCollection" and len(everything["features"]) == 42
    west = client.get("/api/forces/layer/?bbox=104.85,30.2,104.95,30.4").json()["features"]
    assert west and all(104.85 <= f["geometry"]["coordinates"][0] <= 104.95 for f in west)
    assert {"name", "status", "type_label", "url"} <= set(west[0]["properties"])
    bad = client.get("/api/forces/layer/?bbox=105,30,104,31")
    assert bad.status_code == 400 and "bbox" in bad.json()["error"]["fields"]
    own = api("township2").get("/api/forces/layer/").json()["features"]
    assert {f["properties"]["name"] for f in own} <= {"乐至县回澜镇消防救援站", "回澜镇应急救援队", "回澜镇安乐村应急救援分队"}


def test_web_form_and_status_change(demo, web):
    client = web("admin")
    region = Region.objects.get(code="512022102")
    response = client.post("/forces/add/", {"name": "回澜镇志愿消防队", "type": "volunteer_fire", "region": region.pk,
                                            "members_total": 15, "members_on_duty": 3,
                                            "capabilities": ["12G00", "11A00"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    force = RescueForce.objects.get(name="回澜镇志愿消防队")
    assert force.capabilities == ["12G00", "11A00"]
    client.post(f"/forces/{force.pk}/status/", {"status": "resting", "reason": "训练", "members_on_duty": 0})
    force.refresh_from_db()
    assert force.status == "resting"
    page = client.get(f"/forces/{force.pk}/").content.decode()
    assert "训练" in page and "休整" in page


def sheet(*rows):
    spec = SHEETS["forces"]
    book = Workbook()
    book.active.append([c.header for c in spec.columns])
    for row in rows:
        book.active.append([row.get(c.header, "") for c in spec.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_all_or_nothing_with_capability_names(demo):
    good = {"名称": "宝林镇青年突击队", "类型": "社会应急力量", "所属区划": "宝林镇", "经度": 105.08, "纬度": 30.33,
            "队员总数（人）": 25, "在岗人数（人）": 5, "可处置事件类别": "水旱灾害、12G00"}
    bad = {"名称": "坏队伍", "类型": "消防救援站", "所属区划": "宝林镇", "队员总数（人）": 5, "可处置事件类别": "打怪兽"}
    result = run_import(None, SHEETS["forces"], sheet(good, bad))
    assert not result.ok and not RescueForce.objects.filter(name="宝林镇青年突击队").exists()
    assert {e.column for e in result.errors} == {"可处置事件类别"}
    bad["可处置事件类别"] = "火灾事故"
    result = run_import(None, SHEETS["forces"], sheet(good, bad))
    assert [(e.row, e.column) for e in result.errors] == [(3, "消防站等级")]
    result = run_import(None, SHEETS["forces"], sheet(good))
    assert result.ok and RescueForce.objects.get(name="宝林镇青年突击队").capabilities == ["11A00", "12G00"]
