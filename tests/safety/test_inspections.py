"""Inspections and enforcement (issue 13, item 5): the yearly plan, the 双随机一公开 draw (reproducible from its
published seed, conflicts of interest and the same inspector twice running excluded, an empty pool refused with
nothing written), the public page without login, inspections on a checklist whose failed item becomes a hazard,
the 责令限期整改指令书 (.docx, looked at in LibreOffice), penalties and the 失信 list refusing bad input whole."""

import json
import os
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.audit_check import audited
from yingji.core.models import Region, User
from yingji.safety.models import (
    CreditListing,
    Draw,
    DrawAssignment,
    EnforcementDocument,
    Enterprise,
    Hazard,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)
from yingji.safety.services import enforcement_docx
from yingji.safety.services import inspections as services

pytestmark = pytest.mark.django_db

HAZCHEM = ["hazchem_production", "hazchem_storage"]


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


def today():
    return timezone.localdate()


def plan():
    return InspectionPlan.objects.get(region__code="512022", year=today().year)


def draw_data(**overrides):
    data = {"plan": plan(), "kind": "general", "categories": HAZCHEM, "pool_region": Region.objects.get(code="512022"),
            "enterprise_count": 3, "inspectors_per_enterprise": 2, "seed": "123456"}
    return data | overrides


def pairs(draw):
    return [(row.enterprise.name, sorted(i.name for i in row.inspectors.all()))
            for row in draw.assignments.order_by("position")]


# --- the demo ----------------------------------------------------------------------------------------------------

def test_demo_has_a_published_plan_a_pool_a_draw_inspections_and_listings(demo):
    county_plan = plan()
    assert county_plan.status == "published" and county_plan.quota("hazchem_storage", "general") == 10
    assert county_plan.total == 46
    assert Inspector.objects.filter(region__code="512022").count() == 6
    assert Inspector.objects.get(badge_number="51202201001").user.username == "inspector"
    draw = Draw.objects.get(plan=county_plan)
    assert draw.seed == "20260301" and draw.assignments.count() == 3
    assert all(row.inspectors.count() == 2 for row in draw.assignments.all())
    assert services.verify_draw(draw)["matches"]
    inspections = Inspection.objects.filter(is_demo=True)
    assert inspections.count() == 2 and {i.status for i in inspections} == {"done"}
    assert {i.enterprise.region.name for i in inspections} == {"天池街道", "回澜镇"}
    found = inspections.get(kind="random")
    failed = [r for r in found.results if r["result"] == "fail"]
    assert len(failed) == 1 and Hazard.objects.get(pk=failed[0]["hazard"]).source == "inspection"
    document = EnforcementDocument.objects.get(inspection=found)
    assert re.fullmatch(r"（乐）应急责改〔\d{4}〕1号", document.number)
    assert document.inspectors.count() == 2 and document.deadline > document.issued_on
    assert Penalty.objects.get(inspection=found).amount_wan == Decimal("2")
    assert CreditListing.objects.get(enterprise__name="乐至县金顺建材有限公司").listed


# --- 双随机: reproducible, conflicts excluded, nothing half-written ---------------------------------------------------

def test_same_seed_same_result_and_a_different_seed_a_different_one(demo):
    enterprises = [(i, f"9151202200000{i:04d}", f"企业{i}") for i in range(1, 31)]
    inspectors = [(100 + i, f"5120220200{i}", f"人员{i}") for i in range(1, 9)]
    one = services.draw_pairs(enterprises, inspectors, set(), "42", 5, 2)
    assert one == services.draw_pairs(list(reversed(enterprises)), list(reversed(inspectors)), set(), "42", 5, 2)
    other = services.draw_pairs(enterprises, inspectors, set(), "43", 5, 2)
    assert other != one
    assert len({e for e, _ in one}) == 5 and all(len(set(i)) == 2 for _, i in one)
    # Documented: enterprises in the order of SHA-256("seed:credit code").
    expected = sorted(enterprises, key=lambda e: services.rank("42", e[1]))[:5]
    assert [e for e, _ in one] == [e[0] for e in expected]


