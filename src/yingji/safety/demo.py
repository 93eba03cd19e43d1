"""Demo safety supervision for 乐至县: enterprises whose inventories give each GB 18218 level (一级 to 四级) and
non-major units, licences valid, expiring and expired, and the demo enterprise account bound to its company."""

import math
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from yingji.core.models import Region, User
from yingji.standards.tables import read_table

from . import services
from .models import Enterprise, HazardUnit, InventoryLine, Licence, RiskPoint, RiskScheme

DATA = Path(__file__).parent / "data"
ACCOUNT = ("enterprise", "乐至县回澜化工有限公司")  # the demo 企业用户 and its company


def _enterprises() -> dict[str, Enterprise]:
    found = {}
    for row in read_table(DATA / "demo_enterprises.csv"):
        data = {k: row[k] for k in ("name", "credit_code", "category", "industry", "scale", "standardisation",
                                    "principal", "principal_phone", "safety_manager", "safety_manager_phone")}
        data.update(region=Region.objects.get(code=row["region_code"]), longitude=float(row["longitude"]),
                    latitude=float(row["latitude"]), in_chemical_park=row["in_chemical_park"] == "1",
                    employees=int(row["employees"]), people_within_500m=int(row["people_within_500m"]), is_demo=True)
        enterprise = Enterprise.objects.filter(credit_code=row["credit_code"]).first() or Enterprise()
        found[row["name"]] = services.save_enterprise(None, enterprise, data)
    return found


def _inventory(enterprises):
    for row in read_table(DATA / "demo_inventory.csv"):
        enterprise = enterprises[row["enterprise"]]
        unit = HazardUnit.objects.filter(enterprise=enterprise, name=row["unit"]).first()
        if unit is None:
            unit = services.save_unit(None, HazardUnit(), {"enterprise": enterprise, "name": row["unit"],
                                                           "kind": row["kind"]})
        line = InventoryLine.objects.filter(unit=unit, chemical=row["chemical"]).first() or InventoryLine()
        services.save_line(None, line, {"unit": unit, "chemical": row["chemical"], "categories": row["categories"],
                                        "max_tonnes": Decimal(row["max_tonnes"])})


# (enterprise, unit): days since the safety assessment, days since 备案 (None: not filed) — one source in order,
# one to file, one past three years, one never assessed.
REGISTERS = {("四川乐氯化工有限公司", "液氯储存区"): (400, 390), ("乐至县天池燃气有限公司", "液化石油气储罐区"): (10, None),
             ("乐至县回澜化工有限公司", "液氨储罐区"): (1130, 1120)}


def _registers(enterprises):
    today = timezone.localdate()
    for number, ((company, name), (assessed, filed)) in enumerate(REGISTERS.items(), start=1):
        unit = HazardUnit.objects.get(enterprise=enterprises[company], name=name)
        if unit.evaluated_on is None:
            filed_on = today - timedelta(days=filed) if filed is not None else None
            services.save_unit(None, unit, {
                "evaluated_on": today - timedelta(days=assessed), "evaluated_by": "四川某安全评价有限公司",
                "filed_on": filed_on, "filing_number": f"乐应急危备〔{filed_on.year}〕{number}号" if filed_on else ""})


def _licences(enterprises):
    today = timezone.localdate()
    for row in read_table(DATA / "demo_licences.csv"):
        licence = Licence.objects.filter(kind=row["kind"], number=row["number"]).first() or Licence()
        services.save_licence(None, licence, {
            "enterprise": enterprises[row["enterprise"]], "kind": row["kind"], "number": row["number"],
            "scope": row["scope"], "issued_on": today - timedelta(days=int(row["issued_days_ago"])),
            "expires_on": today + timedelta(days=int(row["expires_in_days"]))})


