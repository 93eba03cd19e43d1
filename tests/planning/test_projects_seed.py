"""资阳's key projects (seed 000) as the demo loads them: the app's totals equal the printed 合计 row cell by cell,
every breakdown adds up, and the seed's own inconsistency is kept and shown, not corrected."""

from decimal import Decimal

import pytest

from yingji.planning.demo_data import projects as seed
from yingji.planning.models import FundingPlanLine, KeyProject, SubProject
from yingji.planning.services import projects as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(demo):
    from yingji.core.models import Region

    return Region.objects.get(code=seed.CITY_CODE)


@pytest.fixture
def table(city):
    return services.totals(services.programme_lines(city, seed.PROGRAMME))


def test_ten_projects_and_ten_subprojects_as_printed(city):
    projects = KeyProject.objects.filter(region=city, programme=seed.PROGRAMME).order_by("number")
    assert [p.number for p in projects] == list(range(1, 11))
    assert projects.get(number=7).lead_units == "市应急局、市消防救援支队"
    assert projects.get(number=8).schedule == "2020—2021年" and projects.get(number=8).end_year == 2021
    subs = SubProject.objects.filter(project__programme=seed.PROGRAMME).order_by("number")
    assert [s.number for s in subs] == list(range(1, 11))
    assert [s.project.number for s in subs] == [1, 2, 3, 4, 6, 6, 6, 6, 9, 10]
    # 附件2 第5、7、8项 have no row in 附表3: no sub-project, no figure invented.
    assert not SubProject.objects.filter(project__programme=seed.PROGRAMME, project__number__in=[5, 7, 8]).exists()
    third = subs.get(number=3)
    assert third.total_investment is None and not third.funding_lines.exists()


def test_totals_equal_the_printed_total_row(table):
    _, printed = seed.read_plan()
    assert table["total"] == printed["total"] == Decimal("21619.16")
    assert table["by_level"]["省级资金"] == printed["total_provincial"] == Decimal("3134.35")
    assert table["by_level"]["市本级"] + table["by_level"]["县（区）资金"] == printed["total_city_county"]
    short = {v: k for k, v in seed.COUNTIES.items()}
    for (year, column), amount in printed["cells"].items():
        computed = table["by_year"][year] if column == "小计" else table["by_year_column"][year].get(
            column if column in ("省级资金", "市本级") else seed.COUNTIES[column])
        assert computed == amount, (year, column)
    # 附表3's columns as the app lays them out: 2022 alone has 临空.
    assert [short.get(c, c) for c in table["columns"][2020]] == ["省级资金", "市本级", "雁江", "安岳", "乐至"]
    assert [short.get(c, c) for c in table["columns"][2022]] == ["省级资金", "市本级", "临空", "雁江", "安岳", "乐至"]


def test_every_breakdown_adds_up_to_the_grand_total_and_the_subprojects(table, city):
    total = table["total"]
    assert sum(table["by_year"].values()) == total
    assert sum(table["by_level"].values()) == total
    assert sum(table["by_district"].values()) == total
    assert sum(table["by_subproject"].values()) == total
    assert sum(table["by_project_level"].values()) == total
    # 项目级别 as printed: 市县级 rows 1, 2, 4, 10; 市级 5, 6, 9; 县级 7, 8
    assert table["by_project_level"] == {"市级": Decimal("3332.00"), "县级": Decimal("1206.16"),
                                         "市县级": Decimal("17081.00")}
    assert sum(sum(c.values()) for c in table["by_year_column"].values()) == total
    subs = SubProject.objects.filter(project__programme=seed.PROGRAMME)
    assert sum(s.total_investment for s in subs if s.total_investment is not None) == total
    # by district: 资阳市 pays the 省级资金 and 市本级 columns, each county its own (the printed 合计 row's sums).
    assert table["by_district"] == {"临空经济区": Decimal("2687.42"), "雁江区": Decimal("1810.01"),
                                    "安岳县": Decimal("1438.74"), "乐至县": Decimal("2778.30"),
                                    "资阳市": Decimal("12904.69")}


def test_each_row_adds_up_as_printed():
    rows, _ = seed.read_plan()
    for row in rows:
        years = {y for y, _ in row["cells"]}
        for year in years:
            parts = [a for (y, c), a in row["cells"].items() if y == year and c != "小计" and a is not None]
            subtotal = row["cells"][(year, "小计")]
            assert (sum(parts) if parts else None) == subtotal, (row["number"], year)
        if row["total"] is not None:
            assert sum(row["cells"][(y, "小计")] or 0 for y in years) == row["total"]
            assert row["total_provincial"] + row["total_city_county"] == row["total"]


def test_the_seeds_own_inconsistency_is_kept_and_shown(city):
    """附表3 row 2 prints 截止时间 2021 but a 2022 plan of 310 万元 (附件2: 2020—2022): both kept, flagged."""
    sub = SubProject.objects.get(project__programme=seed.PROGRAMME, number=2)
    assert sub.end_year == 2021 and sub.project.end_year == 2022
    assert sum(line.amount for line in sub.funding_lines.filter(year=2022)) == Decimal("310")
    table = services.project_table(sub.project)
    assert table["rows"][0]["warnings"] == ["资金计划含 2022 年，超出本子项目完成时限（2020—2021年）。"]
    flagged = [r for p in KeyProject.objects.filter(programme=seed.PROGRAMME)
               for r in services.project_table(p)["rows"] if r["warnings"]]
    assert [r["subproject"].number for r in flagged] == [2]


def test_printed_zero_is_a_line_and_a_blank_is_none(city):
    sub = SubProject.objects.get(project__programme=seed.PROGRAMME, number=5)
    assert not sub.funding_lines.filter(year=2022).exists()  # printed blank
    assert sub.funding_lines.get(year=2020, source="county", region__name="雁江区").amount == 0  # printed 0
    lines = FundingPlanLine.objects.filter(subproject__project__programme=seed.PROGRAMME)
    rows, _ = seed.read_plan()
    printed = sum(1 for r in rows for (y, c), a in r["cells"].items() if c != "小计" and a is not None)
    assert lines.count() == printed