def test_a_draw_is_written_whole_and_verifies_from_its_seed(user):
    inspector = user("inspector")
    with audited() as trail:
        draw = services.run_draw(inspector, draw_data())
    assert draw.drawn_by == inspector and draw.seed == "123456" and len(draw.enterprise_pool) == 5
    assert trail.counts()[("safety.draw", "create")] == 1
    assert trail.counts()[("safety.drawassignment", "create")] == 3
    check = services.verify_draw(draw)
    assert check["matches"] and check["pools_unchanged"]
    # Tampering with the published result is found by the check.
    row = draw.assignments.order_by("position").first()
    outsider = Inspector.objects.exclude(pk__in=row.inspectors.all()).exclude(
        pk__in=[e[1] for e in draw.exclusions if e[0] == row.enterprise_id]).first()
    row.inspectors.set([outsider, *list(row.inspectors.all())[:1]])
    assert not services.verify_draw(draw)["matches"]


def test_same_parameters_and_pools_give_the_same_draw(user):
    inspector = user("inspector")
    first = services.run_draw(inspector, draw_data(seed="777"))
    # The second draw excludes the first's pairs (twice running): compare with the pure draw on the first's pools.
    again = services.draw_pairs([tuple(e) for e in first.enterprise_pool], [tuple(i) for i in first.inspector_pool],
                                {(e, i) for e, i, _ in first.exclusions}, "777", 3, 2)
    assert [(e, sorted(i)) for e, i in again] == services.stored_pairs(first)


def test_conflicts_of_interest_are_never_drawn(user):
    zhang = Inspector.objects.get(name="张海峰")  # tied to 宏达溶剂 (demo)
    solvent = Enterprise.objects.get(name="乐至县宏达溶剂有限公司")
    for seed in range(40):
        draw = services.run_draw(user("inspector"), draw_data(seed=str(seed), enterprise_count=5))
        row = draw.assignments.get(enterprise=solvent)
        assert zhang not in row.inspectors.all()
        assert [solvent.pk, zhang.pk, "回避：配偶在该企业任职"] in draw.exclusions


def test_the_same_inspector_never_inspects_the_same_enterprise_twice_running(user):
    inspector = user("inspector")
    previous = services.run_draw(inspector, draw_data(seed="1", enterprise_count=5))
    for seed in range(2, 12):
        current = services.run_draw(inspector, draw_data(seed=str(seed), enterprise_count=5))
        before = {(row.enterprise_id, i.pk) for row in previous.assignments.all() for i in row.inspectors.all()}
        now = {(row.enterprise_id, i.pk) for row in current.assignments.all() for i in row.inspectors.all()}
        assert not before & now, f"seed {seed}: {before & now}"
        previous = current


def test_an_empty_pool_or_too_few_inspectors_is_refused_and_nothing_is_written(user):
    inspector = user("inspector")
    draws, rows = Draw.objects.count(), DrawAssignment.objects.count()
    with pytest.raises(ValidationError) as empty:
        services.run_draw(inspector, draw_data(categories=["fireworks"]))
    assert "抽取范围内没有在营企业" in empty.value.message_dict["pool_region"][0]
    with pytest.raises(ValidationError) as few:
        services.run_draw(inspector, draw_data(inspectors_per_enterprise=7))
    assert "只有 6 名在岗执法人员" in few.value.message_dict["inspectors_per_enterprise"][0]
    with pytest.raises(ValidationError) as one:
        services.run_draw(inspector, draw_data(inspectors_per_enterprise=1))
    assert "执法人员不得少于两人" in one.value.message_dict["inspectors_per_enterprise"][0]
    with pytest.raises(ValidationError) as many:
        services.run_draw(inspector, draw_data(enterprise_count=9, seed="x1"))
    assert set(many.value.message_dict) == {"enterprise_count", "seed"}  # every problem at once
    assert (Draw.objects.count(), DrawAssignment.objects.count()) == (draws, rows)


