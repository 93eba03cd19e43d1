"""Demo resources for 乐至县: the seeds' fire stations, the county comprehensive team and its
professional squads, one township team (≥ 30 people) per township and some village squads."""

from pathlib import Path

from yingji.core.models import Organisation, Region
from yingji.standards.tables import read_table

from . import services
from .models import (
    AgreementReserve,
    Equipment,
    Expert,
    Hydrant,
    RescueForce,
    Shelter,
    StockMovement,
    SupplyItem,
    Vehicle,
    Warehouse,
)

DATA = Path(__file__).parent / "data"


def _rows(name):
    return read_table(DATA / name)


def _upsert_force(region, name, data):
    force = RescueForce.objects.filter(region=region, name=name).first()
    created = force is None
    force = services.save_force(None, force or RescueForce(), {"region": region, "name": name, **data, "is_demo": True})
    return force, created


def load(log):
    forces = []
    for row in _rows("demo_forces.csv"):
        region = Region.objects.get(code=row["region_code"])
        organisation = Organisation.objects.filter(name=row["organisation"]).first() if row["organisation"] else None
        data = {
            "type": row["type"], "station_class": row["station_class"], "specialty": row["specialty"],
            "organisation": organisation, "longitude": float(row["longitude"]), "latitude": float(row["latitude"]),
            "members_total": int(row["members_total"]), "members_on_duty": int(row["members_on_duty"]),
            "capabilities": row["capabilities"].split(";"), "duty_phone": row["duty_phone"], "notes": row["notes"],
        }
        force, created = _upsert_force(region, row["name"], data)
        if created and row["status"] != force.status:
            reason = "演示：" + {"resting": "轮休", "dispatched": "出警中", "disabled": "站房改扩建"}[row["status"]]
            services.change_force_status(None, force, row["status"], reason)
        forces.append(force)
    for township in Region.objects.filter(parent__code="512022", level="township"):
        government = Organisation.objects.filter(region=township, type="grassroots").first()
        forces.append(_upsert_force(township, f"{township.name}应急救援队", {
            "type": "township", "organisation": government, "longitude": township.longitude,
            "latitude": township.latitude, "members_total": 30, "members_on_duty": 10,
            "capabilities": ["11A00", "11D00", "11G00", "12G00"], "notes": "乡镇应急救援队（不少于30人）",
        })[0])
    log(f"救援队伍 {len(forces)} 支")
    load_supplies(log)
    load_shelters_and_hydrants(log)
    load_experts_and_agreements(log)
    load_vehicles_and_equipment(log)


WAREHOUSES = [
    # name, level, region code, longitude, latitude, capacity m², manager
    ("乐至县应急物资储备库", "county", "512022001", 105.041, 30.292, 2400, "县应急局物资保障股"),
    ("回澜镇应急物资储备点", "township", "512022102", 105.116, 30.223, 200, "回澜镇应急办"),
    ("石佛镇应急物资储备点", "township", "512022101", 104.933, 30.372, 150, "石佛镇应急办"),
    ("劳动镇应急物资储备点", "township", "512022110", 104.990, 30.414, 150, "劳动镇应急办"),
]
# (warehouse index, item code, batch, quantity, expiry days from today or None, norm)
STOCK = [
    (0, "1020101", "2024-01", 300, None, 500), (0, "1010105", "2024-01", 800, None, 800),
    (0, "1010201", "2023-06", 400, None, 300), (0, "1030102", "2026-03", 200, 20, 300),
    (0, "1030102", "2026-09", 150, 200, None), (0, "1030103", "2026-05", 120, 45, 100),
    (0, "2030101", "2022-11", 500, None, 600), (0, "2030103", "2022-11", 6, None, 8),
    (0, "2040101", "2023-04", 12, None, 10), (0, "3010101", "2024-05", 20000, None, 30000),
    (0, "2020102", "2023-08", 6, 60, 5), (0, "2010101", "2022-03", 30, None, 30),
    (1, "1020101", "2024-01", 40, None, 50), (1, "1010105", "2024-01", 80, None, 100),
    (1, "3010101", "2024-05", 3000, None, 2000), (1, "2030101", "2022-11", 60, None, 60),
    (2, "1020101", "2024-01", 30, None, 50), (2, "1030102", "2026-03", 40, 10, 40),
    (3, "1020101", "2024-01", 30, None, 30), (3, "2050101", "2023-10", 8, None, 10),
]


