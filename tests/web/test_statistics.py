"""The home-page chart figures (yingji.web.statistics): exact counts, drills left out, region scoping,
and the page that carries them to the charts."""

import html
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.db.models import Sum
from django.test import Client

from yingji.core.demo import DEMO_PASSWORD
from yingji.core.models import User
from yingji.core.scoping import scope
from yingji.incidents.models import Incident
from yingji.resources.models import Hydrant, RescueForce, ReserveNorm, Shelter
from yingji.resources.queries import shortfall_rows
from yingji.web import statistics

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
HUILAN, TIANCHI = (105.118, 30.226), (105.031, 30.283)  # points in 回澜镇 and 天池街道 (as tests/conftest.py)


def user(name):
    return User.objects.get(username=name)


def series(monthly, code):
    return next((s["data"] for s in monthly["series"] if s["code"] == code), [0] * len(monthly["months"]))


def classes(rows):
    return {r["code"]: r["count"] for r in rows}


def test_month_starts_are_local_calendar_months():
    # 00:30 on 1 January in Shanghai is still 31 December in UTC: the month is already January.
    now = datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI)
    keys = [m.strftime("%Y-%m") for m in statistics.month_starts(now)]
    assert keys == ["2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
                    "2025-10", "2025-11", "2025-12", "2026-01"]
    assert statistics.month_starts(now)[0] == datetime(2025, 2, 1, tzinfo=SHANGHAI)


def test_demo_counts_match_the_incident_table(demo):
    duty = user("duty")
    now = datetime.now(SHANGHAI)
    start = statistics.month_starts(now)[0]
    counted = scope(Incident.objects.filter(is_drill=False, merged_into__isnull=True, reported_at__gte=start,
                                            reported_at__lte=now), duty)
    monthly = statistics.monthly_counts(duty, now)
    assert monthly["total"] == counted.count() > 0
    assert sum(r["count"] for r in statistics.class_counts(duty, now)) == counted.count()
    for top in ("11000", "12000"):
        assert sum(series(monthly, top)) == counted.filter(event_code__startswith=top[:2]).count()
    assert {s["name"] for s in monthly["series"]} >= {"自然灾害", "事故灾难"}
    assert Incident.objects.filter(is_drill=True).exists()  # the demo has a drill, and it is not counted


def test_new_incidents_are_counted_in_their_month_and_class(demo, open_incident):
    duty = user("duty")
    now = datetime(2026, 6, 15, 12, 0, tzinfo=SHANGHAI)
    before_monthly = statistics.monthly_counts(duty, now)
    before_classes = classes(statistics.class_counts(duty, now))
    # 1 April 00:10 Shanghai is 31 March in UTC; it counts in April.
    april = datetime(2026, 4, 1, 0, 10, tzinfo=SHANGHAI)
    open_incident(reported_at=april, occurred_at=april - timedelta(minutes=20))  # 12D02 危化品泄漏
    open_incident(reported_at=april + timedelta(days=3), occurred_at=april, event_code="11A01", title="回澜镇洪水")
    open_incident(reported_at=april, occurred_at=april, is_drill=True, title="回澜镇危化品泄漏演练")
    too_old = datetime(2025, 6, 30, 23, 0, tzinfo=SHANGHAI)  # before the 12-month window (July 2025 – June 2026)
    open_incident(reported_at=too_old, occurred_at=too_old, title="一年前的泄漏")

    monthly = statistics.monthly_counts(duty, now)
    assert monthly["months"][0] == "2025-07" and monthly["months"][-1] == "2026-06"
    april_index = monthly["months"].index("2026-04")
    assert series(monthly, "12000")[april_index] == series(before_monthly, "12000")[april_index] + 1
    assert series(monthly, "11000")[april_index] == series(before_monthly, "11000")[april_index] + 1
    assert series(monthly, "12000")[april_index - 1] == series(before_monthly, "12000")[april_index - 1]
    assert monthly["total"] == before_monthly["total"] + 2
    after = classes(statistics.class_counts(duty, now))
    assert after["12D00"] == before_classes.get("12D00", 0) + 1
    assert after["11A00"] == before_classes.get("11A00", 0) + 1
    names = {r["code"]: r["name"] for r in statistics.class_counts(duty, now)}
    assert names["12D00"] == "危险化学品事故" and names["11A00"] == "水旱灾害"