def test_a_draw_needs_a_published_plan_of_the_actors_region(user):
    draft = services.save_plan(None, InspectionPlan(), {"region": Region.objects.get(code="512022"),
                                                       "year": today().year - 1, "quotas": {"mining": {"key": 1}}})
    with pytest.raises(ValidationError) as refused:
        services.run_draw(user("inspector"), draw_data(plan=draft))
    assert refused.value.message_dict["plan"] == ["检查计划尚未发布，不能抽取。"]
    from django.contrib.auth.models import Permission

    township = user("township")
    township.user_permissions.add(Permission.objects.get(codename="add_draw"))
    with pytest.raises(ValidationError) as outside:
        services.run_draw(User.objects.get(pk=township.pk), draw_data())
    assert "不在您的管辖范围内" in str(outside.value)


def test_redraw_cli_checks_a_draw(demo):
    from yingji.safety.cli import redraw

    draw = Draw.objects.get(seed="20260301")
    answer = CliRunner().invoke(redraw, ["--draw", str(draw.pk), "--json"])
    assert answer.exit_code == 0, answer.output
    body = json.loads(answer.output)
    assert body["matches"] is True and body["seed"] == "20260301" and len(body["expected"]) == 3
    DrawAssignment.objects.filter(draw=draw, position=1).delete()
    answer = CliRunner().invoke(redraw, ["--draw", str(draw.pk)])
    assert answer.exit_code == 1 and "复核不一致" in answer.output


# --- the public page and the API ---------------------------------------------------------------------------------

def test_public_page_shows_draws_and_seeds_without_login(demo, client):
    draw = Draw.objects.get(seed="20260301")
    answer = client.get("/draws/public/")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "20260301" in page and draw.title in page
    for row in draw.assignments.all():
        assert row.enterprise.name in page
        assert all(i.name in page and i.badge_number in page for i in row.inspectors.all())
    assert "配偶在该企业任职" not in page  # the reasons for 回避 are not published
    assert client.get(f"/draws/{draw.pk}/").status_code == 302  # the bureau's page needs a login
    checked = client.get(f"/draws/public/?verify={draw.pk}").content.decode()
    assert "复核一致" in checked and "复核不一致" not in checked
    DrawAssignment.objects.filter(draw=draw, position=2).delete()  # a published result tampered with
    assert "复核不一致" in client.get(f"/draws/public/?verify={draw.pk}").content.decode()
    assert client.get("/draws/public/?verify=abc").status_code == 200


def test_each_category_has_its_checklist(demo):
    assert services.checklist_for("hazchem_use").code == "hazchem"
    assert services.checklist_for("industry_trade").code == "industry_trade"
    assert services.checklist_for("mining").code == "general"
    for checklist in services.checklists().values():
        codes = [item["code"] for item in checklist.items]
        assert len(codes) == len(set(codes)) >= 7 and all(item["basis"] for item in checklist.items)