def _square(lon: float, lat: float, half_m: float = 30.0) -> dict:
    """A small drawn area around a tank farm's point (the four-colour map fills it)."""
    dlat, dlon = half_m / 111_195, half_m / (111_195 * math.cos(math.radians(lat)))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _risk_scheme():
    """乐至县 writes down the LS bands it uses (the common provincial split, the same as the defaults)."""
    from yingji.standards.risk import default_bands

    county = Region.objects.get(code="512022")
    bands = [{"grade": b.grade, "bound": str(b.bound), "level": b.level, "colour": b.colour,
              "colour_code": b.colour_code, "control_level": b.control_level} for b in default_bands()["ls"]]
    scheme = RiskScheme.objects.filter(region=county, method="ls").first() or RiskScheme()
    services.save_risk_scheme(None, scheme, {"region": county, "method": "ls", "bands": bands,
                                             "notes": "演示：采用通行的 1–8 / 9–12 / 15–16 / 20–25 分档"})


def _risk_points(enterprises) -> list[RiskPoint]:
    today, points = timezone.localdate(), []
    for row in read_table(DATA / "demo_risk_points.csv"):
        enterprise = enterprises.get(row["enterprise"]) if row["enterprise"] else None
        region = enterprise.region if enterprise else Region.objects.get(code=row["region_code"])
        lon, lat = float(row["longitude"]), float(row["latitude"])
        data = {"enterprise": enterprise, "region": region, "name": row["name"], "longitude": lon, "latitude": lat,
                "area": _square(lon, lat) if "储罐区" in row["name"] else None, "hazards": row["hazards"],
                "accident_types": row["accident_types"], "method": row["method"],
                "likelihood": Decimal(row["likelihood"]), "consequence": Decimal(row["consequence"]),
                "exposure": Decimal(row["exposure"]) if row["exposure"] else None, "measures": row["measures"],
                "responsible": row["responsible"], "responsible_phone": row["responsible_phone"],
                "assessed_on": today - timedelta(days=30), "is_demo": True}
        point = RiskPoint.objects.filter(region=region, name=row["name"]).first() or RiskPoint()
        if point.pk:
            data.pop("assessed_on")  # a second demo load changes nothing
        points.append(services.save_risk_point(None, point, data))
    return points


def _hazards(enterprises):
    """Hazards at every step of the loop (data/demo_hazards.csv), taken there through the services."""
    from .models import Hazard
    from .services import hazards as loop

    today = timezone.localdate()
    for row in read_table(DATA / "demo_hazards.csv"):
        if Hazard.objects.filter(title=row["title"], is_demo=True).exists():
            continue
        enterprise = enterprises[row["enterprise"]] if row["enterprise"] else None
        found = today - timedelta(days=int(row["found_days_ago"]))
        deadline = today + timedelta(days=int(row["deadline_days"]))
        hazard = loop.save_hazard(None, Hazard(), {
            "enterprise": enterprise, "region": enterprise.region if enterprise else Region.objects.get(
                code=row["region_code"]), "title": row["title"], "description": row["description"],
            "location": row["location"], "source": row["source"], "found_on": found, "found_by": row["found_by"],
            "grade": row["grade"], "criterion": row["criterion"], "criterion_basis": row["criterion_basis"],
            "deadline": deadline, "longitude": float(row["longitude"]) if row["longitude"] else None,
            "latitude": float(row["latitude"]) if row["latitude"] else None, "is_demo": True})
        if row["supervise_level"]:
            loop.supervise(None, hazard, {"level": row["supervise_level"], "number": row["supervise_number"],
                                          "authority": "乐至县应急管理局", "deadline": today + timedelta(
                                              days=int(row["supervise_deadline_days"]))})
        if row["stage"] == "pending":
            continue
        hazard = loop.submit_plan(None, hazard, {"measures": row["measures"], "funds_wan": row["funds_wan"],
                                                 "responsible": row["responsible"],
                                                 "responsible_phone": row["responsible_phone"], "deadline": deadline})
        if row["stage"] in ("awaiting", "closed"):
            hazard = loop.report_rectified(None, hazard, "已按整改方案完成整改。",
                                           rectified_on=min(today, found + timedelta(days=7)))
        if row["stage"] == "closed":
            loop.accept(None, hazard, "现场复查，整改到位。")
    return Hazard.objects.filter(is_demo=True).count()


