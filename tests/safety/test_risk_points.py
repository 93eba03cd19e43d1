"""Risk points in four colours: graded by LEC or LS with the bands of the nearest bureau, regraded when a bureau
sets its own bands, the enterprise account keeping its own points, bad factors named, the one-map layers."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from yingji.core.models import AuditEntry, User
from yingji.safety import services
from yingji.safety.models import Enterprise, RiskPoint, RiskScheme

pytestmark = pytest.mark.django_db

OWN, NEIGHBOUR = "乐至县回澜化工有限公司", "四川乐氯化工有限公司"
STRICT_LEC = [  # a bureau that calls 160 < D red
    {"grade": 1, "bound": 160, "level": "重大风险", "colour": "红", "colour_code": "#d9342b", "control_level": "公司级"},
    {"grade": 2, "bound": 70, "level": "较大风险", "colour": "橙", "colour_code": "#f28c28", "control_level": "公司级"},
    {"grade": 3, "bound": 20, "level": "一般风险", "colour": "黄", "colour_code": "#f2c81c", "control_level": "车间级"},
    {"grade": 4, "bound": -1, "level": "低风险", "colour": "蓝", "colour_code": "#2f6fd6", "control_level": "班组级"},
]


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


def point(name):
    return RiskPoint.objects.get(name=name)


def test_demo_has_every_colour_in_both_townships(demo):
    colours = {(p.region.name, p.colour) for p in RiskPoint.objects.select_related("region")}
    assert {c for _, c in colours} == {"红", "橙", "黄", "蓝"}
    assert {r for r, _ in colours} >= {"天池街道", "回澜镇"}
    chlorine = point("液氯储罐区")
    assert (chlorine.score, chlorine.colour, chlorine.level, chlorine.control_level) == (720, "红", "重大风险", "公司级")
    assert point("液化石油气储罐区").score == 20 and point("液化石油气储罐区").colour == "红"  # LS 4 × 5, R ≥ 20


def test_a_bureau_scheme_regrades_the_points_below_it(demo, user, region):
    ammonia = point("液氨储罐区")  # D = 270: 橙 by default
    assert ammonia.colour == "橙"
    county = region("512022")
    scheme = services.save_risk_scheme(user("inspector"), RiskScheme(), {"region": county, "method": "lec",
                                                                           "bands": STRICT_LEC, "notes": "县局规定"})
    ammonia.refresh_from_db()
    assert (ammonia.colour, ammonia.control_level) == ("红", "公司级")
    assert AuditEntry.objects.filter(model="safety.riskpoint", object_id=str(ammonia.pk)).exists()
    assert point("液化石油气储罐区").colour == "红"  # LS points keep the default LS bands
    services.delete_risk_scheme(user("inspector"), scheme)
    ammonia.refresh_from_db()
    assert ammonia.colour == "橙"


@pytest.mark.parametrize("bands, message", [
    (STRICT_LEC[:3], "4档"), ([{**b, "bound": 10} for b in STRICT_LEC], "依次减小"),
    ([{**b, "colour": "红"} for b in STRICT_LEC], "1 红"), ([{"grade": 1}] * 4, "缺少"),
])
def test_bad_schemes_are_refused(demo, user, region, bands, message):
    before = RiskScheme.objects.count()
    with pytest.raises(ValidationError, match=message):
        services.save_risk_scheme(user("inspector"), RiskScheme(), {"region": region("512022"), "method": "lec",
                                                                      "bands": bands})
    assert RiskScheme.objects.count() == before


def test_enterprise_account_grades_its_own_point_and_not_others(demo, user, api):
    company = Enterprise.objects.get(name=OWN)
    response = api("enterprise").post("/api/risk-points/", {
        "enterprise": company.pk, "name": "甲醇装车台", "method": "lec", "likelihood": "3", "exposure": "3",
        "consequence": "15", "assessed_on": "2026-11-01", "longitude": 105.1211, "latitude": 30.2270},
        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["score"], body["colour"], body["control_level"], body["region"]) == (
        "135.000", "黄", "班组级", company.region_id)
    listed = {row["name"] for row in api("enterprise").get("/api/risk-points/").json()["results"]}
    assert "液氯储罐区" not in listed and "回澜镇场镇农贸市场" not in listed and "液氨储罐区" in listed
    other = Enterprise.objects.get(name=NEIGHBOUR)
    refused = api("enterprise").post("/api/risk-points/", {
        "enterprise": other.pk, "name": "x", "method": "ls", "likelihood": 1, "consequence": 1,
        "assessed_on": "2026-11-01"}, format="json")
    assert refused.status_code == 400


@pytest.mark.parametrize("method, likelihood, exposure, consequence, field, message", [
    ("lec", "4", "6", "15", "likelihood", "不在LEC取值表中"), ("lec", "3", None, "15", "exposure", "需要填写 E"),
    ("lec", "3", "6", "50", "consequence", "不在LEC取值表中"), ("ls", "6", None, "3", "likelihood", "1～5"),
])
def test_bad_factors_name_their_field_and_nothing_is_written(demo, user, region, method, likelihood, exposure,
                                                            consequence, field, message):
    before = RiskPoint.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_risk_point(user("inspector"), RiskPoint(), {
            "region": region("512022001"), "name": "测试点", "method": method, "likelihood": Decimal(likelihood),
            "exposure": Decimal(exposure) if exposure else None, "consequence": Decimal(consequence), "assessed_on": date(2026, 11, 1)})
    assert message in " ".join(caught.value.message_dict[field])
    assert RiskPoint.objects.count() == before


def test_four_colour_layers(demo, api):
    client = api("township2")
    points = client.get("/api/risk-points/layer/?bbox=104.8,30.0,105.4,30.6").json()["features"]
    names = {f["properties"]["name"] for f in points}
    assert "液氯储罐区" in names and "卸油区" not in names  # 回澜镇 sees its own township only
    red = next(f for f in points if f["properties"]["name"] == "液氯储罐区")
    assert red["properties"]["colour"] == "#d9342b"
    areas = client.get("/api/risk-points/areas/?bbox=104.8,30.0,105.4,30.6").json()["features"]
    assert {f["properties"]["name"] for f in areas} == {"液氯储罐区", "液氨储罐区"}
    assert areas[0]["geometry"]["type"] == "Polygon"


def test_risk_point_pages(demo, web):
    client = web("inspector")
    listing = client.get("/risk-points/").content.decode()
    assert "液氯储罐区" in listing and "红 2 处" in listing
    page = client.get(point("液氯储罐区").get_absolute_url()).content.decode()
    assert "D = L × E × C = 3 × 6 × 40 = <strong>720</strong>" in page and "默认标准" in page
    lpg = client.get(point("液化石油气储罐区").get_absolute_url()).content.decode()
    assert "乐至县设定的LS（风险矩阵）分级标准" in lpg  # the county wrote its LS bands down


def test_an_enterprise_account_registers_points_of_its_own_enterprise_only(demo, user, region):
    with pytest.raises(ValidationError) as caught:
        services.save_risk_point(user("enterprise"), RiskPoint(), {
            "region": region("512022102"), "name": "镇上路口", "method": "ls", "likelihood": Decimal(2),
            "consequence": Decimal(2), "assessed_on": date(2026, 11, 1)})
    assert "须选择本企业" in caught.value.message_dict["enterprise"][0]


@pytest.mark.parametrize("grade", ["一", None, [1]])
def test_a_scheme_with_a_malformed_grade_is_a_message_not_a_crash(demo, user, region, grade):
    bands = [{**b, "grade": grade if b["grade"] == 1 else b["grade"]} for b in STRICT_LEC]
    with pytest.raises(ValidationError, match="grade 应为 1 到 4 的整数"):
        services.save_risk_scheme(user("inspector"), RiskScheme(), {"region": region("512022"), "method": "lec",
                                                                      "bands": bands})


def test_regrading_reads_the_schemes_once_not_once_a_point(demo, user, region):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    county = region("512022")
    lec_points = RiskPoint.objects.filter(region__path__startswith=county.path, method="lec").count()
    assert lec_points >= 3
    with CaptureQueriesContext(connection) as queries:
        services.save_risk_scheme(user("inspector"), RiskScheme(), {"region": county, "method": "lec",
                                                                    "bands": STRICT_LEC, "notes": "县局规定"})
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and '"safety_riskscheme"' in q["sql"]
             and "FROM \"safety_riskpoint\"" not in q["sql"]]
    assert len(reads) <= 2, reads  # the unique check of the new scheme, and regrade's one read
    assert point("液氨储罐区").colour == "红"  # regraded with the county's bands all the same
