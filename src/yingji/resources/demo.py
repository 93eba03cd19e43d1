"""Demo resources for 乐至县: the seeds' fire stations, the county comprehensive team and its
professional squads, one township team (≥ 30 people) per township and some village squads."""

import csv
from pathlib import Path

from yingji.core.models import Organisation, Region

from . import services
from .models import RescueForce

DATA = Path(__file__).parent / "data"


def _rows(name):
    with open(DATA / name, encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


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
