"""GDP is kept once, in core.RegionGDP (万元): the 单位GDP figures divide by that row (entered on the region page
or through the year-stat form, which writes the same row), and a year without it says 缺少分母数据."""

from decimal import Decimal

import pytest

from tests.planning.test_indicators import accident, figure, indicator
from yingji.core import services as core_services
from yingji.core.models import Region, RegionGDP, User
from yingji.planning.models import Indicator, RegionYearStat
from yingji.planning.services import indicators as services


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


def test_per_gdp_rate_divides_by_core_regiongdp_in_yi(admin):
    rate = indicator("deaths_per_gdp", region_code="512022102")  # 回澜镇
    accident(deaths=2)
    before = figure(services.compute([rate])[0], 2022)
    assert before.numerator >= 2
    # The region page's service (core) is the one place GDP is written: the indicator follows it.
    core_services.set_region_gdp(admin, rate.region, 2022, Decimal("250000.00"))  # 25 亿元
    after = figure(services.compute([rate])[0], 2022)
    assert after.denominator == 25.0 and after.value == pytest.approx(before.numerator / 25)
    assert not hasattr(RegionYearStat, "gdp_yi") and "gdp_yi" not in {f.name for f in RegionYearStat._meta.fields}


def test_year_stat_form_writes_the_one_gdp_row(admin, web):
    county = Region.objects.get(code="512022")
    stat = RegionYearStat.objects.get(region=county, year=2023)
    page = web("admin").post(f"/region-year-stats/{stat.pk}/edit/", {
        "region": county.pk, "year": 2023, "population": stat.population, "gdp_wan": "2130000.50",
        "industrial_employees": stat.industrial_employees, "source": "更正"})
    assert page.status_code == 302, page.content.decode()[:2000]
    assert RegionGDP.objects.filter(region=county, year=2023).count() == 1
    assert RegionGDP.objects.get(region=county, year=2023).gdp_wan == Decimal("2130000.50")
    share = services.compute(Indicator.objects.filter(code="LZ14-2"))[0]  # 单位GDP生产安全事故死亡率
    assert figure(share, 2023).denominator == pytest.approx(213.000050)
    refused = web("admin").post(f"/region-year-stats/{stat.pk}/edit/", {
        "region": county.pk, "year": 2023, "gdp_wan": "-1", "source": "x"})
    assert refused.status_code == 200 and "地区生产总值（万元）应大于0" in refused.content.decode()
    assert RegionGDP.objects.get(region=county, year=2023).gdp_wan == Decimal("2130000.50")


def test_missing_gdp_shows_missing_denominator_on_the_page(admin, web):
    county = Region.objects.get(code="512022")
    target = Indicator.objects.get(code="LZ14-2")
    assert figure(services.compute([target])[0], 2023).value is not None
    entry = RegionGDP.objects.get(region=county, year=2023)
    core_services.delete_scoped(admin, entry)
    shown = figure(services.compute([target])[0], 2023)
    assert (shown.value, shown.missing, shown.denominator) == (None, "缺少分母数据", None)
    page = web("admin").get(f"/indicators/{target.pk}/").content.decode()
    assert "缺少分母数据" in page
    listing = web("admin").get("/region-year-stats/?year=2023").content.decode()
    assert "2124601" not in listing and "乐至县" in listing  # the county 2023 GDP was 2 124 601.00 万元


def test_api_reads_and_writes_the_same_gdp(admin, api):
    county = Region.objects.get(code="512022")
    stat = RegionYearStat.objects.get(region=county, year=2024)
    client = api("admin")
    body = client.get(f"/api/region-year-stats/{stat.pk}/").json()
    assert Decimal(body["gdp_wan"]) == RegionGDP.objects.get(region=county, year=2024).gdp_wan
    changed = client.patch(f"/api/region-year-stats/{stat.pk}/", {"gdp_wan": "2240000.00"}, format="json")
    assert changed.status_code == 200 and Decimal(changed.json()["gdp_wan"]) == Decimal("2240000.00")
    core = client.get("/api/region-gdp/", {"region": county.pk}).json()
    rows = core.get("results", core)
    assert [r["gdp_wan"] for r in rows if (r["region"], r["year"]) == (county.pk, 2024)] == ["2240000.00"]
    untouched = client.patch(f"/api/region-year-stats/{stat.pk}/", {"population": 358000}, format="json")
    assert untouched.status_code == 200 and untouched.json()["gdp_wan"] == "2240000.00"
