"""Plan indicators against the records: what counts as a production-safety death, roll-up to the county, missing
denominators, manual values, the seed's table in the demo, the API, the pages, the Excel import and the CLI."""

import io
import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from yingji.core.imports import run_import
from yingji.core.models import Region, RegionGDP, User
from yingji.incidents.services import incidents
from yingji.planning.demo_data import indicators as demo_indicators
from yingji.planning.models import Indicator, IndicatorManualValue, RegionYearStat
from yingji.planning.services import indicators as services

TZ = ZoneInfo("Asia/Shanghai")
HUILAN, TIANCHI = (105.118, 30.226), (105.031, 30.283)
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


def accident(where=HUILAN, when=datetime(2022, 6, 1, 10, tzinfo=TZ), code="12D02", **extra):
    duty = User.objects.get(username="duty")
    data = {"title": f"测试事故{code}", "source": "duty_phone", "reporter_name": "张三", "reporter_phone": "13800000000",
            "occurred_at": when, "reported_at": when, "longitude": where[0], "latitude": where[1], "event_code": code,
            "description": "测试", **extra}
    return incidents.create_incident(duty, data)


def indicator(formula, region_code="512022", **extra):
    data = {"region": Region.objects.get(code=region_code), "plan": "测试规划", "code": f"T-{formula}",
            "name": formula, "formula": formula, "period_start": 2021, "baseline_year": 2020,
            "target_kind": "decrease_pct", "target_value": Decimal("15"), "target_year": 2025, "attribute": "约束性",
            **extra}
    return services.save_indicator(None, Indicator(), data)


def figure(result, year, region=None):
    figures = result.figures_of(region) if region is not None else result.figures
    return next(f for f in figures if f.year == year)


def numerators(indicators, year, region=None):
    return [figure(r, year, region).numerator for r in services.compute(indicators, townships=True)]


def test_production_deaths_count_non_drill_production_incidents_with_missing(demo, user):
    county, industrial = indicator("production_deaths"), indicator("industrial_deaths_per_100k")
    huilan = Region.objects.get(code="512022102")
    before_county, before_industrial = numerators([county, industrial], 2022)
    before_huilan = numerators([county, industrial], 2022, huilan)
    counted = accident(deaths=2, missing=1)  # 危化品泄漏: 生产经营活动 by default
    accident(code="12H02", deaths=1, where=TIANCHI)  # 道路交通: 493号令 applies, not 工矿商贸
    accident(deaths=5, is_drill=True)  # a drill
    accident(code="12G03", deaths=4)  # 居民住宅火灾: not in 生产经营活动
    accident(deaths=7, production_activity="unknown")  # 待核实: not counted until verified
    duplicate = accident(deaths=2, missing=1)
    incidents.merge_incidents(user("commander"), duplicate, counted, "重复接报")
    after_county, after_industrial = numerators([county, industrial], 2022)
    assert (after_county - before_county, after_industrial - before_industrial) == (4, 3)
    after_huilan = numerators([county, industrial], 2022, huilan)
    assert [a - b for a, b in zip(after_huilan, before_huilan, strict=True)] == [3, 3]
    result = services.compute([industrial], townships=True)[0]
    employees = RegionYearStat.objects.get(region=huilan, year=2022).industrial_employees
    assert figure(result, 2022, huilan).value == pytest.approx(after_huilan[1] * 100_000 / employees)


def test_year_is_the_local_year_of_occurrence(demo):
    deaths = indicator("production_deaths")
    before = [figure(services.compute([deaths])[0], y).value for y in (2022, 2023)]
    accident(when=datetime(2022, 12, 31, 17, 30, tzinfo=ZoneInfo("UTC")), deaths=1)  # 2023-01-01 01:30 in 北京时间
    after = [figure(services.compute([deaths])[0], y).value for y in (2022, 2023)]
    assert (after[0] - before[0], after[1] - before[1]) == (0, 1)


