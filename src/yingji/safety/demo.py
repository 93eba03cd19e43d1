"""Demo safety supervision for 乐至县: enterprises whose inventories give each GB 18218 level (一级 to 四级) and
non-major units, licences valid, expiring and expired, and the demo enterprise account bound to its company."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from yingji.core.models import Region, User
from yingji.standards.tables import read_table

from . import services
from .models import Enterprise, HazardUnit, InventoryLine, Licence

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


def _licences(enterprises):
    today = timezone.localdate()
    for row in read_table(DATA / "demo_licences.csv"):
        licence = Licence.objects.filter(kind=row["kind"], number=row["number"]).first() or Licence()
        services.save_licence(None, licence, {
            "enterprise": enterprises[row["enterprise"]], "kind": row["kind"], "number": row["number"],
            "scope": row["scope"], "issued_on": today - timedelta(days=int(row["issued_days_ago"])),
            "expires_on": today + timedelta(days=int(row["expires_in_days"]))})


def load(log):
    enterprises = _enterprises()
    _inventory(enterprises)
    _licences(enterprises)
    username, company = ACCOUNT
    account = User.objects.filter(username=username).first()
    if account is not None:
        services.set_accounts(None, enterprises[company], [account])
    majors = HazardUnit.objects.filter(is_major=True).count()
    log(f"企业 {len(enterprises)} 家，重大危险源 {majors} 处")