def test_api_runs_a_draw_and_verifies_it(demo, api):
    client = api("inspector")
    answer = client.post("/api/draws/", {"plan": plan().pk, "categories": HAZCHEM, "enterprise_count": 2,
                                            "inspectors_per_enterprise": 2, "seed": "99"}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["seed"] == "99" and len(body["assignments"]) == 2
    check = client.get(f"/api/draws/{body['id']}/verify/").json()
    assert check["matches"] is True
    bad = client.post("/api/draws/", {"plan": plan().pk, "categories": ["fireworks"], "enterprise_count": 2},
                      format="json")
    assert bad.status_code == 400 and "pool_region" in bad.json()["error"]["fields"]


# --- inspections, findings, documents ----------------------------------------------------------------------------

def new_inspection(actor, name="乐至县天池燃气有限公司"):
    crew = list(Inspector.objects.filter(name__in=["王晓燕", "李明辉"]))
    return services.save_inspection(actor, Inspection(), {
        "enterprise": Enterprise.objects.get(name=name), "kind": "special", "inspectors": crew,
        "inspected_on": today()})


def test_an_inspection_takes_the_checklist_of_its_category_and_a_failed_item_becomes_a_hazard(user):
    inspector = user("inspector")
    inspection = new_inspection(inspector)
    assert inspection.checklist == "hazchem" and len(inspection.results) == 12
    assert {r["result"] for r in inspection.results} == {""}
    with pytest.raises(ValidationError) as incomplete:
        services.record_results(inspector, inspection, {"HC01": {"result": "fail"}, "HC02": {"result": "maybe"}},
                                complete=True)
    assert set(incomplete.value.message_dict) == {"note_HC01", "result_HC02"}
    results = {r["code"]: {"result": "pass"} for r in inspection.results}
    results["HC09"] = {"result": "fail", "note": "动火作业票未经审批"}
    inspection = services.record_results(inspector, inspection, results, "发现问题1项。", complete=True)
    assert inspection.status == "done" and inspection.failed == 1
    with pytest.raises(ValidationError):
        services.finding_to_hazard(inspector, inspection, "HC01", {})  # a passed item is no hazard
    hazard = services.finding_to_hazard(inspector, inspection, "HC09", {"deadline": today() + timedelta(days=7)})
    assert (hazard.source, hazard.enterprise.name, hazard.found_on) == ("inspection", "乐至县天池燃气有限公司", today())
    assert "王晓燕" in hazard.found_by and "HC09" in hazard.description and hazard.status == "pending"
    inspection.refresh_from_db()
    assert next(r for r in inspection.results if r["code"] == "HC09")["hazard"] == hazard.pk
    with pytest.raises(ValidationError, match="已转为隐患"):
        services.finding_to_hazard(inspector, inspection, "HC09", {})


def test_an_inspection_needs_two_inspectors_without_conflicts(user):
    inspector = user("inspector")
    solvent = Enterprise.objects.get(name="乐至县宏达溶剂有限公司")
    with pytest.raises(ValidationError) as alone:
        services.save_inspection(inspector, Inspection(), {"enterprise": solvent, "inspected_on": today(),
                                                           "inspectors": [Inspector.objects.get(name="陈静")]})
    assert "两名以上" in alone.value.message_dict["inspectors"][0]
    with pytest.raises(ValidationError) as tied:
        services.save_inspection(inspector, Inspection(), {
            "enterprise": solvent, "inspected_on": today() + timedelta(days=1),
            "inspectors": list(Inspector.objects.filter(name__in=["陈静", "张海峰"]))})
    assert "张海峰与该企业有利害关系" in tied.value.message_dict["inspectors"][0]
    assert "inspected_on" in tied.value.message_dict
    assert "双随机抽查请选择对应的抽取结果" in tied.value.message_dict["assignment"][0]  # kind random by default


def test_documents_are_numbered_per_year_and_refuse_bad_input(user):
    inspector = user("inspector")
    inspection = Inspection.objects.get(kind="random", is_demo=True)
    document = services.save_document(inspector, EnforcementDocument(), {
        "enterprise": inspection.enterprise, "inspection": inspection, "kind": "rectify", "issued_on": today(),
        "deadline": today() + timedelta(days=15), "findings": "问题一\n问题二", "legal_basis": "《安全生产法》第六十五条"})
    assert document.number == f"（乐）应急责改〔{today().year}〕2号" and document.authority == "乐至县应急管理局"
    assert document.inspectors.count() == 2
    count = EnforcementDocument.objects.count()
    with pytest.raises(ValidationError) as bad:
        services.save_document(inspector, EnforcementDocument(), {
            "enterprise": inspection.enterprise, "kind": "rectify", "issued_on": today(),
            "deadline": today() - timedelta(days=1), "findings": " ", "legal_basis": "",
            "inspectors": [Inspector.objects.get(name="陈静")]})
    assert set(bad.value.message_dict) == {"deadline", "findings", "legal_basis", "inspectors"}
    assert EnforcementDocument.objects.count() == count


def test_the_enterprise_sees_its_own_inspections_only(user, api, web):
    own = Enterprise.objects.get(name="乐至县回澜化工有限公司")
    neighbour = new_inspection(user("inspector"), "四川乐氯化工有限公司")  # same township, another enterprise
    listed = api("enterprise").get("/api/inspections/").json()
    items = listed.get("results", listed)
    assert {item["enterprise"] for item in items} == {own.pk}
    assert neighbour.pk not in {item["id"] for item in items}
    assert web("enterprise").get(f"/inspections/{neighbour.pk}/").status_code == 404
    assert web("township2").get(f"/inspections/{neighbour.pk}/").status_code == 200  # the township sees both
    assert api("enterprise").post("/api/inspections/", {}, format="json").status_code == 403


# --- penalties and the 失信 list -----------------------------------------------------------------------------------

def penalty_data(**overrides):
    data = {"enterprise": Enterprise.objects.get(name="乐至县天池燃气有限公司"), "number": "（乐）应急罚〔2026〕9号",
            "violation": "未按规定进行安全生产教育和培训", "legal_basis": "《中华人民共和国安全生产法》第九十七条第（三）项",
            "amount_wan": Decimal("3.5"), "decided_on": today()}
    return data | overrides


def test_penalty_validations_name_each_field(user):
    inspector = user("inspector")
    penalty = services.save_penalty(inspector, Penalty(), penalty_data())
    assert penalty.amount_wan == Decimal("3.5")
    count = Penalty.objects.count()
    for change, field, text in [
        ({"amount_wan": Decimal("-1")}, "amount_wan", "应大于 0"),
        ({"amount_wan": Decimal("35000")}, "amount_wan", "请核对单位（万元）"),
        ({"amount_wan": Decimal("1.23456")}, "amount_wan", "最多保留 4 位小数"),
        ({"legal_basis": "安全生产法"}, "legal_basis", "须写明法律法规名称及条款"),
        ({"decided_on": today() + timedelta(days=1)}, "decided_on", "不能晚于今天"),
        ({"number": "（乐）应急罚〔2026〕9号"}, "number", "已使用"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.save_penalty(inspector, Penalty(), penalty_data(**change))
        assert text in refused.value.message_dict[field][0], (change, refused.value.message_dict)
    assert Penalty.objects.count() == count


def test_credit_listing_entry_and_exit(user):
    inspector = user("inspector")
    gas = Enterprise.objects.get(name="乐至县天池燃气有限公司")
    listed_on = today() - timedelta(days=400)
    listing = services.save_listing(inspector, CreditListing(), {
        "enterprise": gas, "list_kind": "blacklist", "reason": "拒不执行执法决定", "listed_on": listed_on})
    with pytest.raises(ValidationError) as twice:
        services.save_listing(inspector, CreditListing(), {"enterprise": gas, "list_kind": "blacklist",
                                                           "reason": "再次", "listed_on": today()})
    assert "已在严重失信主体名单" in twice.value.message_dict["enterprise"][0]
    with pytest.raises(ValidationError) as early:
        services.save_listing(inspector, listing, {"removed_on": listed_on + timedelta(days=100)})
    assert set(early.value.message_dict) == {"removed_on", "removal_reason"}
    with pytest.raises(ValidationError) as before:
        services.save_listing(inspector, CreditListing.objects.get(pk=listing.pk),
                              {"removed_on": listed_on - timedelta(days=1), "removal_reason": "信用修复"})
    assert before.value.message_dict["removed_on"] == ["移出日期不能早于列入日期。"]
    listing = services.save_listing(inspector, CreditListing.objects.get(pk=listing.pk),
                                    {"removed_on": today(), "removal_reason": "完成信用修复"})
    assert not listing.listed


def test_pages_answer_for_the_inspector(user, web):
    client = web("inspector")
    for url in ("/inspection-plans/", f"/inspection-plans/{plan().pk}/", "/inspectors/", "/draws/", "/draws/add/",
                "/inspections/", "/enforcement-documents/", "/penalties/", "/credit-listings/",
                "/inspection-plans/add/", "/inspections/add/", "/enforcement-documents/add/", "/penalties/add/",
                "/credit-listings/add/", "/inspectors/add/"):
        assert client.get(url).status_code == 200, url
    inspection = Inspection.objects.get(kind="random", is_demo=True)
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "甲类仓库2台可燃气体检测报警器故障" in page and "隐患 #" in page
    assert "待检查" in client.get("/inspections/").content.decode()  # two drawn enterprises not yet inspected


# --- the 责令限期整改指令书 in LibreOffice -----------------------------------------------------------------------------

ARTIFACTS = Path(os.environ.get("YINGJI_TEST_ARTIFACTS", "test-artifacts"))
FONTS = Path(__file__).parent.parent / "incidents" / "fonts.conf"


def test_rectification_order_opens_in_libreoffice(demo, tmp_path):
    from .test_hazards import _tool

    document = EnforcementDocument.objects.get(inspection__kind="random", is_demo=True)
    docx = tmp_path / "order.docx"
    docx.write_bytes(enforcement_docx.render(document))
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS), "HOME": str(tmp_path)}
    subprocess.run([_tool("libreoffice"), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180, env=env)
    pdf = tmp_path / "order.pdf"
    flat = re.sub(r"\s+", "", subprocess.run([_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True,
                                             text=True).stdout)
    names = [part for i in document.inspectors.all() for part in (i.name, i.badge_number)]
    for expected in ("乐至县应急管理局", "责令限期整改指令书", document.number, f"{document.enterprise.name}：",
                     "经查，你单位存在下列问题：", "可燃气体检测报警器", f"{document.deadline.year}年", *names,
                     "乐至县人民政府", "本文书一式两份"):
        assert expected in flat, expected
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("rectification-order-*.png"):
        old.unlink()
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "60", str(pdf), str(ARTIFACTS / "rectification-order")],
                   check=True)
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) == 1


