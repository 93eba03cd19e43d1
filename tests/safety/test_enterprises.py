"""Enterprises (一企一档) and their major hazard sources: the enterprise account sees and keeps only its own
enterprise, GB 18218 grading follows every inventory and population change, bad input is refused whole."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingji.core.models import AuditEntry, User
from yingji.safety import services
from yingji.safety.models import Enterprise, HazardUnit, InventoryLine, Licence

pytestmark = pytest.mark.django_db

OWN = "乐至县回澜化工有限公司"  # the demo enterprise account's company, in 回澜镇
NEIGHBOUR = "四川乐氯化工有限公司"  # also in 回澜镇


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


def enterprise(name):
    return Enterprise.objects.get(name=name)


def test_demo_gives_every_level_and_non_major_units(demo):
    levels = dict(HazardUnit.objects.filter(is_major=True).values_list("enterprise__name", "level"))
    assert levels == {NEIGHBOUR: "一级", OWN: "二级", "乐至县天池燃气有限公司": "三级", "乐至县宏达溶剂有限公司": "四级"}
    workshop = HazardUnit.objects.get(enterprise__name=OWN, name="合成车间")
    assert not workshop.is_major and workshop.s_value == Decimal("0.9") and workshop.level == ""
    assert enterprise(NEIGHBOUR).major_level == "一级"


def test_enterprise_account_sees_only_its_enterprise(demo, web, api):
    page = web("enterprise").get("/enterprises/").content.decode()
    assert OWN in page and NEIGHBOUR not in page
    assert web("enterprise").get(enterprise(NEIGHBOUR).get_absolute_url()).status_code == 404
    names = [row["name"] for row in api("enterprise").get("/api/enterprises/").json()["results"]]
    assert names == [OWN]
    units = api("enterprise").get("/api/hazard-units/").json()["results"]
    assert {u["enterprise"] for u in units} == {enterprise(OWN).pk}
    # The township user of 回澜镇 sees both; an inspector of the county sees all six.
    assert NEIGHBOUR in web("township2").get("/enterprises/").content.decode()
    assert api("inspector").get("/api/enterprises/").json()["count"] == Enterprise.objects.count()


def test_enterprise_account_declares_inventory_and_its_unit_is_regraded(demo, api):
    unit = HazardUnit.objects.get(enterprise__name=OWN, name="合成车间")
    response = api("enterprise").post("/api/inventory-lines/", {"unit": unit.pk, "chemical": "液氨",
                                                                "max_tonnes": "5"}, format="json")
    assert response.status_code == 201, response.json()
    unit.refresh_from_db()
    # S = 8/10 + 50/500 + 5/10 = 1.4 → major; R = 1.5 · (2·1.3 + 1·0.1) = 4.05 → 四级.
    assert (unit.is_major, unit.s_value, unit.r_value, unit.level) == (True, Decimal("1.4"), Decimal("4.05"), "四级")
    assert AuditEntry.objects.filter(model="safety.hazardunit", object_id=str(unit.pk)).exists()


def test_enterprise_account_cannot_touch_another_enterprise(demo, api, user):
    other = HazardUnit.objects.get(enterprise__name=NEIGHBOUR, name="液氯储存区")
    response = api("enterprise").post("/api/inventory-lines/", {"unit": other.pk, "chemical": "氯",
                                                                "max_tonnes": "1"}, format="json")
    assert response.status_code == 400 and "不在您的管辖范围内" in str(response.json())
    with pytest.raises(PermissionDenied, match="只能维护本企业"):
        services.save_line(user("enterprise"), InventoryLine(), {"unit": other, "chemical": "氯", "max_tonnes": 1})
    assert not InventoryLine.objects.filter(unit=other, max_tonnes=1).exists()


def test_population_change_regrades_every_unit(demo, user):
    company = enterprise(OWN)
    services.save_enterprise(user("inspector"), company, {"people_within_500m": 100})
    unit = HazardUnit.objects.get(enterprise=company, name="液氨储罐区")
    assert (unit.alpha, unit.r_value, unit.level) == (Decimal("2.0"), Decimal("80"), "二级")
    services.save_enterprise(user("inspector"), company, {"people_within_500m": 0})
    unit.refresh_from_db()
    assert (unit.alpha, unit.r_value, unit.level) == (Decimal("0.5"), Decimal("20"), "三级")
    assert enterprise(OWN).major_level == "三级"


def test_bad_enterprise_is_refused_whole_naming_every_field(demo, user):
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_enterprise(user("inspector"), Enterprise(), {
            "name": "测试企业", "credit_code": "91512022MA62Q7K1X0", "industry": "99", "category": "other",
            "region": enterprise(OWN).region, "principal": "张三", "principal_phone": "abc",
            "longitude": -74.0, "latitude": 40.7})
    errors = caught.value.message_dict
    assert "校验位错误" in errors["credit_code"][0] and "行业大类代码" in errors["industry"][0]
    assert "principal_phone" in errors and "longitude" in errors
    assert Enterprise.objects.count() == before


def test_a_credit_code_is_registered_once(demo, user):
    with pytest.raises(ValidationError, match="已登记（乐至县回澜化工有限公司）"):
        services.save_enterprise(user("inspector"), Enterprise(), {
            "name": "重复企业", "credit_code": enterprise(OWN).credit_code.lower(), "industry": "26",
            "category": "other", "region": enterprise(OWN).region, "principal": "张三",
            "principal_phone": "13800000000"})


@pytest.mark.parametrize("chemical, categories, tonnes, field, message", [
    ("氯汽", "", "1", "chemical", "是否是：氯"), ("苯甲酸", "W99", "1", "categories", "未知的危险性类别"),
    ("氯", "", "-1", "max_tonnes", ""), ("氯", "", "1e12", "max_tonnes", ""),
])
def test_bad_inventory_lines_are_refused(demo, user, chemical, categories, tonnes, field, message):
    unit = HazardUnit.objects.get(enterprise__name=OWN, name="合成车间")
    with pytest.raises(ValidationError) as caught:
        services.save_line(user("inspector"), InventoryLine(), {"unit": unit, "chemical": chemical,
                                                                "categories": categories, "max_tonnes": Decimal(tonnes)})
    assert field in caught.value.message_dict and message in str(caught.value.message_dict[field])
    assert unit.lines.count() == 2


def test_bureau_binds_accounts_enterprise_cannot(demo, user):
    company = enterprise(NEIGHBOUR)
    with pytest.raises(ValidationError, match="只能绑定“企业用户”角色的账号"):
        services.set_accounts(user("inspector"), company, [user("duty")])
    with pytest.raises(PermissionDenied):
        services.set_accounts(user("enterprise"), enterprise(OWN), [])


@pytest.mark.parametrize("days, state", [(-1, "expired"), (0, "expiring"), (90, "expiring"), (91, "valid")])
def test_licence_expiry_flag_at_its_boundaries(demo, days, state):
    licence = Licence(expires_on=timezone.localdate() + timedelta(days=days))
    assert licence.expiry_state() == state


def test_worksheet_api_shows_every_line_of_the_computation(demo, api):
    unit = HazardUnit.objects.get(enterprise__name=NEIGHBOUR, name="液氯储存区")
    sheet = api("inspector").get(f"/api/hazard-units/{unit.pk}/worksheet/").json()
    assert sheet["lines"] == [{"chemical": "液氯", "q_t": "75.000", "critical_t": "5.000", "q_source": "表1 第12项",
                               "ratio": "15.000000", "beta": "4.0", "beta_source": "表3", "weighted": "60.000000"}]
    assert (sheet["S"], sheet["alpha"], sheet["R"], sheet["level"]) == ("15.000000", "2.0", "120.000000", "一级")


def test_enterprise_page_shows_units_licences_and_levels(demo, web):
    page = web("inspector").get(enterprise(NEIGHBOUR).get_absolute_url()).content.decode()
    assert "一级重大危险源" in page and "R = 120.0000" in page and "即将到期" in page
    assert "表1 第12项；β 表3" in page


def test_inspector_registers_an_enterprise_through_the_form(demo, web, region):
    client = web("inspector")
    assert "企业账号" in client.get("/enterprises/add/").content.decode()
    response = client.post("/enterprises/add/", {
        "name": "乐至县新建化工有限公司", "credit_code": "91512022MA62Q7K2X", "industry": "26",
        "category": "hazchem_use", "scale": "small", "standardisation": "none", "status": "operating",
        "region": region("512022102").pk, "principal": "王五", "principal_phone": "13800000001",
        "employees": "20", "people_within_500m": "10"}, follow=True)
    assert "统一社会信用代码应为18位" in response.content.decode()  # 17 characters: refused, named
    from yingji.standards.credit_code import check_character
    code = "91512022MA62Q7K2X" + check_character("91512022MA62Q7K2X")
    response = client.post("/enterprises/add/", {
        "name": "乐至县新建化工有限公司", "credit_code": code, "industry": "26", "category": "hazchem_use",
        "scale": "small", "standardisation": "none", "status": "operating", "region": region("512022102").pk,
        "principal": "王五", "principal_phone": "138 0000 0001", "employees": "20", "people_within_500m": "10"},
        follow=True)
    created = Enterprise.objects.get(credit_code=code)
    assert created.principal_phone == "13800000001" and response.redirect_chain[-1][0] == created.get_absolute_url()


def test_enterprise_account_edits_its_own_record_without_binding_accounts(demo, web):
    page = web("enterprise").get(f"/enterprises/{enterprise(OWN).pk}/edit/")
    assert page.status_code == 200 and "企业账号" not in page.content.decode()
    assert web("enterprise").get(f"/enterprises/{enterprise(NEIGHBOUR).pk}/edit/").status_code == 404
    assert web("enterprise").get("/enterprises/add/").status_code == 403


def test_one_map_layers_of_enterprises_and_major_hazard_sources(demo, api):
    everyone = api("inspector").get("/api/enterprises/layer/?bbox=104.7,29.9,105.4,30.7").json()["features"]
    majors = api("inspector").get("/api/enterprises/layer/?bbox=104.7,29.9,105.4,30.7&has_major=1").json()["features"]
    assert len(everyone) == Enterprise.objects.count()
    assert {f["properties"]["name"]: f["properties"]["major_level"] for f in majors} == {
        NEIGHBOUR: "一级", OWN: "二级", "乐至县天池燃气有限公司": "三级", "乐至县宏达溶剂有限公司": "四级"}
    mine = api("enterprise").get("/api/enterprises/layer/?bbox=104.7,29.9,105.4,30.7").json()["features"]
    assert [f["properties"]["name"] for f in mine] == [OWN]
    assert api("inspector").get("/api/enterprises/?categories=hazchem_storage,mining").json()["count"] == 3
    assert api("inspector").get("/api/enterprises/?categories=bogus").status_code == 400


def test_enterprises_export_and_import_back_unchanged(demo, web, user):
    import io

    from openpyxl import load_workbook

    from yingji.core.imports import SHEETS, run_import

    response = web("inspector").get("/enterprises/export.xlsx")
    assert response.status_code == 200
    content = response.content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("单位名称", "统一社会信用代码") and len(rows) == Enterprise.objects.count() + 1
    before = AuditEntry.objects.filter(model="safety.enterprise", action=AuditEntry.UPDATE).count()
    result = run_import(user("inspector"), SHEETS["enterprises"], io.BytesIO(content))
    assert not result.errors and result.updated == Enterprise.objects.count() and result.created == 0
    assert AuditEntry.objects.filter(model="safety.enterprise", action=AuditEntry.UPDATE).count() == before


def test_enterprise_import_is_all_or_nothing_with_row_errors(demo, user):
    import io

    from openpyxl import Workbook

    from yingji.core.imports import SHEETS, run_import

    spec = SHEETS["enterprises"]
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in spec.columns])
    good = {c.header: c.example for c in spec.columns}
    good["统一社会信用代码"] = "91512022MA62Q7K1XE"  # the demo company: an update
    bad = {**good, "统一社会信用代码": "91512022MA62Q7K1X0", "行业（GB/T 4754 大类）": "99"}
    for row in (good, bad):
        sheet.append([row[c.header] for c in spec.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    before = AuditEntry.objects.filter(model="safety.enterprise").count()
    result = run_import(user("inspector"), spec, buffer)
    reasons = " ".join(e.reason for e in result.errors)
    assert "校验位错误" in reasons and "行业大类代码" in reasons and all(e.row == 3 for e in result.errors)
    assert "未写入任何数据" in result.summary()
    assert AuditEntry.objects.filter(model="safety.enterprise").count() == before  # nothing written


def test_dossier_workbook_holds_the_whole_file(demo, web):
    import io

    from openpyxl import load_workbook

    company = enterprise(NEIGHBOUR)
    response = web("inspector").get(f"/enterprises/{company.pk}/dossier.xlsx")
    assert response.status_code == 200 and "filename*=UTF-8''" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:4] == ["基本信息", "安全许可证", "重大危险源辨识", "风险点"]
    worksheet = [row for row in book["重大危险源辨识"].iter_rows(values_only=True) if any(row)]
    assert ("液氯", 75, 5, "表1 第12项", 15, 4, "表3", 60) in [tuple(r[:8]) for r in worksheet]
    assert any("R = 120.0000；一级" in str(r[1]) for r in worksheet if r[0] == "结论")
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT, model="safety.enterprise",
                                     object_id=str(company.pk)).exists()
    assert web("enterprise").get(f"/enterprises/{company.pk}/dossier.xlsx").status_code == 404


def test_inspector_dashboard_cards_and_licence_list(demo, web):
    home = web("inspector").get("/").content.decode()
    assert "重大危险源（处）" in home and "一级 1，二级 1，三级 1，四级 1" in home
    assert "已过期 1，90 天内到期 2" in home  # the demo's licences
    assert "未评估 1，待备案 1，应重新评估 1" in home
    expiring = web("inspector").get("/licences/?expiry=expiring").content.decode()
    assert "四川乐氯化工有限公司" in expiring and "乐至县宏达溶剂有限公司" not in expiring
    assert "乐至县宏达溶剂有限公司" in web("inspector").get("/licences/?expiry=expired").content.decode()
    assert web("inspector").get("/licences/?expiry=bogus").status_code == 400


def test_major_hazard_assessment_and_filing_states(demo, user):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    states = {u.name: u.register_state()[0] for u in HazardUnit.objects.filter(is_major=True)}
    assert states == {"液氯储存区": "ok", "液化石油气储罐区": "refile", "液氨储罐区": "reassess", "甲醇罐区": "unassessed"}
    gas = HazardUnit.objects.get(name="液化石油气储罐区")
    assert gas.register_state(today + timedelta(days=5))[1].endswith("前备案")  # due on day 15
    assert gas.register_state(today + timedelta(days=6))[1].endswith("已逾期")
    inspector = user("inspector")
    with pytest.raises(ValidationError) as caught:
        services.save_unit(inspector, gas, {"filed_on": gas.evaluated_on - timedelta(days=1)})
    assert "不能早于安全评估日期" in caught.value.message_dict["filed_on"][0]
    services.save_unit(inspector, gas, {"filed_on": today, "filing_number": "川资乐危备〔2026〕3号"})
    assert gas.register_state()[0] == "ok"
    # Three years on, or a level change since the assessment: reassess.
    assert gas.register_state(gas.evaluated_on.replace(year=gas.evaluated_on.year + 3))[0] == "reassess"
    chlorine = HazardUnit.objects.get(name="液氯储存区")
    services.save_enterprise(inspector, chlorine.enterprise, {"people_within_500m": 40})  # α 2.0 → 1.2: 二级
    chlorine.refresh_from_db()
    assert chlorine.level == "二级" and chlorine.register_state()[1] == "级别已由一级变为二级，应重新评估"


def test_the_board_is_for_supervisors_and_leaders_not_the_duty_seat(demo, web):
    assert "重大危险源（处）" in web("leader").get("/").content.decode()
    assert "重大危险源（处）" not in web("duty").get("/").content.decode()


def test_enterprise_page_links_its_supervision_and_shows_an_open_listing(demo, web):
    from yingji.safety.models import CreditListing

    listing = CreditListing.objects.filter(removed_on__isnull=True).select_related("enterprise").first()
    page = web("inspector").get(listing.enterprise.get_absolute_url()).content.decode()
    assert f"/inspections/?enterprise={listing.enterprise.pk}" in page and listing.get_list_kind_display() in page
    home = web("inspector").get("/").content.decode()
    assert "双随机待检查（家）" in home


def test_enterprise_account_keeps_its_contacts_not_the_bureaus_registration(demo, user, web):
    company, account = enterprise(OWN), user("enterprise")
    services.save_enterprise(account, company, {"safety_manager_phone": "13908321099"})
    company.refresh_from_db()
    assert company.safety_manager_phone == "13908321099"
    with pytest.raises(ValidationError) as caught:
        services.save_enterprise(account, company, {"status": "suspended", "category": "other",
                                                    "people_within_500m": 0})
    assert set(caught.value.message_dict) == {"status", "category", "people_within_500m"}
    assert "由监管部门登记" in caught.value.message_dict["status"][0]
    company.refresh_from_db()
    assert company.status == "operating" and company.people_within_500m == 60
    page = web("enterprise").get(f"/enterprises/{company.pk}/edit/").content.decode()
    assert 'name="status"' in page and "disabled" in page.split('name="status"')[1][:200]


def test_a_line_moved_to_another_unit_regrades_both(demo, user):
    inspector = user("inspector")
    tanks = HazardUnit.objects.get(enterprise__name=OWN, name="液氨储罐区")
    workshop = HazardUnit.objects.get(enterprise__name=OWN, name="合成车间")
    line = tanks.lines.get()
    services.save_line(inspector, line, {"unit": workshop})
    tanks.refresh_from_db()
    workshop.refresh_from_db()
    assert not tanks.is_major and tanks.s_value == 0 and workshop.is_major
    with pytest.raises(ValidationError, match="单元不能改到其他企业"):
        services.save_unit(inspector, workshop, {"enterprise": enterprise(NEIGHBOUR)})