def test_missing_denominator_is_said_never_guessed(demo, user):
    rate = indicator("deaths_per_gdp", region_code="512022102")
    stat = RegionYearStat.objects.get(region=rate.region, year=2022)
    gdp_wan = RegionGDP.objects.get(region=rate.region, year=2022).gdp_wan
    services.save_year_stat(user("admin"), stat, {"gdp_wan": None})
    assert not RegionGDP.objects.filter(region=rate.region, year=2022).exists()  # "not published" has no row
    shown = figure(services.compute([rate])[0], 2022)
    assert (shown.value, shown.missing) == (None, services.MISSING_DENOMINATOR) and shown.numerator is not None
    services.save_year_stat(user("admin"), stat, {"gdp_wan": gdp_wan})
    shown = figure(services.compute([rate])[0], 2022)
    assert shown.value == pytest.approx(shown.numerator / (float(gdp_wan) / 10_000))


def test_demo_accidents_give_visible_figures(demo):
    deaths = services.compute(Indicator.objects.filter(code="LZ14-1"))[0]
    assert [figure(deaths, y).value for y in range(2020, 2026)] == [7, 4, 3, 3, 2, 2]
    assert deaths.baseline == 7 and deaths.baseline_computed and deaths.goal == pytest.approx(5.95) and deaths.met


def test_demo_county_2025_industrial_employees_missing(demo):
    result = services.compute(Indicator.objects.filter(code="LZ14-3"))[0]
    assert figure(result, 2025).missing == "缺少分母数据" and figure(result, 2024).value is not None


def test_annual_average_needs_every_year_of_the_period(demo, user):
    share = indicator("affected_per_100k", target_kind="lt", target_value=Decimal("15000"), annual_average=True,
                      baseline_year=None)
    RegionYearStat.objects.filter(region=share.region, year=2022).update(population=None)  # test set-up only
    result = services.compute([share])[0]
    if not services.loss_model():
        assert figure(result, 2021).missing == services.NO_LOSS_RECORDS
        return
    assert figure(result, 2021).value is not None
    assert figure(result, 2022).missing == figure(result, 2024).missing == services.MISSING_DENOMINATOR


def test_manual_value_needs_its_source_and_is_shown_as_manual(demo, user):
    target = indicator("manual", target_kind="ge", target_value=Decimal("100"), baseline_year=None)
    with pytest.raises(ValidationError) as caught:
        services.save_manual_value(user("admin"), IndicatorManualValue(),
                                   {"indicator": target, "year": 2023, "value": Decimal("98.5"), "source_note": " "})
    assert "必须注明来源" in caught.value.message_dict["source_note"][0]
    assert not IndicatorManualValue.objects.filter(indicator=target).exists()
    services.save_manual_value(user("admin"), IndicatorManualValue(), {
        "indicator": target, "year": 2023, "value": Decimal("98.5"), "source_note": "县统计公报2023"})
    result = services.compute([target])[0]
    assert figure(result, 2023).manual and figure(result, 2023).value == 98.5
    assert figure(result, 2022).missing == "未填报" and result.met is False


def test_bad_indicator_names_the_field(demo, user):
    with pytest.raises(ValidationError) as caught:
        indicator("production_deaths", target_value=Decimal("150"))
    assert "下降幅度不能超过100%" in caught.value.message_dict["target_value"][0]
    with pytest.raises(ValidationError) as caught:
        indicator("production_deaths", baseline_year=None)
    assert "基期年份" in caught.value.message_dict["baseline_year"][0]


def test_demo_transcribes_the_seed_table_exactly(demo):
    rows = [(i.number, i.name, i.target_label, i.attribute, i.baseline_value, i.responsible_units)
            for i in Indicator.objects.filter(plan=demo_indicators.PLAN).order_by("number")]
    assert rows == [
        (1, "生产安全事故死亡人数", "下降15%", "约束性", None, ""),
        (2, "单位全县生产总值生产安全事故死亡率", "下降33%", "约束性", None, ""),
        (3, "工矿商贸就业人员十万人生产安全事故死亡率", "下降10%", "约束性", None, ""),
        (4, "年均因自然灾害直接经济损失占全县生产总值比例", "<1%", "预期性", None, ""),
        (5, "年均每百万人口因自然灾害死亡率", "<1", "预期性", None, ""),
        (6, "年均每十万人受灾人次", "<15000", "预期性", None, ""),
    ]