def load(log):
    enterprises = _enterprises()
    _inventory(enterprises)
    _registers(enterprises)
    _licences(enterprises)
    username, company = ACCOUNT
    account = User.objects.filter(username=username).first()
    if account is not None:
        services.set_accounts(None, enterprises[company], [account])
    majors = HazardUnit.objects.filter(is_major=True).count()
    log(f"企业 {len(enterprises)} 家，重大危险源 {majors} 处")
    _risk_scheme()
    points = _risk_points(enterprises)
    log(f"风险点 {len(points)} 处（红橙黄蓝：" + "、".join(
        str(sum(p.colour == c for p in points)) for c in ("红", "橙", "黄", "蓝")) + "）")
    log(f"隐患 {_hazards(enterprises)} 项（闭环各步骤、逾期与挂牌督办）")
    plan, draw = _inspections(enterprises)
    log(f"执法检查计划“{plan.title}”，双随机抽取 1 次（种子 {draw.seed}），执法检查、文书、处罚与失信名单")


# --- inspections and enforcement (执法检查) --------------------------------------------------------------------

INSPECTORS = [  # name, 执法证号, 职务, demo username; 张海峰 must stay away from 宏达溶剂 (回避)
    ("陈静", "51202201001", "执法大队副大队长", "inspector"), ("刘建国", "51202201002", "执法大队大队长", ""),
    ("王晓燕", "51202201003", "执法队员", ""), ("张海峰", "51202201004", "执法队员", ""),
    ("李明辉", "51202201005", "执法队员", ""), ("赵丽", "51202201006", "执法队员", ""),
]
QUOTAS = {"hazchem_production": {"key": 4, "general": 2}, "hazchem_storage": {"key": 6, "general": 10},
          "hazchem_use": {"key": 0, "general": 4}, "fireworks": {"key": 2, "general": 2},
          "mining": {"key": 1, "general": 1}, "industry_trade": {"key": 2, "general": 12}}
DEMO_SEED = "20260301"  # 乐至县 publishes the seed before the draw