def load_supplies(log):
    from datetime import timedelta

    from django.utils import timezone

    items = {}
    for row in _rows("demo_supply_items.csv"):
        item = SupplyItem.objects.filter(code=row["code"]).first() or SupplyItem()
        items[row["code"]] = services.save_item(None, item, {
            "code": row["code"], "name": row["name"], "unit": row["unit"], "spec": row["spec"],
            "shelf_life_days": int(row["shelf_life_days"]) if row["shelf_life_days"] else None, "is_demo": True,
        })
    warehouses = []
    county_office = Organisation.objects.filter(name="乐至县应急管理局").first()
    for name, level, code, lon, lat, capacity, manager in WAREHOUSES:
        region = Region.objects.get(code=code)
        existing = Warehouse.objects.filter(region=region, name=name).first()
        warehouses.append(services.save_warehouse(None, existing or Warehouse(), {
            "name": name, "level": level, "region": region, "longitude": lon, "latitude": lat,
            "capacity_m2": capacity, "manager": manager, "organisation": county_office if level == "county" else None,
            "is_demo": True,
        }))
    today = timezone.localdate()
    for index, code, batch, quantity, expiry_days, norm in STOCK:
        warehouse, item = warehouses[index], items[code]
        if not StockMovement.objects.filter(warehouse=warehouse, item=item, batch=batch).exists():
            expiry = today + timedelta(days=expiry_days) if expiry_days is not None else None
            services.receive(None, warehouse, item, quantity, batch, expiry, "演示：期初入库")
        if norm is not None:
            services.set_norm(None, warehouse, item, norm)
    log(f"物资品目 {len(items)} 种，储备库 {len(warehouses)} 个")


# name, type, township code, lon, lat, effective area m², facilities, status
SHELTERS = [
    ("乐至县体育中心应急避难场所", "central", "512022001", 105.030, 30.279, 42000, ["water", "power", "toilets", "medical", "helipad"], "ready"),
    ("帅乡广场应急避难场所", "emergency", "512022001", 105.024, 30.284, 6500, ["water", "power", "toilets"], "ready"),
    ("南塔公园应急避难场所", "fixed_short", "512022002", 105.015, 30.259, 12000, ["water", "power", "toilets"], "ready"),
    ("乐至中学应急避难场所", "fixed_medium", "512022002", 105.010, 30.267, 18000, ["water", "power", "toilets", "medical"], "ready"),
    ("回澜镇中心小学避难场所", "fixed_short", "512022102", 105.119, 30.228, 5200, ["water", "power", "toilets"], "ready"),
    ("石佛镇文化广场避难场所", "emergency", "512022101", 104.936, 30.379, 3000, ["water", "toilets"], "ready"),
    ("劳动镇中学避难场所", "fixed_short", "512022110", 104.991, 30.417, 4500, ["water", "power", "toilets"], "maintenance"),
    ("童家镇敬老院避难点", "emergency", "512022104", 104.959, 30.221, 900, ["water"], "closed"),
]
# township code, count, of which damaged, repairing, disabled
HYDRANTS = [("512022001", 24, 1, 1, 0), ("512022002", 18, 2, 0, 1), ("512022102", 6, 1, 0, 0),
            ("512022101", 4, 0, 1, 0), ("512022118", 4, 0, 0, 0)]