def test_forms_save_through_the_services(user, web):
    client = web("inspector")
    county = Region.objects.get(code="512022")
    answer = client.post("/inspection-plans/add/", {"region": county.pk, "year": today().year - 1,
                                                    "general_hazchem_storage": "5", "key_industry_trade": "2"})
    assert answer.status_code == 302, answer.content.decode()[:500]
    made = InspectionPlan.objects.get(region=county, year=today().year - 1)
    assert made.quotas == {"hazchem_storage": {"key": 0, "general": 5}, "industry_trade": {"key": 2, "general": 0}}
    assert made.title == f"乐至县{today().year - 1}年度安全生产监督检查计划" and made.status == "draft"
    client.post(f"/inspection-plans/{made.pk}/publish/")
    assert InspectionPlan.objects.get(pk=made.pk).status == "published"
    gas = Enterprise.objects.get(name="乐至县天池燃气有限公司")
    bad = client.post("/penalties/add/", {"enterprise": gas.pk, "number": "（乐）应急罚〔2026〕11号", "violation": "未培训",
                                          "legal_basis": "《安全生产法》第九十七条", "amount_wan": "-2",
                                          "decided_on": str(today())})
    assert bad.status_code == 200 and "罚款（万元）应大于 0。" in bad.content.decode()
    good = client.post("/penalties/add/", {"enterprise": gas.pk, "number": "（乐）应急罚〔2026〕11号", "violation": "未培训",
                                           "legal_basis": "《安全生产法》第九十七条", "amount_wan": "1.5",
                                           "decided_on": str(today())})
    assert good.status_code == 302 and good.url == "/penalties/"
    draw = client.post("/draws/add/", {"plan": plan().pk, "kind": "general", "categories": ["fireworks"],
                                       "enterprise_count": "1", "inspectors_per_enterprise": "2"})
    assert draw.status_code == 200 and "抽取范围内没有在营企业" in draw.content.decode()


@pytest.mark.parametrize("quotas", [[1], {"mining": 5}, "x"])
def test_malformed_quotas_are_a_message_under_quotas(demo, quotas):
    from yingji.core.models import Region, User
    from yingji.safety.models import InspectionPlan
    from yingji.safety.services import inspections as enforcement

    with pytest.raises(ValidationError) as caught:
        enforcement.save_plan(User.objects.get(username="inspector"), InspectionPlan(), {
            "region": Region.objects.get(code="512022"), "year": timezone.localdate().year + 1, "quotas": quotas})
    assert "quotas" in caught.value.message_dict


def test_a_draw_reads_its_drawn_enterprises_in_one_query_not_one_a_row(user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        draw = services.run_draw(user("inspector"), draw_data(enterprise_count=3))
    assert draw.assignments.count() == 3
    # Whole enterprise rows fetched by id one at a time (model validation's FK existence check, SELECT 1, aside).
    one_by_one = [q["sql"] for q in queries if q["sql"].startswith('SELECT "safety_enterprise"."id"')
                  and 'WHERE "safety_enterprise"."id" = ' in q["sql"]]
    assert one_by_one == [], "\n".join(one_by_one)
