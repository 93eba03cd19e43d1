"""The hazard (隐患) closed loop (issue 13, item 4): reported → plan → rectified → accepted (销号) or back; overdue
flagged and escalated; 重大隐患 挂牌督办 with its notice and 销号; statistics in grouped queries; the enterprise
account keeps to its own hazards; bad input refused whole with Chinese messages naming the field."""

import io
import os
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests.audit_check import audited
from yingji.core.models import AuditEntry, Region, User
from yingji.safety.models import Enterprise, Hazard, HazardSupervision, HazardUpdate
from yingji.safety.services import hazard_notice
from yingji.safety.services import hazards as services

pytestmark = pytest.mark.django_db

OWN = "乐至县回澜化工有限公司"  # the demo enterprise account's company, in 回澜镇
NEIGHBOUR = "四川乐氯化工有限公司"  # also in 回澜镇
SUPERVISED = "液氨储罐区紧急切断阀未投入使用"  # the demo's 挂牌 重大 hazard, overdue, of OWN


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


def today():
    return timezone.localdate()


def png(name="p.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def new_hazard(actor, enterprise=OWN, **overrides):
    data = {"enterprise": Enterprise.objects.get(name=enterprise), "title": "储罐区护栏锈蚀", "location": "罐区",
            "found_on": today() - timedelta(days=2), "grade": "general", "source": "inspection"}
    data.update(overrides)
    return services.save_hazard(actor, Hazard(), data)


PLAN = {"measures": "更换护栏", "funds_wan": "1.5", "responsible": "周敏", "responsible_phone": "13981761234"}


# --- the demo ----------------------------------------------------------------------------------------------------

def test_demo_has_every_step_overdue_and_a_supervised_major_hazard_in_both_townships(demo):
    statuses = set(Hazard.objects.values_list("status", flat=True))
    assert statuses == {"pending", "rectifying", "awaiting", "closed"}
    assert Hazard.objects.filter(services.overdue_q()).count() >= 2
    townships = set(Hazard.objects.values_list("region__name", flat=True))
    assert {"天池街道", "回澜镇"} <= townships
    assert Hazard.objects.filter(enterprise__name=OWN).count() >= 3
    listing = HazardSupervision.objects.get(hazard__title=SUPERVISED)
    assert (listing.level, listing.number, listing.closed_on) == ("county", "乐应急督〔2026〕3号", None)
    assert listing.hazard.grade == "major" and listing.hazard.criterion == "HC-05"
    assert Hazard.objects.filter(enterprise__isnull=True).exists()  # a public place's hazard


# --- the loop ----------------------------------------------------------------------------------------------------

def test_enterprise_reports_and_rectifies_inspector_accepts(user, web):
    account, inspector = user("enterprise"), user("inspector")
    with audited() as trail:
        hazard = services.save_hazard(account, Hazard(), {
            "enterprise": Enterprise.objects.get(name=OWN), "title": "配电室门口堆放杂物", "found_on": today(),
            "grade": "general", "source": "inspection"}, photo=png())
        assert hazard.source == "self_check" and hazard.region.name == "回澜镇" and hazard.photo_before
        hazard = services.submit_plan(account, hazard, {**PLAN, "deadline": today() + timedelta(days=5)})
        assert (hazard.status, hazard.funds_wan, hazard.responsible) == ("rectifying", Decimal("1.5"), "周敏")
        services.report_progress(account, hazard, "杂物已清理一半")
        hazard = services.report_rectified(account, hazard, "已清理完毕", photo=png("after.png"))
        assert hazard.status == "awaiting" and hazard.photo_after and hazard.rectified_on == today()
        with pytest.raises(PermissionDenied):
            services.accept(account, hazard)  # an enterprise never accepts its own hazard
        hazard = services.accept(inspector, hazard, "现场复查合格")
    assert (hazard.status, hazard.closed_on, hazard.accepted_by) == ("closed", today(), inspector)
    assert trail.count("safety.hazard", "create") == 1 and trail.count("safety.hazard", "update") == 4
    kinds = list(HazardUpdate.objects.filter(hazard=hazard).values_list("kind", flat=True))
    assert kinds == ["report", "plan", "progress", "rectified", "accepted"]
    # The photos are served to those who see the hazard, as images.
    answer = web("inspector").get(f"/hazards/{hazard.pk}/photo/after/")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"


def test_rejected_acceptance_goes_back_to_rectifying_with_the_reason(user):
    inspector = user("inspector")
    hazard = new_hazard(inspector)
    hazard = services.submit_plan(inspector, hazard, {**PLAN, "deadline": today() + timedelta(days=3)})
    hazard = services.report_rectified(inspector, hazard, "已更换")
    with pytest.raises(ValidationError) as refused:
        services.reject(inspector, hazard, "")
    assert "reason" in refused.value.message_dict
    hazard = services.reject(inspector, hazard, "护栏焊缝未防腐")
    assert hazard.status == "rectifying" and hazard.rectified_on is None
    assert HazardUpdate.objects.filter(hazard=hazard, kind="rejected", text__contains="护栏焊缝未防腐").exists()


def test_transition_out_of_order_is_refused_and_nothing_written(user):
    inspector = user("inspector")
    hazard = new_hazard(inspector)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.accept(inspector, hazard)
    assert refused.value.message_dict["status"] == ["隐患当前为“待整改”，不能验收销号（只有待验收的隐患可以验收销号）。"]
    with pytest.raises(ValidationError, match="整改中"):
        services.report_rectified(inspector, hazard, "完成")
    hazard.refresh_from_db()
    assert hazard.status == "pending" and AuditEntry.objects.count() == entries


def test_bad_plan_names_every_field_at_once(user):
    inspector = user("inspector")
    hazard = new_hazard(inspector)
    with pytest.raises(ValidationError) as refused:
        services.submit_plan(inspector, hazard, {"measures": "", "funds_wan": "-2", "responsible": "",
                                                 "responsible_phone": "12", "deadline": hazard.found_on - timedelta(days=1)})
    errors = refused.value.message_dict
    assert set(errors) == {"measures", "funds_wan", "responsible", "responsible_phone", "deadline"}
    assert errors["funds_wan"] == ["整改资金（万元）不能为负数。"]
    assert "不能早于发现日期" in errors["deadline"][0]
    hazard.refresh_from_db()
    assert hazard.status == "pending" and hazard.measures == ""


def test_report_refuses_deadline_before_finding_and_major_without_criterion(user):
    inspector = user("inspector")
    before = Hazard.objects.count()
    with pytest.raises(ValidationError) as refused:
        new_hazard(inspector, grade="major", deadline=today() - timedelta(days=30))
    errors = refused.value.message_dict
    assert errors["criterion"] == ["重大事故隐患须选择所符合的判定标准条款。"]
    assert "整改期限" in errors["deadline"][0] and "不能早于发现日期" in errors["deadline"][0]
    # A criterion of another category's list, and a category without a list needs a written basis.
    with pytest.raises(ValidationError, match="不适用"):
        new_hazard(inspector, grade="major", criterion="XX-01")
    with pytest.raises(ValidationError) as refused:
        new_hazard(inspector, enterprise="乐至县金顺建材有限公司", grade="major")
    assert "criterion_basis" in refused.value.message_dict
    assert Hazard.objects.count() == before
    hazard = new_hazard(inspector, grade="major", criterion="HC-12")
    assert hazard.criterion == "HC-12"


def test_criteria_come_from_the_data_file_by_category():
    listed = services.criteria_for("hazchem_production")
    assert len(listed) == 20 and listed[4].code == "HC-05" and "紧急切断" in listed[4].text
    assert services.criteria_for("industry_trade") == [] and services.criteria_for(None) == []


def test_enterprise_account_cannot_touch_another_enterprise(user, api):
    account = user("enterprise")
    theirs = Hazard.objects.filter(enterprise__name=NEIGHBOUR).first()
    with pytest.raises(PermissionDenied, match="只能处理本企业"):
        services.submit_plan(account, theirs, {**PLAN, "deadline": today()})
    with pytest.raises(PermissionDenied):
        new_hazard(account, enterprise=NEIGHBOUR)
    client = api("enterprise")
    titles = {row["title"] for row in client.get("/api/hazards/", {"page_size": 100}).json()["results"]}
    assert titles == set(Hazard.objects.filter(enterprise__name=OWN).values_list("title", flat=True))
    assert client.post(f"/api/hazards/{theirs.pk}/plan/", PLAN, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.measures == "" or theirs.responsible != "周敏"


def test_township_sees_its_township_only(user, api):
    titles = {r["title"] for r in api("township").get("/api/hazards/", {"page_size": 100}).json()["results"]}
    assert titles == set(Hazard.objects.filter(region__name="天池街道").values_list("title", flat=True))
    assert titles


# --- overdue, escalation, 挂牌督办 ------------------------------------------------------------------------------

def test_overdue_is_flagged_on_list_api_and_detail(user, api, web):
    overdue = Hazard.objects.get(title=SUPERVISED)
    assert overdue.overdue and not Hazard.objects.get(title="液氨罐区气体检测报警仪2台故障").overdue
    rows = api("inspector").get("/api/hazards/", {"overdue": "1", "page_size": 100}).json()["results"]
    assert SUPERVISED in {r["title"] for r in rows} and all(r["overdue"] for r in rows)
    escalated = api("inspector").get("/api/hazards/", {"overdue": "1", "grade": "major"}).json()["results"]
    assert {r["title"] for r in escalated} == set(services.escalated(Hazard.objects.all()).values_list("title", flat=True))
    assert {r["title"] for r in escalated} >= {SUPERVISED, "液氯充装未使用万向管道充装系统"}
    # The city sees the county's overdue 重大 hazards too.
    assert api("admin").get("/api/hazards/", {"overdue": "1", "grade": "major"}).json()["count"] == len(escalated)
    page = web("inspector").get("/hazards/?overdue=1").content.decode()
    assert "整改中·已逾期" in page
    detail = web("inspector").get(overdue.get_absolute_url()).content.decode()
    assert 'data-testid="hazard-overdue"' in detail and "县级挂牌督办" in detail
    assert api("inspector").get("/api/hazards/", {"overdue": "maybe"}).status_code == 400


def test_supervise_notice_and_closing_on_acceptance(user, web):
    inspector = user("inspector")
    hazard = new_hazard(inspector, enterprise=NEIGHBOUR, grade="major", criterion="HC-08", title="氯气管道穿越公共区域")
    with pytest.raises(ValidationError) as refused:
        services.supervise(inspector, hazard, {"level": "city", "number": "乐应急督〔2026〕3号",
                                               "deadline": hazard.found_on - timedelta(days=1)})
    errors = refused.value.message_dict
    assert "市级挂牌督办须由市级" in errors["level"][0] and "已使用" in errors["number"][0] and "deadline" in errors
    listing = services.supervise(inspector, hazard, {"level": "county", "number": "乐应急督〔2026〕9号",
                                                     "deadline": today() + timedelta(days=30), "requirements": "每周报送进展"})
    assert listing.authority == "乐至县应急管理局" and listing.listed_by == inspector
    text = hazard_notice.read_text(hazard_notice.render(listing))
    for expected in ("乐至县应急管理局", "乐应急督〔2026〕9号", "重大事故隐患挂牌督办通知书", f"{NEIGHBOUR}：", "氯气管道穿越公共区域",
                     "县级挂牌督办", "安监总管三〔2017〕121号", "每周报送进展"):
        assert expected in text, expected
    answer = web("inspector").get(f"/hazards/{hazard.pk}/notice/")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    with pytest.raises(ValidationError, match="已在挂牌督办中"):
        services.supervise(inspector, hazard, {"level": "county", "number": "乐应急督〔2026〕10号",
                                               "deadline": today() + timedelta(days=30)})
    hazard = services.submit_plan(inspector, hazard, {**PLAN, "deadline": today() + timedelta(days=20)})
    hazard = services.report_rectified(inspector, hazard, "管道已改线")
    services.accept(inspector, hazard)
    listing.refresh_from_db()
    assert listing.closed_on == today()
    assert AuditEntry.objects.filter(model="safety.hazardsupervision", object_id=str(listing.pk)).count() == 2


def test_general_hazard_and_township_user_cannot_be_supervised(user):
    inspector = user("inspector")
    general = new_hazard(inspector)
    with pytest.raises(ValidationError, match="只有重大事故隐患"):
        services.supervise(inspector, general, {"level": "county", "number": "X1", "deadline": today()})
    with pytest.raises(PermissionDenied):
        services.supervise(user("township2"), general, {"level": "county", "number": "X2", "deadline": today()})
    assert not HazardSupervision.objects.filter(number__in=["X1", "X2"]).exists()


# --- statistics ---------------------------------------------------------------------------------------------------

def test_statistics_by_each_dimension_in_one_query(user):
    hazards = Hazard.objects.all()
    for dimension in services.DIMENSIONS:
        with CaptureQueriesContext(connection) as queries:
            rows = services.statistics(hazards, dimension)
        # one grouped query; by region also the regions below and the paths of the regions found (not per row)
        assert len(queries) == (3 if dimension == "region" else 1), dimension
        assert sum(r["found"] for r in rows) == hazards.count()
        assert sum(r["closed"] for r in rows) == hazards.filter(status="closed").count()
        assert sum(r["overdue"] for r in rows) == hazards.filter(services.overdue_q()).count()
    by_grade = {r["key"]: r for r in services.statistics(hazards, "grade")}
    major = hazards.filter(grade="major")
    expected = round(major.filter(status="closed").count() / major.count() * 100, 1)
    assert by_grade["major"]["rate"] == expected and by_grade["major"]["label"] == "重大事故隐患"
    by_industry = {r["label"]: r for r in services.statistics(hazards, "industry")}
    assert by_industry["公共场所"]["found"] == hazards.filter(enterprise__isnull=True).count()
    assert any("化学原料" in label for label in by_industry)
    with pytest.raises(ValidationError):
        services.statistics(hazards, "colour")


def test_statistics_page_and_api(demo, api, web):
    page = web("inspector").get("/hazards/stats/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "按区划" in text and "按月份" in text and "整改率" in text
    months = api("inspector").get("/api/hazards/stats/", {"by": "month"}).json()
    assert sum(r["found"] for r in months) == Hazard.objects.count()
    assert api("inspector").get("/api/hazards/stats/", {"by": "x"}).status_code == 400
    township = api("township").get("/api/hazards/stats/", {"by": "region"}).json()
    assert [r["label"] for r in township] == ["天池街道本级"]  # no villages in the demo: its own hazards only


def _village(township_code: str, code: str, name: str) -> Region:
    from yingji.core.services import save_region

    township = Region.objects.get(code=township_code)
    return save_region(None, Region(), {"parent": township, "name": name, "code": code, "level": "village"})


def _public_hazard(region: Region, title: str, **values) -> Hazard:
    data = {"title": title, "region": region, "location": f"{region.name}村委会旁", "found_on": today() - timedelta(days=5),
            "grade": "general", "source": "tip", **values}
    return services.save_hazard(None, Hazard(), data)


def test_statistics_by_region_roll_townships_into_the_county_and_villages_into_their_township(user):
    village = _village("512022102", "512022102001", "示范村")  # under 回澜镇
    _public_hazard(village, "村道边坡开裂", deadline=today() - timedelta(days=1))  # open, due yesterday: overdue
    _public_hazard(village, "村小学围墙倾斜", deadline=today())  # due today: not yet overdue
    county = Region.objects.get(code="512022")
    _public_hazard(county, "县城区广告牌松动")  # on the county itself
    hazards = Hazard.objects.all()
    inspector = user("inspector")

    rows = services.statistics(hazards, "region", root=inspector.region)
    townships = list(Region.objects.filter(parent=county).order_by("code").values_list("name", flat=True))
    assert len(townships) == 21 and [r["label"] for r in rows] == townships + ["乐至县本级"]  # every township
    by_label = {r["label"]: r for r in rows}
    huilan = Hazard.objects.filter(region__path__startswith=Region.objects.get(code="512022102").path)
    assert by_label["回澜镇"]["found"] == huilan.count() == Hazard.objects.filter(region__code="512022102").count() + 2
    assert by_label["回澜镇"]["overdue"] == huilan.filter(services.overdue_q()).count()
    assert by_label["乐至县本级"]["found"] == 1 and by_label["石佛镇"]["found"] == 0
    assert by_label["石佛镇"]["rate"] is None
    total = services.total(rows)
    assert total["found"] == hazards.count() and total["closed"] == hazards.filter(status="closed").count()
    assert total["rate"] == round(total["closed"] / total["found"] * 100, 1)

    # The city: one row per county (the zones without a code last), 乐至县 with everything above.
    city = Region.objects.get(code="512000")
    by_county = services.statistics(hazards, "region", root=city)
    labels = [r["label"] for r in by_county]
    assert labels[:3] == ["雁江区", "安岳县", "乐至县"] and set(labels[3:]) == {"高新区", "临空经济区"}
    assert by_county[2]["found"] == hazards.count() and by_county[2]["overdue"] == total["overdue"]

    # The township: its village, and what is registered on the township itself (its enterprises' hazards).
    in_huilan = services.statistics(hazards, "region", root=Region.objects.get(code="512022102"))
    assert [(r["label"], r["found"], r["overdue"]) for r in in_huilan] == [
        ("示范村", 2, 1), ("回澜镇本级", huilan.count() - 2, huilan.filter(services.overdue_q()).count() - 1)]
    # Under a root, the other dimensions count that area only.
    assert sum(r["found"] for r in services.statistics(hazards, "grade", root=village)) == 2


def test_statistics_page_by_region_with_totals_drill_down_and_bad_region(user, web, api):
    village = _village("512022102", "512022102001", "示范村")
    _public_hazard(village, "村道边坡开裂")
    county_page = web("inspector").get("/hazards/stats/")
    table = re.search(r'data-testid="stats-region">(.*?)</table>', county_page.content.decode(), re.S).group(1)
    assert table.count("<tr>") == 1 + 21  # the header and one row per township (nothing on the county itself)
    assert re.search(r'<strong>乐至县合计</strong></td><td class="num"><strong>(\d+)</strong>', table).group(1) == str(Hazard.objects.count())
    huilan = Region.objects.get(code="512022102")
    assert f'href="?region={huilan.pk}">回澜镇</a>' in table
    city_page = web("city_duty").get("/hazards/stats/").content.decode()
    city_table = re.search(r'data-testid="stats-region">(.*?)</table>', city_page, re.S).group(1)
    assert ">乐至县</a>" in city_table and "回澜镇" not in city_table and "资阳市合计" in city_table
    drilled = web("inspector").get(f"/hazards/stats/?region={huilan.pk}").content.decode()
    assert ">示范村</a>" in drilled and "回澜镇本级" in drilled and "回澜镇合计" in drilled
    assert 'data-testid="stats-up"' in drilled  # back up to the county
    other_county = Region.objects.get(code="512002")
    for bad in (str(other_county.pk), "x", "99999999999"):
        refused = web("inspector").get(f"/hazards/stats/?region={bad}")
        assert refused.status_code == 400 and "不在您的管辖范围内" in refused.content.decode()
    by_village = api("inspector").get("/api/hazards/stats/", {"by": "region", "region": huilan.pk}).json()
    assert by_village[0] == {"key": str(village.pk), "label": "示范村", "found": 1, "closed": 0, "overdue": 0,
                             "rate": 0.0}
    assert api("inspector").get("/api/hazards/stats/", {"by": "region", "region": other_county.pk}).status_code == 400


# --- API, pages and map -----------------------------------------------------------------------------------------

def test_api_loop_with_bad_input_and_order(user, api):
    client = api("inspector")
    company = Enterprise.objects.get(name=OWN)
    answer = client.post("/api/hazards/", {"enterprise": company.pk, "title": "储罐接地线断开", "found_on": str(today()),
                                           "grade": "major", "source": "inspection"}, format="json")
    assert answer.status_code == 400 and "criterion" in answer.json()["error"]["fields"]
    answer = client.post("/api/hazards/", {"enterprise": company.pk, "title": "储罐接地线断开", "found_on": str(today()),
                                           "grade": "major", "criterion": "HC-12", "source": "inspection"}, format="json")
    assert answer.status_code == 201, answer.json()
    pk = answer.json()["id"]
    assert answer.json()["region"] == company.region_id and answer.json()["status"] == "pending"
    assert client.post(f"/api/hazards/{pk}/accept/", {}, format="json").status_code == 400
    bad = client.post(f"/api/hazards/{pk}/plan/", {**PLAN, "funds_wan": "-1", "deadline": "2000-01-01"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) >= {"funds_wan", "deadline"}
    ok = client.post(f"/api/hazards/{pk}/plan/", {**PLAN, "deadline": str(today() + timedelta(days=9))}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "rectifying"
    listed = client.post(f"/api/hazards/{pk}/supervise/", {"level": "county", "number": "乐应急督〔2026〕11号",
                                                           "deadline": str(today() + timedelta(days=9))}, format="json")
    assert listed.status_code == 201 and listed.json()["level_label"] == "县级"
    assert client.get(f"/api/hazards/{pk}/notice/").status_code == 200
    done = client.post(f"/api/hazards/{pk}/rectified/", {"text": "已恢复接地"}, format="json")
    assert done.json()["status"] == "awaiting"
    closed = client.post(f"/api/hazards/{pk}/accept/", {"text": "合格"}, format="json").json()
    assert closed["status"] == "closed" and closed["supervisions"][0]["closed_on"] == str(today())
    assert [u["kind"] for u in closed["updates"]] == ["report", "plan", "supervised", "rectified", "accepted"]


def test_photo_that_is_not_an_image_is_refused(user):
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        services.save_hazard(user("inspector"), Hazard(), {"enterprise": Enterprise.objects.get(name=OWN),
                                                           "title": "假照片", "found_on": today(), "grade": "general"},
                             photo=fake)
    assert "photo_before" in refused.value.message_dict
    assert not Hazard.objects.filter(title="假照片").exists()


def test_layer_shows_open_hazards_coloured(demo, api):
    body = api("inspector").get("/api/hazards/layer/", {"open": "1"}).json()
    states = {f["properties"]["state"] for f in body["features"]}
    assert body["type"] == "FeatureCollection" and "overdue" in states
    closed = set(Hazard.objects.filter(status="closed").values_list("pk", flat=True))
    assert not closed & {f["id"] for f in body["features"]}
    with CaptureQueriesContext(connection) as queries:  # the popup needs neither the log nor the listings
        assert api("inspector").get("/api/hazards/layer/", {"open": "1"}).status_code == 200
    assert not [q for q in queries if "safety_hazardupdate" in q["sql"] or "safety_hazardsupervision" in q["sql"]]


def test_pages_show_the_steps_to_whoever_may_act(user, web):
    own = Hazard.objects.get(title="液氨罐区气体检测报警仪2台故障")  # rectifying, of the enterprise account
    page = web("enterprise").get(own.get_absolute_url()).content.decode()
    assert 'data-testid="rectified-form"' in page and 'data-testid="accept-form"' not in page
    awaiting = Hazard.objects.filter(status="awaiting").first()
    page = web("inspector").get(awaiting.get_absolute_url()).content.decode()
    assert 'data-testid="accept-form"' in page and 'data-testid="reject-form"' in page
    listing = web("enterprise").get("/hazards/").content.decode()
    assert own.title in listing and "液氯充装未使用万向管道充装系统" not in listing
    # A refused step comes back as a message naming the problem, nothing changed.
    answer = web("inspector").post(f"/hazards/{own.pk}/plan/", {**PLAN, "funds_wan": "-3"}, follow=True)
    assert "整改资金（万元）不能为负数" in answer.content.decode()
    form = web("enterprise").get("/hazards/add/").content.decode()
    assert "HC-05" in form and 'enctype="multipart/form-data"' in form and 'name="source"' not in form


# --- the 督办 notice in LibreOffice ---------------------------------------------------------------------------

ARTIFACTS = Path(os.environ.get("YINGJI_TEST_ARTIFACTS", "test-artifacts"))
FONTS = Path(__file__).parent.parent / "incidents" / "fonts.conf"  # 公文 font names → Noto CJK SC


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        message = f"找不到 {name}：请 apt-get install libreoffice-writer-nogui poppler-utils（.docx 须在 LibreOffice 中打开检查）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_notice_opens_in_libreoffice_as_a_short_document(demo, tmp_path):
    listing = HazardSupervision.objects.select_related("hazard__enterprise", "hazard__region").get(
        hazard__title=SUPERVISED)
    docx = tmp_path / "notice.docx"
    docx.write_bytes(hazard_notice.render(listing))
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS), "HOME": str(tmp_path)}
    subprocess.run([_tool("libreoffice"), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180, env=env)
    pdf = tmp_path / "notice.pdf"
    flat = re.sub(r"\s+", "", subprocess.run([_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True,
                                             text=True).stdout)
    for expected in ("乐至县应急管理局", "乐应急督〔2026〕3号", "重大事故隐患挂牌督办通知书", f"{OWN}：",
                     "一、隐患基本情况", "二、督办要求", "三、验收销号", "紧急切断", "县级挂牌督办", "抄送：回澜镇人民政府"):
        assert expected in flat, expected
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("hazard-notice-*.png"):
        old.unlink()
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "60", str(pdf), str(ARTIFACTS / "hazard-notice")], check=True)
    assert sorted(ARTIFACTS.glob("hazard-notice-*.png"))
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) <= 2  # 22 lines a page (GB/T 9704)
    assert "CJK" in subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout


def test_board_cards_count_in_one_query_and_link_to_the_filtered_lists(user, web):
    inspector = user("inspector")
    inspector.has_perm("safety.view_hazard") and inspector.region  # cached per request, as on the home page
    with CaptureQueriesContext(connection) as queries:
        cards = {card["label"]: card for card in services.board_cards(inspector)}
    assert len(queries) <= 2  # the enterprise-account check (cached per user) and one aggregate
    hazards = Hazard.objects.all()
    assert cards["未销号隐患"]["value"] == hazards.filter(status__in=Hazard.OPEN).count()
    assert cards["逾期重大隐患"]["value"] == services.escalated(hazards).count() >= 2
    listed = HazardSupervision.objects.filter(closed_on__isnull=True).values("hazard").distinct().count()
    assert cards["挂牌督办中"]["value"] == listed >= 1 and cards["逾期重大隐患"]["tone"] == "warn"
    listed = web("inspector").get(cards["逾期重大隐患"]["url"])
    assert listed.context["paginator"].count == cards["逾期重大隐患"]["value"]
    township = {card["label"]: card["value"] for card in services.board_cards(user("township"))}
    assert township["未销号隐患"] == Hazard.objects.filter(region__name="天池街道", status__in=Hazard.OPEN).count()


def test_public_place_hazard_needs_a_place_and_stays_with_the_township(user, region, web):
    township = user("township")  # 天池街道
    data = {"region": region("512022001"), "title": "广场临时舞台搭建不牢", "found_on": today(), "grade": "general",
            "source": "tip"}
    with pytest.raises(ValidationError) as refused:
        services.save_hazard(township, Hazard(), data)
    assert refused.value.message_dict["location"] == ["公共场所的隐患请填写隐患地点或标注经纬度。"]
    with pytest.raises(ValidationError) as refused:
        services.save_hazard(township, Hazard(), {**data, "location": "回澜镇场镇", "region": region("512022102")})
    assert "不在您的管辖范围内" in refused.value.message_dict["region"][0]
    hazard = services.save_hazard(township, Hazard(), {**data, "location": "天池广场"})
    assert hazard.enterprise is None and hazard.place == "天池街道（公共场所）"
    with pytest.raises(ValidationError) as refused:
        services.save_hazard(user("enterprise"), Hazard(), {**data, "location": "天池广场"})
    assert "enterprise" in refused.value.message_dict
    listed = web("inspector").get("/hazards/", {"region": region("512022001").pk}).context["paginator"].object_list
    assert hazard in listed and {h.region.name for h in listed} == {"天池街道"}


def test_township_registers_but_does_not_rectify_an_enterprise_hazard(user, web, api):
    township2 = user("township2")  # 回澜镇
    hazard = new_hazard(township2, title="厂外管廊支架锈蚀")  # a township may register what it finds
    assert hazard.region.name == "回澜镇"
    with pytest.raises(PermissionDenied, match="不能代为办理整改"):
        services.submit_plan(township2, hazard, {**PLAN, "deadline": today()})
    page = web("township2").get(hazard.get_absolute_url()).content.decode()
    assert 'data-testid="plan-form"' not in page
    answer = api("township2").post(f"/api/hazards/{hazard.pk}/plan/", PLAN, format="json")
    assert answer.status_code == 403 and "不能代为办理整改" in answer.json()["error"]["message"]
    public = Hazard.objects.get(title="场镇燃气管道被占压")  # 回澜镇's public place: the township takes it through
    assert services.submit_plan(township2, public, {**PLAN, "deadline": today() + timedelta(days=3)}).status == "rectifying"


def test_leader_lists_a_major_hazard_and_the_city_may_list_at_city_level(user):
    hazard = Hazard.objects.get(title="液氯充装未使用万向管道充装系统")
    listing = services.supervise(user("leader"), hazard, {"level": "county", "number": "乐应急督〔2026〕31号",
                                                          "deadline": today() + timedelta(days=20)})
    assert listing.listed_by == user("leader") and listing.get_level_display() == "县级"
    other = new_hazard(user("inspector"), enterprise=NEIGHBOUR, grade="major", criterion="HC-03", title="防护距离不足")
    city = services.supervise(user("admin"), other, {"level": "city", "number": "资应急督〔2026〕2号",
                                                     "deadline": today() + timedelta(days=60)})
    assert city.authority == "资阳市应急管理局"


# --- the review's findings: the bureau's finding stays the bureau's; malformed input is a message ----------------

def test_an_enterprise_account_cannot_regrade_or_postpone_its_own_hazard(user):
    hazard = new_hazard(user("inspector"), grade="major", criterion=next(iter(services.criteria())),
                        deadline=today() + timedelta(days=10))
    with pytest.raises(ValidationError) as caught:
        services.save_hazard(user("enterprise"), hazard, {"grade": "general", "deadline": today() + timedelta(days=90),
                                                          "title": "改个名"})
    assert set(caught.value.message_dict) == {"grade", "deadline"}
    assert "由监管部门认定" in caught.value.message_dict["grade"][0]
    hazard.refresh_from_db()
    assert hazard.grade == "major" and hazard.title == "储罐区护栏锈蚀"


def test_once_planned_the_deadline_moves_only_with_a_new_plan(user):
    inspector = user("inspector")
    hazard = new_hazard(inspector)
    hazard = services.submit_plan(inspector, hazard, {**PLAN, "deadline": today() + timedelta(days=10)})
    with pytest.raises(ValidationError, match="请通过提交整改方案修改"):
        services.save_hazard(inspector, hazard, {"deadline": today() + timedelta(days=60)})


def test_funds_with_more_than_two_decimals_are_refused(user):
    hazard = new_hazard(user("inspector"))
    with pytest.raises(ValidationError) as caught:
        services.submit_plan(user("inspector"), hazard, {**PLAN, "funds_wan": "99999999.999",
                                                         "deadline": today() + timedelta(days=5)})
    assert "funds_wan" in caught.value.message_dict


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999"])
def test_odd_digits_in_query_parameters_are_not_a_500(web, value):
    assert web("inspector").get(f"/hazards/add/?enterprise={value}").status_code == 200
    assert web("inspector").get(f"/risk-points/add/?enterprise={value}").status_code == 200
    assert Client().get(f"/draws/public/?verify={value}").status_code == 200


def test_board_counts_read_the_open_hazards_and_agree_with_the_filters(user):
    hazards = Hazard.objects.all()
    counts = services.board(hazards)
    assert counts == {"open": hazards.filter(status__in=Hazard.OPEN).count(),
                      "overdue": hazards.filter(services.overdue_q()).count(),
                      "escalated": services.escalated(hazards).count(),
                      "supervised": hazards.filter(services.supervised_q()).count()}
    assert counts["overdue"] >= 1 and counts["escalated"] >= 1 and counts["supervised"] >= 1