def test_seed_file_table_matches_the_data_file():
    seed = next(iter(sorted(SEEDS.glob("002_*.txt"))), None)
    if seed is None:
        pytest.skip("shared/seeds is not next to this checkout")
    text = seed.read_text(encoding="utf-8")
    table = text[text.index("指标属性", text.index("乐至县十四五应急体系规划主要指标")):text.index("——分项目标")]
    cells = [line.strip() for line in table.splitlines()[1:] if line.strip()]
    printed = [tuple(cells[i:i + 4]) for i in range(0, len(cells), 4)]
    assert printed == [(r["number"], r["printed_name"], r["printed_target"], r["printed_attribute"])
                       for r in demo_indicators.seed_rows()]


def test_demo_denominators_are_marked_and_the_county_is_the_sum(demo):
    county = Region.objects.get(code="512022")
    for year in range(2020, 2026):
        own = RegionYearStat.objects.get(region=county, year=year)
        towns = RegionYearStat.objects.filter(region__parent=county, year=year)
        assert towns.count() == 21 and own.is_demo and "演示" in own.source
        assert own.population == sum(t.population for t in towns)
        gdp = dict(RegionGDP.objects.filter(year=year, region__path__startswith=county.path)
                   .values_list("region_id", "gdp_wan"))
        assert len(gdp) == 22 and gdp[county.pk] == sum(gdp[t.region_id] for t in towns)


def test_api_actuals_and_bad_input(demo, api):
    accident(deaths=1)
    target = Indicator.objects.get(code="LZ14-1")
    body = api("admin").get(f"/api/indicators/{target.pk}/actuals/").json()
    assert (body["target"]["label"], body["attribute"]) == ("下降15%", "约束性")
    year = next(a for a in body["actuals"] if a["year"] == 2022)
    assert year["value"] == 3 + 1 and f"/indicators/{target.pk}/records/?year=2022" in year["records_url"]
    assert any(t["name"] == "回澜镇" for t in body["townships"])
    refused = api("admin").post("/api/region-year-stats/", {
        "region": target.region_id, "year": 2019, "gdp_wan": "12.123"}, format="json")
    assert refused.status_code == 400 and "gdp_wan" in refused.json()["error"]["fields"]
    refused = api("admin").post("/api/indicators/", {
        "region": target.region_id, "plan": "x", "code": "x", "name": "x", "formula": "production_deaths",
        "period_start": 2021, "baseline_year": 2020, "target_kind": "decrease_pct", "target_value": "120",
        "target_year": 2025, "attribute": "约束性"}, format="json")
    assert refused.status_code == 400
    assert "不能超过100%" in refused.json()["error"]["fields"]["target_value"][0]


def test_api_manual_value_needs_a_source_and_shows_as_manual(demo, api):
    target = Indicator.objects.get(code="LZ14-5")
    url = f"/api/indicators/{target.pk}/manual-value/"
    refused = api("admin").post(url, {"year": 2021, "value": "0.5"}, format="json")
    assert refused.status_code == 400 and "必须注明来源" in refused.json()["error"]["fields"]["source_note"][0]
    assert api("admin").post(url, {"year": 2021, "value": "0.5", "source_note": "市应急局通报"},
                             format="json").status_code == 200
    year = next(a for a in api("admin").get(f"/api/indicators/{target.pk}/actuals/").json()["actuals"]
                if a["year"] == 2021)
    assert (year["value"], year["manual"], year["source_note"]) == (0.5, True, "市应急局通报")
    assert api("admin").post(url, {"year": 2021, "value": None}, format="json").status_code == 204
    assert not IndicatorManualValue.objects.filter(indicator=target).exists()