def _inspections(enterprises):
    """乐至县's 2026 plan, its inspector pool, one completed draw, two inspections (one whose failed item became a
    hazard, with a 责令限期整改指令书 and a penalty), and a 失信 listing, all through the services."""
    from .models import CreditListing, Draw, Inspection, InspectionPlan, Inspector
    from .services import inspections as enforcement

    county, today = Region.objects.get(code="512022"), timezone.localdate()
    plan = InspectionPlan.objects.filter(region=county, year=today.year).first() or InspectionPlan()
    plan = enforcement.save_plan(None, plan, {"region": county, "year": today.year, "quotas": QUOTAS, "is_demo": True,
                                              "notes": "演示：重点检查覆盖重大危险源企业，一般检查按双随机抽取。"})
    if plan.status != InspectionPlan.PUBLISHED:
        plan = enforcement.publish_plan(None, plan)
    pool = {}
    for name, badge, title, username in INSPECTORS:
        card = Inspector.objects.filter(badge_number=badge).first() or Inspector()
        pool[name] = enforcement.save_inspector(None, card, {
            "region": county, "name": name, "badge_number": badge, "title": title, "is_demo": True,
            "user": User.objects.filter(username=username).first() if username else None,
            **({"conflicts": [enterprises["乐至县宏达溶剂有限公司"]], "conflict_note": "配偶在该企业任职"}
               if name == "张海峰" else {})})
    draw = Draw.objects.filter(plan=plan, is_demo=True).first() or enforcement.run_draw(None, {
        "plan": plan, "kind": "general", "categories": ["hazchem_production", "hazchem_storage"], "pool_region": county,
        "enterprise_count": 3, "inspectors_per_enterprise": 2, "seed": DEMO_SEED, "is_demo": True})
    row = draw.assignments.order_by("position").first()
    if not Inspection.objects.filter(assignment=row).exists():
        _inspection_with_finding(enforcement, row, today)
    other = next(e for e in enterprises.values() if e.region_id != row.enterprise.region_id
                 and e.region.code in ("512022001", "512022102"))
    if not Inspection.objects.filter(enterprise=other, kind="special").exists():
        done = enforcement.save_inspection(None, Inspection(), {
            "enterprise": other, "kind": "special", "inspectors": [pool["刘建国"], pool["赵丽"]],
            "inspected_on": today - timedelta(days=20), "is_demo": True})
        enforcement.record_results(None, done, {r["code"]: {"result": "pass"} for r in done.results},
                                   "检查项目均符合要求。", complete=True)
    blacklisted = enterprises["乐至县金顺建材有限公司"]
    if not CreditListing.objects.filter(enterprise=blacklisted).exists():
        enforcement.save_listing(None, CreditListing(), {
            "enterprise": blacklisted, "list_kind": "blacklist", "listed_on": today - timedelta(days=200),
            "reason": "发生一般生产安全事故（1人死亡），对事故发生负有责任", "is_demo": True,
            "basis": "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）第五条"})
    chlor = enterprises["四川乐氯化工有限公司"]  # entered and left again: the list keeps both dates
    if not CreditListing.objects.filter(enterprise=chlor).exists():
        enforcement.save_listing(None, CreditListing(), {
            "enterprise": chlor, "list_kind": "watch", "listed_on": today - timedelta(days=500),
            "removed_on": today - timedelta(days=100), "reason": "拒不执行责令限期整改指令", "is_demo": True,
            "removal_reason": "已整改到位并完成信用修复"})
    return plan, draw


def _inspection_with_finding(enforcement, row, today):
    from .models import EnforcementDocument, Inspection, Penalty

    inspection = enforcement.save_inspection(None, Inspection(), {
        "enterprise": row.enterprise, "assignment": row, "kind": "random", "inspectors": list(row.inspectors.all()),
        "inspected_on": today - timedelta(days=10), "is_demo": True})
    first = inspection.results[0]["code"]
    failed = next(r["code"] for r in inspection.results if "报警" in r["item"]) if any(
        "报警" in r["item"] for r in inspection.results) else first
    results = {r["code"]: {"result": "pass"} for r in inspection.results}
    results[failed] = {"result": "fail", "note": "甲类仓库2台可燃气体检测报警器故障，未及时维修"}
    inspection = enforcement.record_results(None, inspection, results, "发现问题1项，责令限期整改。", complete=True)
    enforcement.finding_to_hazard(None, inspection, failed, {"grade": "general", "deadline": today + timedelta(days=20),
                                                             "title": "甲类仓库可燃气体检测报警器故障"})
    enforcement.save_document(None, EnforcementDocument(), {
        **{k: v for k, v in enforcement.document_initial(inspection).items() if k not in ("enterprise", "inspection",
                                                                                           "inspectors")},
        "enterprise": inspection.enterprise, "inspection": inspection, "issued_on": today - timedelta(days=10),
        "deadline": today + timedelta(days=20), "is_demo": True})
    enforcement.save_penalty(None, Penalty(), {
        "enterprise": inspection.enterprise, "inspection": inspection, "number": f"（乐）应急罚〔{today.year}〕5号",
        "violation": "未对安全设备进行经常性维护、保养，可燃气体检测报警器故障未及时维修。",
        "legal_basis": "《中华人民共和国安全生产法》第九十九条第（三）项", "amount_wan": Decimal("2"),
        "decided_on": today - timedelta(days=3), "is_demo": True})