def load_shelters_and_hydrants(log):
    for name, kind, code, lon, lat, area, facilities, status in SHELTERS:
        region = Region.objects.get(code=code)
        existing = Shelter.objects.filter(region=region, name=name).first()
        services.save_shelter(None, existing or Shelter(), {
            "name": name, "type": kind, "region": region, "longitude": lon, "latitude": lat,
            "effective_area_m2": area, "facilities": facilities, "status": status, "is_demo": True,
        })
    # Each township without a shelter gets one at its centre (demo placement and area).
    for index, township in enumerate(Region.objects.filter(parent__code="512022", level="township")):
        if Shelter.objects.filter(region=township).exists() and not Shelter.objects.filter(
                region=township, name=f"{township.name}应急避难场所").exists():
            continue
        existing = Shelter.objects.filter(region=township, name=f"{township.name}应急避难场所").first()
        services.save_shelter(None, existing or Shelter(), {
            "name": f"{township.name}应急避难场所", "type": "emergency", "region": township,
            "longitude": township.longitude, "latitude": township.latitude,
            "effective_area_m2": 2400 + 300 * (index % 5), "facilities": ["water", "toilets"], "status": "ready",
            "is_demo": True,
        })
    total = 0
    for code, count, damaged, repairing, disabled in HYDRANTS:
        region = Region.objects.get(code=code)
        statuses = (["damaged"] * damaged + ["repairing"] * repairing + ["disabled"] * disabled
                    + ["ok"] * (count - damaged - repairing - disabled))
        for index, status in enumerate(statuses):
            number = f"XHS-{code[-3:]}-{index + 1:03d}"
            hydrant = Hydrant.objects.filter(region=region, number=number).first()
            # Spread along a few streets around the township centre (demo placement, not surveyed).
            lon = region.longitude + ((index % 6) - 2.5) * 0.0025
            lat = region.latitude + ((index // 6) - 1.5) * 0.0022
            services.save_hydrant(None, hydrant or Hydrant(), {
                "number": number, "type": "municipal" if index % 9 else "pool", "region": region,
                "longitude": round(lon, 6), "latitude": round(lat, 6), "pressure_mpa": "0.25", "flow_lps": "15",
                "status": status, "is_demo": True,
            })
            total += 1
    log(f"避难场所 {Shelter.objects.count()} 处，消火栓与水源 {total} 个")


# name, title, employer, disciplines, specialties, phone (demo numbers), availability
EXPERTS = [
    ("张建国", "正高级工程师", "四川化工职业技术学院", "化工工艺、危险化学品", ["12D00", "12E00"], "13800000001", "available"),
    ("李红梅", "高级工程师", "资阳市水利水电勘测设计院", "水文水资源、防洪", ["11A00"], "13800000002", "available"),
    ("王志强", "教授", "西南交通大学", "岩土工程、地质灾害", ["11D00", "11C00"], "13800000003", "busy"),
    ("刘斌", "主任医师", "乐至县人民医院", "急诊医学、中毒救治", ["13C00", "13A00"], "13800000004", "available"),
    ("陈晓", "高级工程师", "国网乐至县供电公司", "电力系统", ["12P00", "12U00"], "13800000005", "available"),
    ("赵磊", "消防高级专业技术职务", "资阳市消防救援支队", "火灾扑救、建筑消防", ["12G00"], "13800000006", "unavailable"),
]
# supplier, contract no, response hours, items {code: quantity}
AGREEMENTS = [
    ("乐至县惠民超市有限公司", "LZYJ-2026-001", 4, {"1030102": 2000, "1030103": 1500}),
    ("四川蜀安应急装备有限公司", "LZYJ-2026-002", 24, {"1020101": 800, "1020102": 1000}),
    ("乐至县建材有限责任公司", "LZYJ-2026-003", 6, {"3010101": 50000, "3010102": 20000}),
]


def load_experts_and_agreements(log):
    from datetime import date

    county = Region.objects.get(code="512022")
    for name, title, employer, disciplines, specialties, phone, availability in EXPERTS:
        expert = Expert.objects.filter(region=county, name=name, phone=phone).first()
        services.save_expert(None, expert or Expert(), {
            "name": name, "region": county, "title": title, "employer": employer, "disciplines": disciplines,
            "specialties": specialties, "phone": phone, "availability": availability, "is_demo": True,
        })
    today = date.today()
    for supplier, number, hours, lines in AGREEMENTS:
        agreement = AgreementReserve.objects.filter(region=county, contract_no=number).first()
        items = {SupplyItem.objects.get(code=code): quantity for code, quantity in lines.items()}
        services.save_agreement(None, agreement or AgreementReserve(), {
            "supplier": supplier, "region": county, "contract_no": number, "response_hours": hours,
            "start_date": date(today.year, 1, 1), "end_date": date(today.year + 1, 12, 31), "is_demo": True,
        }, items=items)
    log(f"专家 {len(EXPERTS)} 名，协议储备 {len(AGREEMENTS)} 份")


# station name, plate, type, water t, foam t, height m, flow L/s, acquired (years, days ago), life years
VEHICLES = [
    ("乐至县城东消防站", "川M·23101应急", "water_tank", 8, None, None, 60, (3, 0), 15),
    ("乐至县城东消防站", "川M·23102应急", "foam", 6, 2, None, 60, (3, 0), 15),
    ("乐至县城东消防站", "川M·23103应急", "rescue", None, None, None, None, (5, 40), 15),
    ("乐至县城东消防站", "川M·23104应急", "elevated_jet", 6, 1, 32, 80, (1, 100), 15),
    ("乐至县城东消防站", "川M·23105应急", "command", None, None, None, None, (14, 300), 15),
    ("乐至县天池消防救援站", "川M·23201应急", "water_tank", 6, None, None, 40, (9, 0), 12),
    ("乐至县天池消防救援站", "川M·23202应急", "aerial_platform", 2, None, 42, 50, (12, 200), 12),
    ("乐至县石佛镇消防救援站", "川M·23301应急", "small_tank", 3, None, None, 30, (2, 0), 12),
    ("乐至县盛池镇消防救援站", "川M·23401应急", "small_tank", 3, None, None, 30, (2, 0), 12),
    ("乐至县回澜镇消防救援站", "川M·23501应急", "water_tank", 5, None, None, 40, (6, 0), 12),
    ("乐至县通旅镇消防救援站", "川M·23601应急", "small_tank", 2.5, None, None, 30, (11, 300), 12),
    ("乐至县综合应急救援大队", "川M·23701应急", "rescue", None, None, None, None, (4, 0), 15),
]
# station name, equipment, category, quantity, unit, acquired years ago, life years, inspection interval days
EQUIPMENT = [
    ("乐至县城东消防站", "正压式空气呼吸器", "防护", 30, "具", 4, 8, 180),
    ("乐至县城东消防站", "液压破拆工具组", "破拆", 3, "套", 6, 10, 365),
    ("乐至县城东消防站", "有毒气体探测仪", "侦检", 4, "台", 7, 8, 180),
    ("综合应急救援大队水域救援分队", "冲锋舟", "救生", 4, "艘", 5, 10, 365),
    ("综合应急救援大队水域救援分队", "水域救援头盔", "防护", 20, "顶", 2, 5, 365),
    ("乐至县天池消防救援站", "正压式空气呼吸器", "防护", 18, "具", 8, 8, 180),
]


def load_vehicles_and_equipment(log):
    """Vehicles and equipment with lifecycles; some inspections are deliberately overdue."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    for index, (station, plate, kind, water, foam, height, flow, (years, days), life) in enumerate(VEHICLES):
        acquired = today - timedelta(days=365 * years + days)
        vehicle = Vehicle.objects.filter(plate=plate).first()
        vehicle = services.save_vehicle(None, vehicle or Vehicle(), {
            "plate": plate, "type": kind, "station": RescueForce.objects.get(name=station),
            "water_t": water, "foam_t": foam, "working_height_m": height, "pump_flow_lps": flow,
            "acquisition_date": acquired, "cost_wan": 60 + 40 * (height is not None), "source": "purchase",
            "service_life_years": life, "inspection_interval_days": 365, "is_demo": True,
        })
        # Every third vehicle was last inspected 14 months ago: its yearly inspection is overdue.
        if not vehicle.records.exists():
            checked = today - timedelta(days=420 if index % 3 == 0 else 120)
            services.record_maintenance(None, vehicle, "inspection", max(checked, acquired), "年度安全技术检验")
    for index, (station, name, category, quantity, unit, years, life, interval) in enumerate(EQUIPMENT):
        force = RescueForce.objects.get(name=station)
        item = Equipment.objects.filter(station=force, name=name).first()
        item = services.save_equipment(None, item or Equipment(), {
            "name": name, "category": category, "station": force, "quantity": quantity, "unit": unit,
            "acquisition_date": today - timedelta(days=365 * years), "service_life_years": life,
            "inspection_interval_days": interval, "source": "purchase", "is_demo": True,
        })
        if not item.records.exists():  # the last item's check is overdue; the others are current
            last = today - timedelta(days=interval + 20 if index == len(EQUIPMENT) - 1 else 30)
            services.record_maintenance(None, item, "inspection", last, "定期检测")
    log(f"车辆 {len(VEHICLES)} 辆，装备器材 {len(EQUIPMENT)} 项")