def test_records_page_lists_what_the_figure_counts_within_scope(demo, web):
    mine = accident(deaths=1)
    theirs = accident(deaths=2, where=TIANCHI)
    drill = accident(deaths=9, is_drill=True)
    target = Indicator.objects.get(code="LZ14-1")
    page = web("admin").get(f"/indicators/{target.pk}/records/?year=2022").content.decode()
    assert mine.number in page and theirs.number in page and drill.number not in page
    township = web("township2").get(f"/indicators/{target.pk}/records/?year=2022")
    assert township.status_code == 404  # the county's indicator is not a township's record
    bad = web("admin").get(f"/indicators/{target.pk}/records/?year=abc")
    assert bad.status_code == 400 and "年份" in bad.content.decode()


def test_pages_show_targets_actuals_and_missing_denominators(demo, web):
    client = web("admin")
    listing = client.get("/indicators/").content.decode()
    assert "生产安全事故死亡人数" in listing and "下降15%" in listing and "约束性" in listing
    detail = client.get(f"/indicators/{Indicator.objects.get(code='LZ14-3').pk}/").content.decode()
    assert "缺少分母数据" in detail and "查看记录" in detail
    assert client.get("/region-year-stats/").status_code == 200


def _sheet(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["区划", "年份", "常住人口（人）", "地区生产总值（万元）", "工矿商贸就业人员（人）", "数据来源"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_is_all_or_nothing_with_the_field_named(demo, user):
    before = RegionYearStat.objects.count()
    result = run_import(user("admin"), services.YEAR_STATS_SHEET, _sheet([
        ["512022", 2019, 366000, "1751000", 22800, "统计公报"],
        ["512022102", 2019, 18000, "81234.567", 1600, "统计公报"]]))
    assert not result.ok and RegionYearStat.objects.count() == before
    assert not RegionGDP.objects.filter(year=2019).exists()  # nothing half-written, GDP included
    assert [(e.row, e.column) for e in result.errors] == [(3, "地区生产总值（万元）")]
    result = run_import(user("admin"), services.YEAR_STATS_SHEET, _sheet([
        ["乐至县", 2019, 366000, "1751000", 22800, "统计公报"], ["512022", 2020, 364000, "", "", "更正"]]))
    assert result.ok and (result.created, result.updated) == (1, 1)
    corrected = RegionYearStat.objects.get(region__code="512022", year=2020)
    assert corrected.population == 364000
    gdp_2020 = RegionGDP.objects.get(region__code="512022", year=2020).gdp_wan  # the demo's
    assert gdp_2020 > 0  # an empty cell leaves the GDP entered elsewhere as it was
    assert RegionGDP.objects.get(region__code="512022", year=2019).gdp_wan == Decimal("1751000")
    old = _sheet([["512022", 2020, 364000, "", "", "更正"]])  # imported again: still not cleared
    assert run_import(user("admin"), services.YEAR_STATS_SHEET, old).ok
    assert RegionGDP.objects.get(region__code="512022", year=2020).gdp_wan == gdp_2020


def test_township_cannot_import_another_townships_figures(demo, user):
    result = run_import(user("township"), services.YEAR_STATS_SHEET, _sheet([["512022102", 2019, 1, "", "", ""]]))
    assert not result.ok and "区划" in result.errors[0].column


def test_cli_prints_each_indicator_with_target_attribute_and_actuals(demo):
    from click.testing import CliRunner

    from yingji.planning.cli import planning

    accident(deaths=1)
    answer = CliRunner().invoke(planning, ["indicators", "--json"])
    assert answer.exit_code == 0, answer.output
    rows = {row["code"]: row for row in json.loads(answer.output)["indicators"]}
    first = rows["LZ14-1"]
    assert (first["target"]["label"], first["attribute"], first["baseline"]["year"]) == ("下降15%", "约束性", 2020)
    assert {a["year"] for a in first["actuals"]} == set(range(2020, 2026))
    assert next(a for a in first["actuals"] if a["year"] == 2022)["value"] >= 1
    assert re.search("缺少分母数据", json.dumps(rows["LZ14-3"], ensure_ascii=False))