def test_township_user_sees_only_its_township(demo, open_incident):
    now = datetime.now(SHANGHAI)
    tianchi, huilan = user("township"), user("township2")
    own = Incident.objects.filter(region=tianchi.region, is_drill=False, merged_into__isnull=True,
                                  reported_at__gte=statistics.month_starts(now)[0])
    before = statistics.monthly_counts(tianchi, now)
    assert before["total"] == own.count()
    before_huilan = statistics.monthly_counts(huilan, now)["total"]

    open_incident(where=HUILAN, reported_at=now - timedelta(hours=1), occurred_at=now - timedelta(hours=2))
    assert statistics.monthly_counts(tianchi, now)["total"] == before["total"]
    assert statistics.monthly_counts(huilan, now)["total"] == before_huilan + 1
    open_incident(where=TIANCHI, reported_at=now - timedelta(hours=1), occurred_at=now - timedelta(hours=2),
                  title="天池街道某仓库泄漏")
    assert statistics.monthly_counts(tianchi, now)["total"] == before["total"] + 1
    assert set(classes(statistics.class_counts(tianchi, now))) <= {
        c["code"] for c in statistics.class_counts(user("duty"), now)}


def test_readiness_by_township_adds_up_to_the_county_figures(demo):
    duty = user("duty")
    rows = statistics.readiness_by_region(duty)
    assert len(rows) == 21  # the 21 township-level units of 乐至县, nothing kept at county level itself
    forces = scope(RescueForce.objects.exclude(status=RescueForce.DISABLED), duty)
    assert sum(r["forces"] for r in rows) == forces.count()
    assert sum(r["forces_on_duty"] for r in rows) == forces.filter(status=RescueForce.ON_DUTY).count()
    assert sum(r["below_norm"] for r in rows) == len(shortfall_rows(scope(ReserveNorm.objects.all(), duty))) > 0
    hydrants = scope(Hydrant.objects.all(), duty)
    assert sum(r["hydrants"] for r in rows) == hydrants.count()
    assert sum(r["hydrants_ok"] for r in rows) == hydrants.filter(status=Hydrant.OK).count()
    places = scope(Shelter.objects.exclude(status="closed"), duty).aggregate(n=Sum("capacity"))["n"]
    assert sum(r["shelter_places"] for r in rows) == places
    tianchi = next(r for r in rows if r["name"] == "天池街道")
    assert tianchi["hydrant_rate"] == round(tianchi["hydrants_ok"] / tianchi["hydrants"] * 100, 1)


def test_readiness_of_a_township_user_is_its_own_township_only(demo):
    township = user("township")
    rows = statistics.readiness_by_region(township)
    assert [r["name"] for r in rows] == ["天池街道（本级）"]
    assert rows[0]["forces"] == scope(RescueForce.objects.exclude(status=RescueForce.DISABLED), township).count()
    huilan = next(r for r in statistics.readiness_by_region(user("duty")) if r["name"] == "回澜镇")
    assert statistics.readiness_by_region(user("township2"))[0]["forces"] == huilan["forces"]


def chart_data(page: str, name: str):
    match = re.search(rf'data-chart="{name}"[^>]*data-chart-data="([^"]*)"', page)
    assert match, f"chart {name} missing"
    return json.loads(html.unescape(match.group(1)))


def test_home_page_carries_the_chart_data_and_the_local_chart_library(demo):
    client = Client()
    assert client.login(username="leader", password=DEMO_PASSWORD)
    page = client.get("/").content.decode()
    leader = user("leader")
    monthly = chart_data(page, "monthly")
    assert monthly["total"] == statistics.monthly_counts(leader)["total"] > 0
    assert chart_data(page, "classes") == statistics.class_counts(leader)
    assert len(chart_data(page, "forces")) == 21
    assert 'src="/static/web/echarts.js"' in page and 'src="/static/web/dashboard.js"' in page
    # What needs attention leads: active incidents before the resource cards, charts before the region summary.
    assert page.index("处置中突发事件") < page.index("在岗救援队伍") < page.index('data-testid="charts"') \
        < page.index('data-testid="region-summary"')
    # The chart library is a file of an installed package, served by the app (no CDN).
    path = finders.find("vendor/echarts/echarts.esm.min.js")
    assert path and "Apache License" in open(path, encoding="utf-8").read(2000)
    for script in ("vendor/echarts/echarts.esm.min.js", "web/echarts.js", "web/dashboard.js"):
        response = client.get(f"/static/{script}")
        assert response.status_code == 200 and "javascript" in response["Content-Type"]  # a module needs a JS type


def test_users_without_incident_access_get_no_incident_charts(demo):
    client = Client()
    assert client.login(username="enterprise", password=DEMO_PASSWORD)
    page = client.get("/").content.decode()
    assert 'data-chart="monthly"' not in page
    if not user("enterprise").has_perm("resources.view_rescueforce"):
        assert 'data-testid="charts"' not in page and "echarts.js" not in page
